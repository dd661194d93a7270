// RPT-2, RPT-3 use cases: one transaction each.
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import type { Actor } from '../../policy/actor.ts'
import { authorize, recordCreated } from '../../policy/authorize.ts'
import { alreadyEvaluated, invalidToken } from './policy.ts'
import { randomUUID } from 'node:crypto'
import {
  approveInstrument, approvedInstruments, currentInstrument, holdComment, insertInstrument, listInstrumentRows, receiptAndHold, spendTokenAndHold,
} from './repository.ts'
import type { AmbassadorSurveyBody, ManagerSurveyBody, ProposeInstrumentBody } from './schemas.ts'
import { answerErrors, invalidAnswers } from './instruments.ts'

/**
 * Answers that fit no approved version of the instrument are a 400 before anything else is looked at
 * (as the schema's refusal was before versions): the token's own version is checked in its policy.
 */
async function precheck(db: Db, audience: 'manager' | 'ambassador', answers: Record<string, unknown>, comment: string | undefined) {
  const versions = await approvedInstruments(db, audience)
  const errors = versions.map((v) => answerErrors(v.questions, answers, comment))
  if (!errors.some((e) => e.length === 0)) throw invalidAnswers(errors[errors.length - 1] ?? [])
}

// ---- Instruments (#15 item 2) ----

type InstrumentRow = Awaited<ReturnType<typeof currentInstrument>>
const instrumentView = (i: InstrumentRow) => ({
  id: i.id, audience: i.audience, version: i.version, status: i.version === null ? 'proposed' as const : 'approved' as const,
  questions: i.questions, proposedAt: i.proposedAt, approvedAt: i.approvedAt,
})

export const getCurrentInstrument = async (db: Db, audience: 'manager' | 'ambassador') => instrumentView(await currentInstrument(db, audience))

export const listInstruments = async (db: Db, audience?: 'manager' | 'ambassador') => ({ items: (await listInstrumentRows(db, audience)).map(instrumentView), nextCursor: null })

export const proposeInstrument = (db: Db, actor: Actor, body: ProposeInstrumentBody) => inTransaction(db, async (trx) => {
  const auth = await authorize(trx, actor, 'survey-instrument.propose', body)
  return instrumentView(recordCreated(auth, await insertInstrument(auth, body.audience, body.questions)))
})

export const approveProposedInstrument = (db: Db, actor: Actor, id: string) => inTransaction(db, async (trx) => {
  const auth = await authorize(trx, actor, 'survey-instrument.approve', { id })
  return instrumentView(await approveInstrument(auth))
})

const uniqueViolation = (err: unknown) => (err as { code?: unknown } | null)?.code === '23505'

/** The month an answer is given (UTC): the only time it keeps. */
const thisMonth = () => new Date().toISOString().slice(0, 7)

/**
 * #11 finding 4: the answer is held back, sealed, in the token's transaction; it reaches the
 * response table later, shuffled with others, in a transaction of its own (release.ts). Its id is
 * chosen now so the answer to the manager is the same as before.
 */
export async function submitManagerSurvey(db: Db, actor: Actor, body: ManagerSurveyBody) {
  try {
    await precheck(db, 'manager', body.answers, body.comment)
    const period = thisMonth()
    const held = { id: randomUUID(), period, instrumentVersion: 1, answers: body.answers }
    await inTransaction(db, async (trx) => {
      const auth = await authorize(trx, actor, 'survey.submit-manager', { token: body.token, answers: body.answers, comment: body.comment })
      held.instrumentVersion = auth.facts.version
      await spendTokenAndHold(auth, held)
      if (body.comment !== undefined) await holdComment(trx, 'manager', period, body.comment)
    })
    return held
  } catch (err) {
    // A hash already spent (the token reissued or replayed) is the same neutral answer.
    if (uniqueViolation(err)) throw invalidToken()
    throw err
  }
}

export async function submitAmbassadorSurvey(db: Db, actor: Actor, body: AmbassadorSurveyBody) {
  try {
    await precheck(db, 'ambassador', body.answers, body.comment)
    const period = thisMonth()
    const held = { id: randomUUID(), period, instrumentVersion: 1, answers: body.answers }
    await inTransaction(db, async (trx) => {
      const auth = await authorize(trx, actor, 'survey.submit-ambassador', { evaluated: body.engagementId, answers: body.answers, comment: body.comment })
      held.instrumentVersion = auth.facts.version
      await receiptAndHold(auth, held)
      if (body.comment !== undefined) await holdComment(trx, 'ambassador', period, body.comment)
    })
    return held
  } catch (err) {
    if (uniqueViolation(err)) throw alreadyEvaluated()
    throw err
  }
}
