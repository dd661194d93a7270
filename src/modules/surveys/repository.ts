// All SQL for the surveys (RPT-2, RPT-3; #11 finding 4). Submitting spends the token (or writes
// the Ambassador's receipt) and holds the answer back, sealed, in survey_answers_pending: nothing
// a database reader can open or join. The release job (release.ts) later moves the held answers
// into the response tables in a transaction of its own, in random order, each with its month only.
import { randomInt } from 'node:crypto'
import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { Trx } from '../../db/tx.ts'
import type { InstrumentQuestion } from '../../db/json-types.ts'
import { COLUMN_ANSWERS } from './instruments.ts'
import type { Authorized } from '../../policy/authorize.ts'
import { sealServer } from '../../shared/crypto.ts'
import type { AmbassadorAnswers, ManagerAnswers } from './schemas.ts'

export const PENDING_PURPOSE = 'survey-answers-pending'
/** Comments (#15): sealed under their own purpose, held apart from the answers. */
export const COMMENT_PURPOSE = 'survey-comments-pending'

/** What a held answer seals: the response's id and month, and the answers. */
export interface HeldAnswer<A> { id: string; period: string; instrumentVersion?: number; answers: A }

/** An answer is released at the latest this long after it was given: a random delay in [min, max] hours. */
export const RELEASE_DELAY_HOURS = { min: 12, max: 72 } as const

async function hold(trx: Trx, kind: 'manager' | 'ambassador', held: HeldAnswer<unknown>) {
  const delayMinutes = randomInt(RELEASE_DELAY_HOURS.min * 60, RELEASE_DELAY_HOURS.max * 60 + 1)
  await sql`INSERT INTO survey_answers_pending (kind, sealed, release_after)
    VALUES (${kind}, ${sealServer(PENDING_PURPOSE, JSON.stringify(held))}, date_trunc('hour', now()) + make_interval(mins => ${delayMinutes}))`.execute(trx)
}

/** RPT-2: the token is spent (a keyed hash kept apart, the sealed token and its hash cleared) and the answer held. */
export async function spendTokenAndHold(auth: Authorized<'survey.submit-manager'>, held: HeldAnswer<ManagerAnswers>) {
  const { holder, tokenHash } = auth.facts
  await sql`
    WITH spent AS (
      INSERT INTO survey_spent_tokens (token_hash) VALUES (${tokenHash})
    )
    UPDATE engagements SET survey_token = NULL, survey_token_hash = NULL, survey_token_expires_at = NULL WHERE id = ${holder}`.execute(auth.trx)
  await hold(auth.trx, 'manager', held)
}

/** RPT-3: the receipt (a keyed hash of the engagement id) and the answer held. */
export async function receiptAndHold(auth: Authorized<'survey.submit-ambassador'>, held: HeldAnswer<AmbassadorAnswers>) {
  await auth.trx.insertInto('ambassadorSurveyReceipts').values({ engagementHash: auth.facts.engagementHash }).execute()
  await hold(auth.trx, 'ambassador', held)
}

/** Pending answers: how many, and whether any is past its release time. */
export async function pendingState(trx: Trx) {
  const r = await sql<{ n: number; due: boolean }>`
    SELECT count(*)::int AS n, coalesce(bool_or(release_after <= now()), false) AS due FROM survey_answers_pending`.execute(trx)
  return r.rows[0]
}

/** Takes every pending answer (they leave the table in this transaction). */
export async function takePending(trx: Trx) {
  const r = await sql<{ kind: 'manager' | 'ambassador'; sealed: string }>`DELETE FROM survey_answers_pending RETURNING kind, sealed`.execute(trx)
  return r.rows
}

/** Fisher–Yates with the system's CSPRNG: the order of release says nothing of the order of submission. */
export function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(i + 1)
    ;[items[i], items[j]] = [items[j], items[i]]
  }
  return items
}

const monthStart = (period: string) => `${period}-01`

/**
 * The released answers, in the order given (already shuffled), in one statement each table. The
 * inserts name only the answer columns, the id and the month: any other column (a statistics key
 * with a SQL default, say) takes its default.
 */
export async function insertReleased(trx: Trx, manager: HeldAnswer<ManagerAnswers>[], ambassador: HeldAnswer<AmbassadorAnswers>[]) {
  if (manager.length) {
    await sql`INSERT INTO manager_survey_responses (id, period, trust_built, felt_judged, knowledge_experience, referrals_effective,
        follow_up_after_referral, needed_more_than_two_meetings, instrument_version, awareness_channel, extra_answers)
      VALUES ${sql.join(manager.map(({ id, period, instrumentVersion, answers: a }) => sql`(${id}::uuid, ${monthStart(period)}::date, ${a.trustBuilt}, ${a.feltJudged},
        ${a.knowledgeExperience}, ${a.referralsEffective}, ${a.followUpAfterReferral}, ${a.neededMoreThanTwoMeetings},
        ${instrumentVersion ?? 1}, ${a.awarenessChannel ?? null}, ${JSON.stringify(extraOf(a))}::jsonb)`))}`.execute(trx)
  }
  if (ambassador.length) {
    await sql`INSERT INTO ambassador_survey_responses (id, period, training_adequate, able_to_fulfil_role, meetings_needed, instrument_version, extra_answers)
      VALUES ${sql.join(ambassador.map(({ id, period, instrumentVersion, answers: a }) => sql`(${id}::uuid, ${monthStart(period)}::date, ${a.trainingAdequate},
        ${a.ableToFulfilRole}, ${a.meetingsNeeded}, ${instrumentVersion ?? 1}, ${JSON.stringify(extraOf(a))}::jsonb)`))}`.execute(trx)
  }
}

/** Answers to the questions a later version added (the others have columns of their own). */
const extraOf = (answers: Record<string, unknown>) => Object.fromEntries(Object.entries(answers).filter(([k]) => !COLUMN_ANSWERS.has(k)))

// ---- Comments (#15 item 2) ----

/** A comment, sealed, with its month only, in a table of its own: nothing joins it to an answer. */
export async function holdComment(trx: Trx, audience: 'manager' | 'ambassador', period: string, text: string) {
  await sql`INSERT INTO survey_comments_pending (audience, period, sealed) VALUES (${audience}, ${monthStart(period)}::date, ${sealServer(COMMENT_PURPOSE, text)})`.execute(trx)
}

// ---- Instruments (#15 item 2) ----

export const currentInstrument = (db: Db | Trx, audience: 'manager' | 'ambassador') =>
  db.selectFrom('surveyInstruments').selectAll().where('audience', '=', audience).where('version', 'is not', null)
    .orderBy('version', 'desc').limit(1).executeTakeFirstOrThrow()

export const instrumentVersion = (db: Db | Trx, audience: 'manager' | 'ambassador', version: number) =>
  db.selectFrom('surveyInstruments').selectAll().where('audience', '=', audience).where('version', '=', version).executeTakeFirst()

export const approvedInstruments = (db: Db | Trx, audience: 'manager' | 'ambassador') =>
  db.selectFrom('surveyInstruments').selectAll().where('audience', '=', audience).where('version', 'is not', null).orderBy('version').execute()

export function listInstrumentRows(db: Db, audience?: 'manager' | 'ambassador') {
  let q = db.selectFrom('surveyInstruments').selectAll()
  if (audience) q = q.where('audience', '=', audience)
  return q.orderBy('audience').orderBy('proposedAt').orderBy('id').limit(200).execute()
}

export const insertInstrument = (auth: Authorized<'survey-instrument.propose'>, audience: 'manager' | 'ambassador', questions: InstrumentQuestion[]) =>
  auth.trx.insertInto('surveyInstruments').values({ audience, questions: JSON.stringify(questions), proposedBy: auth.actor.sub }).returningAll().executeTakeFirstOrThrow()

export const approveInstrument = (auth: Authorized<'survey-instrument.approve'>) =>
  auth.trx.updateTable('surveyInstruments').set({ version: auth.facts.nextVersion, approvedBy: auth.actor.sub, approvedAt: sql`now()` })
    .where('id', '=', auth.facts.instrument.id).returningAll().executeTakeFirstOrThrow()
