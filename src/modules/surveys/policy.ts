// RPT-2, RPT-3: the two anonymous surveys. Their audit events name nobody and nothing (auditAs
// 'anonymous', no resource or engagement id): the trail must not become the link the response
// tables do not have.
import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import { keyedHash } from '../../shared/crypto.ts'
import { surveyTokenHash } from '../engagements/repository.ts'
import { AppError, NotFound, PolicyDenied } from '../../errors/app-error.ts'
import type { InstrumentQuestion } from '../../db/json-types.ts'
import { answerErrors, instrumentErrors, invalidAnswers } from './instruments.ts'
import { currentInstrument, instrumentVersion } from './repository.ts'
import { forbidden } from '../../errors/app-error.ts'
import { definePolicy } from '../../policy/define.ts'
import { lockAsParticipant } from '../engagements/policy.ts'

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

/**
 * #11 finding 4: every hash a database reader sees is keyed (HMAC under DATA_KEY): a spent token's
 * and an evaluation receipt cannot be recomputed from a token or an engagement id.
 */
export const spentTokenHash = (token: string) => keyedHash('survey-spent-token', token)
export const evaluationReceipt = (engagementId: string) => keyedHash('ambassador-evaluation', engagementId)
/** The receipts written before #11 (unkeyed): still honoured, so an engagement is evaluated once. */
const legacyReceipt = (engagementId: string) => sha256(`ambassador-evaluation:${engagementId}`)

/** One answer for an absent, spent or expired token: nothing tells them apart. */
export const invalidToken = () => new PolicyDenied('survey-token-invalid', {
  en: 'This survey link is not valid: it was already used or has expired.',
  fr: 'Ce lien de sondage n’est pas valide : il a déjà servi ou il a expiré.',
})

export const surveyPolicies = {
  'survey.submit-manager': definePolicy({
    summary: 'The manager holding the single-use token from closing answers the survey once, within 60 days (RPT-2).',
    auditAs: 'anonymous',
    async check(trx, actor, target: { token: string; answers: Record<string, unknown>; comment?: string }) {
      if (!actor.roles.has('manager')) throw forbidden()
      const tokenHash = spentTokenHash(target.token)
      // The engagement row is locked: two submissions with the same token are serialised here,
      // and the second finds the token cleared. At rest the token is sealed: it is found by its
      // keyed hash (a token issued before #11 is still plain, without a hash, and found as it is).
      const r = await sql<{ id: string; spent: boolean; version: number | null }>`
        SELECT e.id, e.survey_instrument_version AS version, EXISTS (SELECT 1 FROM survey_spent_tokens s WHERE s.token_hash = ${tokenHash}) AS spent
        FROM engagements e
        WHERE (e.survey_token_hash = ${surveyTokenHash(target.token)} OR (e.survey_token_hash IS NULL AND e.survey_token = ${target.token}))
          AND e.survey_token_expires_at > now()
        FOR UPDATE OF e`.execute(trx)
      const row = r.rows[0]
      if (!row || row.spent) throw invalidToken()
      // #15: the token answers the instrument version current when it was issued (1 before versions existed).
      const version = row.version ?? 1
      const instrument = await instrumentVersion(trx, 'manager', version)
      const errors = answerErrors(instrument?.questions ?? [], target.answers, target.comment)
      if (errors.length) throw invalidAnswers(errors)
      // Named `holder`, not `engagement`: the audit trail must not pick its id up.
      return { holder: row.id, tokenHash, version }
    },
  }),

  'survey.submit-ambassador': definePolicy({
    summary: 'The Ambassador of a closed engagement evaluates it once; the answers are stored without it (RPT-3).',
    auditAs: 'anonymous',
    async check(trx, actor, target: { evaluated: string; answers: Record<string, unknown>; comment?: string }) {
      if (!actor.roles.has('manager')) throw forbidden()
      const { engagement } = await lockAsParticipant(trx, actor, target.evaluated, ['ambassador'])
      if (engagement.status !== 'closed') {
        throw new PolicyDenied('invalid-transition', { en: 'An engagement is evaluated once it is closed.', fr: 'Un jumelage s’évalue une fois clos.' }, { extensions: { from: engagement.status } })
      }
      const engagementHash = evaluationReceipt(engagement.id)
      const done = await trx.selectFrom('ambassadorSurveyReceipts').select('engagementHash')
        .where('engagementHash', 'in', [engagementHash, legacyReceipt(engagement.id)]).executeTakeFirst()
      if (done) throw alreadyEvaluated()
      // #15: the Ambassador answers the version current now.
      const instrument = await currentInstrument(trx, 'ambassador')
      const errors = answerErrors(instrument.questions, target.answers, target.comment)
      if (errors.length) throw invalidAnswers(errors)
      return { engagementHash, version: instrument.version ?? 1 }
    },
  }),
}

export const instrumentPolicies = {
  'survey-instrument.propose': definePolicy({
    summary: 'nmno proposes a new version of a survey instrument: typed questions, version 1’s scored questions kept (#15).',
    auditAs: 'staff',
    async check(trx, actor, target: { audience: 'manager' | 'ambassador'; questions: InstrumentQuestion[] }) {
      if (!actor.roles.has('nmno')) throw forbidden()
      const first = await instrumentVersion(trx, target.audience, 1)
      const errors = instrumentErrors(target.audience, target.questions, first?.questions ?? [])
      if (errors.length) {
        throw new AppError('validation-failed', { en: `The instrument is not valid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}.`, fr: 'Le questionnaire n’est pas valide.' }, { errors })
      }
      return {}
    },
  }),
  'survey-instrument.approve': definePolicy({
    summary: 'Governance approves a proposed instrument: it becomes the next version, current for the tokens issued from now on (#15).',
    auditAs: 'staff',
    async check(trx, actor, target: { id: string }) {
      if (!actor.roles.has('governance')) throw forbidden()
      const instrument = await trx.selectFrom('surveyInstruments').selectAll().where('id', '=', target.id).forUpdate().executeTakeFirst()
      if (!instrument) throw new NotFound()
      if (instrument.version !== null) {
        throw new PolicyDenied('invalid-transition', { en: `This instrument is already version ${instrument.version}.`, fr: `Ce questionnaire est déjà la version ${instrument.version}.` }, { extensions: { from: 'approved' } })
      }
      // Approvals of one audience are serialised: two at once get consecutive numbers.
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`survey_instruments.approve:${instrument.audience}`}))`.execute(trx)
      const cur = await currentInstrument(trx, instrument.audience)
      return { instrument, nextVersion: (cur.version ?? 0) + 1 }
    },
  }),
}

export const alreadyEvaluated = () => new PolicyDenied('already-exists', { en: 'This engagement was already evaluated.', fr: 'Ce jumelage a déjà été évalué.' })
