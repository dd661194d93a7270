// #14 items 3 and 4: the reminders the people around an engagement get, as system jobs.
//
// urgent-requests (`job.urgent-requests`): an `urgent` request its Ambassador has not answered
//   - at half of URGENT_RESPONSE_HOURS: the Ambassador is reminded (`urgent_request_reminder`);
//   - at URGENT_RESPONSE_HOURS: the office's shared inbox gets `urgent_request_unanswered`,
//     de-identified (the engagement id nmno already sees in its de-identified view, the request
//     date; no manager, no Ambassador), and the manager `urgent_request_unanswered`: they may
//     choose another Ambassador. The request stays open until answered or expired (ENG-11);
//     routine requests keep the 5-day expiry only.
// survey-reminders (`job.remind-surveys`): 7 days after closing, a manager whose survey token is
//   unspent and unexpired is reminded once (`survey_reminder`); nothing once it is spent or expired.
//
// Each notice goes once: a notice of that kind about that request already written stops it
// (NOT EXISTS), and one replica sweeps at a time (advisory lock in the policy).
import { sql, type RawBuilder } from 'kysely'
import type { Db } from '../db/database.ts'
import { inTransaction } from '../db/tx.ts'
import type { Trx } from '../db/tx.ts'
import { systemActor } from '../policy/actor.ts'
import { authorize, type Authorized } from '../policy/authorize.ts'

export const URGENT_REQUESTS = systemActor('urgent-requests')
export const SURVEY_REMINDERS = systemActor('survey-reminders')
export const SURVEY_REMINDER_DAYS = 7

const noNotice = (kind: string, audience: 'nmno' | 'principal') =>
  sql<boolean>`NOT EXISTS (SELECT 1 FROM notifications n WHERE n.kind = ${kind} AND n.audience = ${audience} AND n.subject_id = e.id)`

/** Urgent requests still waiting for an answer, requested at least `hours` ago. */
const waitingSince = (hours: number): RawBuilder<boolean> =>
  sql<boolean>`e.status = 'requested' AND e.urgency = 'urgent' AND NOT request_overdue(e.status, e.expires_at)
    AND e.requested_at <= now() - make_interval(secs => ${hours * 3600})`

export async function urgentDue(trx: Trx, hours: number) {
  const r = await sql<{ due: boolean }>`SELECT EXISTS (SELECT 1 FROM engagements e WHERE ${waitingSince(hours / 2)}
    AND (${noNotice('urgent_request_reminder', 'principal')} OR (${waitingSince(hours)} AND ${noNotice('urgent_request_unanswered', 'nmno')}))) AS due`.execute(trx)
  return Boolean(r.rows[0]?.due)
}

async function sweepUrgent(auth: Authorized<'job.urgent-requests'>) {
  const { hours } = auth.facts
  const reminded = await sql`
    INSERT INTO notifications (audience, recipient_ref, kind, subject_type, subject_id, data)
    SELECT 'principal', a.employee_ref, 'urgent_request_reminder', 'engagement', e.id,
      jsonb_build_object('answerBy', to_char((e.requested_at + make_interval(secs => ${hours * 3600})) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
    FROM engagements e JOIN ambassadors a ON a.id = e.ambassador_id
    WHERE ${waitingSince(hours / 2)} AND ${noNotice('urgent_request_reminder', 'principal')}`.execute(auth.trx)
  const office = await sql<{ id: string; managerRef: string }>`
    WITH due AS (SELECT e.id, e.manager_ref, e.requested_at FROM engagements e
      WHERE ${waitingSince(hours)} AND ${noNotice('urgent_request_unanswered', 'nmno')} FOR UPDATE OF e SKIP LOCKED),
    told AS (
      INSERT INTO notifications (audience, kind, subject_type, subject_id, data)
      SELECT 'nmno', 'urgent_request_unanswered', 'engagement', due.id,
        jsonb_build_object('requestedOn', to_char(due.requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), 'hoursWithoutAnswer', ${hours}::int)
      FROM due)
    INSERT INTO notifications (audience, recipient_ref, kind, subject_type, subject_id, data)
    SELECT 'principal', due.manager_ref, 'urgent_request_unanswered', 'engagement', due.id,
      jsonb_build_object('mayChooseAnother', true, 'hoursWithoutAnswer', ${hours}::int) FROM due
    RETURNING subject_id AS id, recipient_ref AS manager_ref`.execute(auth.trx)
  return { reminded: Number(reminded.numAffectedRows ?? 0), unanswered: office.rows.length }
}

/** One run of the urgent-request sweep. */
export function remindUrgentRequests(db: Db, hours: number) {
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, URGENT_REQUESTS, 'job.urgent-requests', { hours })
    if (!auth.facts.due) return { reminded: 0, unanswered: 0 }
    return sweepUrgent(auth)
  })
}

const reminderDue = sql<boolean>`e.status = 'closed' AND e.survey_token IS NOT NULL AND e.survey_token_expires_at > now()
  AND e.closed_at <= now() - make_interval(days => ${SURVEY_REMINDER_DAYS}) AND ${noNotice('survey_reminder', 'principal')}`

export async function surveyRemindersDue(trx: Trx) {
  const r = await sql<{ due: boolean }>`SELECT EXISTS (SELECT 1 FROM engagements e WHERE ${reminderDue}) AS due`.execute(trx)
  return Boolean(r.rows[0]?.due)
}

/** One run of the survey reminder; returns the number of managers reminded. */
export function remindSurveys(db: Db) {
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, SURVEY_REMINDERS, 'job.remind-surveys', {})
    if (!auth.facts.due) return 0
    const r = await sql`
      INSERT INTO notifications (audience, recipient_ref, kind, subject_type, subject_id, data)
      SELECT 'principal', e.manager_ref, 'survey_reminder', 'engagement', e.id,
        jsonb_build_object('surveyExpiresOn', to_char(e.survey_token_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'))
      FROM engagements e WHERE ${reminderDue}`.execute(auth.trx)
    return Number(r.numAffectedRows ?? 0)
  })
}
