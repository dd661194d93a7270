// RPT-2, RPT-3: the two anonymous surveys. Their audit events name nobody and nothing (auditAs
// 'anonymous', no resource or engagement id): the trail must not become the link the response
// tables do not have.
import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import { keyedHash } from '../../shared/crypto.ts'
import { surveyTokenHash } from '../engagements/repository.ts'
import { PolicyDenied } from '../../errors/app-error.ts'
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
    async check(trx, actor, target: { token: string }) {
      if (!actor.roles.has('manager')) throw forbidden()
      const tokenHash = spentTokenHash(target.token)
      // The engagement row is locked: two submissions with the same token are serialised here,
      // and the second finds the token cleared. At rest the token is sealed: it is found by its
      // keyed hash (a token issued before #11 is still plain, without a hash, and found as it is).
      const r = await sql<{ id: string; spent: boolean }>`
        SELECT e.id, EXISTS (SELECT 1 FROM survey_spent_tokens s WHERE s.token_hash = ${tokenHash}) AS spent
        FROM engagements e
        WHERE (e.survey_token_hash = ${surveyTokenHash(target.token)} OR (e.survey_token_hash IS NULL AND e.survey_token = ${target.token}))
          AND e.survey_token_expires_at > now()
        FOR UPDATE OF e`.execute(trx)
      const row = r.rows[0]
      if (!row || row.spent) throw invalidToken()
      // Named `holder`, not `engagement`: the audit trail must not pick its id up.
      return { holder: row.id, tokenHash }
    },
  }),

  'survey.submit-ambassador': definePolicy({
    summary: 'The Ambassador of a closed engagement evaluates it once; the answers are stored without it (RPT-3).',
    auditAs: 'anonymous',
    async check(trx, actor, target: { evaluated: string }) {
      if (!actor.roles.has('manager')) throw forbidden()
      const { engagement } = await lockAsParticipant(trx, actor, target.evaluated, ['ambassador'])
      if (engagement.status !== 'closed') {
        throw new PolicyDenied('invalid-transition', { en: 'An engagement is evaluated once it is closed.', fr: 'Un jumelage s’évalue une fois clos.' }, { extensions: { from: engagement.status } })
      }
      const engagementHash = evaluationReceipt(engagement.id)
      const done = await trx.selectFrom('ambassadorSurveyReceipts').select('engagementHash')
        .where('engagementHash', 'in', [engagementHash, legacyReceipt(engagement.id)]).executeTakeFirst()
      if (done) throw alreadyEvaluated()
      return { engagementHash }
    },
  }),
}

export const alreadyEvaluated = () => new PolicyDenied('already-exists', { en: 'This engagement was already evaluated.', fr: 'Ce jumelage a déjà été évalué.' })
