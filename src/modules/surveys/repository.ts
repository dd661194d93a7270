// All SQL for the surveys. Each write is one statement: the spent-token hash (or the Ambassador's
// receipt) and the response are written together, and nothing in the response points back.
import { sql } from 'kysely'
import type { Authorized } from '../../policy/authorize.ts'
import type { AmbassadorAnswers, ManagerAnswers } from './schemas.ts'

/** RPT-2: the token is spent (hash kept apart, columns cleared) and the response stored. */
export async function spendTokenAndRecord(auth: Authorized<'survey.submit-manager'>, a: ManagerAnswers) {
  const { holder, tokenHash } = auth.facts
  const r = await sql<{ id: string; period: string }>`
    WITH spent AS (
      INSERT INTO survey_spent_tokens (token_hash) VALUES (${tokenHash})
    ), cleared AS (
      UPDATE engagements SET survey_token = NULL, survey_token_expires_at = NULL WHERE id = ${holder}
    )
    INSERT INTO manager_survey_responses (trust_built, felt_judged, knowledge_experience, referrals_effective, follow_up_after_referral,
      needed_more_than_two_meetings)
    VALUES (${a.trustBuilt}, ${a.feltJudged}, ${a.knowledgeExperience}, ${a.referralsEffective}, ${a.followUpAfterReferral}, ${a.neededMoreThanTwoMeetings})
    RETURNING id, to_char(period, 'YYYY-MM') AS period`.execute(auth.trx)
  return r.rows[0]
}

/** RPT-3: the receipt (a hash of the engagement id) and the response, unlinked. */
export async function recordEvaluation(auth: Authorized<'survey.submit-ambassador'>, a: AmbassadorAnswers) {
  const r = await sql<{ id: string; period: string }>`
    WITH receipt AS (
      INSERT INTO ambassador_survey_receipts (engagement_hash) VALUES (${auth.facts.engagementHash})
    )
    INSERT INTO ambassador_survey_responses (training_adequate, able_to_fulfil_role, meetings_needed)
    VALUES (${a.trainingAdequate}, ${a.ableToFulfilRole}, ${a.meetingsNeeded})
    RETURNING id, to_char(period, 'YYYY-MM') AS period`.execute(auth.trx)
  return r.rows[0]
}
