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

// #16 part 3 (`reminders`, action `job.remind-participants`): the nudges of the mentoring platforms,
// each one notification per subject and recipient, ever (the partial unique index
// notifications_reminder_once; the inserts go ON CONFLICT DO NOTHING, and the NOT EXISTS keeps an idle
// run idle), and so one webhook each (the outbox trigger fires on the rows actually inserted):
//   - meeting_tomorrow: a booked meeting (not held, not cancelled) of a running engagement starts
//     within 24 h: both participants (the manager and the assigned Ambassador);
//   - follow_up_due: a referral's follow-up (ENG-7) or a crisis follow-up (CRS-1) not done and due
//     within 24 h (or past due by at most 7 days: no flood of old ones): the Ambassador, whose task it is;
//   - request_reminder: a routine request unanswered at half its ENG-11 deadline (5 days): the
//     Ambassador. Urgent requests have their own reminder (urgent_request_reminder, above).
// The inbox entries carry ids and dates only; a rescheduled meeting is not reminded again.
export const REMINDERS = systemActor('reminders')
const ONCE = sql`ON CONFLICT (kind, subject_id, recipient_ref) WHERE kind IN ('meeting_tomorrow','follow_up_due','request_reminder') DO NOTHING`
const notYet = (kind: string, subject: RawBuilder<string>, recipient: RawBuilder<string>) =>
  sql<boolean>`NOT EXISTS (SELECT 1 FROM notifications n WHERE n.kind = ${kind} AND n.subject_id = ${subject} AND n.recipient_ref = ${recipient})`
const iso = (col: RawBuilder<unknown>) => sql`to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`

const meetingsTomorrow = sql`
  SELECT m.id AS subject_id, p.ref AS recipient_ref, jsonb_build_object('engagementId', e.id, 'scheduledAt', ${iso(sql`m.scheduled_at`)}) AS data
  FROM meetings m JOIN engagements e ON e.id = m.engagement_id JOIN ambassadors a ON a.id = e.ambassador_id
  CROSS JOIN LATERAL (VALUES (e.manager_ref), (a.employee_ref)) AS p(ref)
  WHERE NOT m.held AND NOT m.cancelled AND e.status IN ('accepted','active')
    AND m.scheduled_at > now() AND m.scheduled_at <= now() + interval '24 hours'
    AND ${notYet('meeting_tomorrow', sql`m.id`, sql`p.ref`)}`

const followUpsDue = sql`
  SELECT r.id AS subject_id, a.employee_ref AS recipient_ref, jsonb_build_object('engagementId', e.id, 'dueAt', ${iso(sql`r.follow_up_due_at`)}, 'followUp', 'referral') AS data
  FROM referrals r JOIN engagements e ON e.id = r.engagement_id JOIN ambassadors a ON a.id = e.ambassador_id
  WHERE r.followed_up_at IS NULL AND e.status IN ('accepted','active','closed')
    AND r.follow_up_due_at <= now() + interval '24 hours' AND r.follow_up_due_at > now() - interval '7 days'
    AND ${notYet('follow_up_due', sql`r.id`, sql`a.employee_ref`)}
  UNION ALL
  SELECT x.id, a.employee_ref, jsonb_build_object('engagementId', x.engagement_id, 'dueAt', ${iso(sql`x.follow_up_due_at`)}, 'followUp', 'crisis')
  FROM crisis_escalations x JOIN ambassadors a ON a.id = x.ambassador_id
  WHERE x.followed_up_at IS NULL
    AND x.follow_up_due_at <= now() + interval '24 hours' AND x.follow_up_due_at > now() - interval '7 days'
    AND ${notYet('follow_up_due', sql`x.id`, sql`a.employee_ref`)}`

const requestsAtHalf = sql`
  SELECT e.id AS subject_id, a.employee_ref AS recipient_ref, jsonb_build_object('answerBy', ${iso(sql`e.expires_at`)}) AS data
  FROM engagements e JOIN ambassadors a ON a.id = e.ambassador_id
  WHERE e.status = 'requested' AND e.urgency = 'routine' AND NOT request_overdue(e.status, e.expires_at)
    AND now() >= e.requested_at + (e.expires_at - e.requested_at) / 2
    AND ${notYet('request_reminder', sql`e.id`, sql`a.employee_ref`)}`

const REMINDER_SETS = [
  { kind: 'meeting_tomorrow', subjectType: 'meeting', rows: meetingsTomorrow },
  { kind: 'follow_up_due', subjectType: 'follow_up', rows: followUpsDue },
  { kind: 'request_reminder', subjectType: 'engagement', rows: requestsAtHalf },
] as const

export async function participantRemindersDue(trx: Trx) {
  const r = await sql<{ due: boolean }>`SELECT EXISTS (${meetingsTomorrow}) OR EXISTS (${followUpsDue}) OR EXISTS (${requestsAtHalf}) AS due`.execute(trx)
  return Boolean(r.rows[0]?.due)
}

/** One run of the participants' reminders; the count of each kind written. */
export function remindParticipants(db: Db) {
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, REMINDERS, 'job.remind-participants', {})
    const counts = { meeting_tomorrow: 0, follow_up_due: 0, request_reminder: 0 }
    if (!auth.facts.due) return counts
    for (const set of REMINDER_SETS) {
      const subjectType = set.subjectType === 'follow_up' ? sql`CASE WHEN s.data->>'followUp' = 'crisis' THEN 'crisis_escalation' ELSE 'referral' END` : sql`${set.subjectType}::text`
      const r = await sql`
        INSERT INTO notifications (audience, recipient_ref, kind, subject_type, subject_id, data)
        SELECT 'principal', s.recipient_ref, ${set.kind}, ${subjectType}, s.subject_id, s.data FROM (${set.rows}) s
        ${ONCE}`.execute(auth.trx)
      counts[set.kind] = Number(r.numAffectedRows ?? 0)
    }
    return counts
  })
}
