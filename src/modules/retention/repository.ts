// SQL of retention (RET-1…3). What identifies an engagement — the manager's id, meetings, goals,
// referrals, consents, disclosures, crisis escalations — goes with the engagement row (ON DELETE
// CASCADE); what must remain is held apart and carries no link: de-identified facts and reports
// (statistics), anonymous surveys, id-only audit events.
import { sql } from 'kysely'
import type { Trx } from '../../db/tx.ts'
import type { Authorized } from '../../policy/authorize.ts'
import { mentionOf } from '../../shared/crypto.ts'

const ENDED = sql`('declined', 'withdrawn', 'expired', 'closed', 'transferred')`

/** Ended engagements past retention: when they ended (closure, else their last change) is older than the period. */
const due = (days: number) => sql<boolean>`status IN ${ENDED} AND coalesce(closed_at, updated_at) < now() - make_interval(days => ${days})`

/** The next batch due, locked; rows another purge holds are skipped, never waited on. */
export async function lockDueBatch(trx: Trx, retentionDays: number, limit: number): Promise<string[]> {
  const r = await sql<{ id: string }>`
    SELECT id FROM engagements WHERE ${due(retentionDays)} ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED`.execute(trx)
  return r.rows.map((x) => x.id)
}

export interface PurgeCounts {
  engagements: number
  meetings: number
  goals: number
  referrals: number
  consents: number
  disclosures: number
  crisisEscalations: number
  notifications: number
  storedResponses: number
}

const CHILDREN = ['meetings', 'goals', 'referrals', 'consents', 'disclosures', 'crisis_escalations'] as const

/** What goes with these engagements, by count. */
async function countWith(trx: Trx, ids: string[]): Promise<PurgeCounts> {
  const set = sql`SELECT unnest(${ids}::uuid[]) AS id`
  const r = await sql<Record<string, string>>`
    WITH e AS (${set}),
    kids AS (
      SELECT id FROM meetings WHERE engagement_id IN (SELECT id FROM e)
      UNION ALL SELECT id FROM goals WHERE engagement_id IN (SELECT id FROM e)
      UNION ALL SELECT id FROM referrals WHERE engagement_id IN (SELECT id FROM e)
      UNION ALL SELECT id FROM consents WHERE engagement_id IN (SELECT id FROM e)
      UNION ALL SELECT id FROM disclosures WHERE engagement_id IN (SELECT id FROM e)
      UNION ALL SELECT id FROM crisis_escalations WHERE engagement_id IN (SELECT id FROM e)
    )
    SELECT
      (SELECT count(*) FROM e) AS engagements,
      ${sql.join(CHILDREN.map((t) => sql`(SELECT count(*) FROM ${sql.table(t)} WHERE engagement_id IN (SELECT id FROM e)) AS ${sql.ref(t)}`))},
      (SELECT count(*) FROM notifications WHERE audience = 'principal'
        AND (subject_id IN (SELECT id FROM e) OR subject_id IN (SELECT id FROM kids))) AS notifications,
      (SELECT count(*) FROM idempotency_keys k WHERE k.mentions && ${ids.map(mentionOf)}::text[]
        OR EXISTS (SELECT 1 FROM e WHERE position(e.id::text IN coalesce(k.body, '')) > 0)) AS stored_responses`
    .execute(trx)
  const c = r.rows[0]
  return {
    engagements: Number(c.engagements), meetings: Number(c.meetings), goals: Number(c.goals), referrals: Number(c.referrals),
    consents: Number(c.consents), disclosures: Number(c.disclosures), crisisEscalations: Number(c.crisisEscalations ?? c.crisis_escalations),
    notifications: Number(c.notifications), storedResponses: Number(c.storedResponses ?? c.stored_responses),
  }
}

export async function countDue(trx: Trx, retentionDays: number) {
  const r = await sql<{ id: string }>`SELECT id FROM engagements WHERE ${due(retentionDays)}`.execute(trx)
  return countWith(trx, r.rows.map((x) => x.id))
}

/**
 * Removes the engagements and every identifying trace of them: their rows and what cascades
 * from them, the principals' notifications about them or their parts, and stored idempotent
 * responses that mention them. A later engagement transferred from one keeps no link to it.
 */
export async function purgeEngagements(auth: Authorized<'retention.purge' | 'engagement.purge'>, ids: string[]): Promise<PurgeCounts> {
  const { trx } = auth
  if (ids.length === 0) return countWith(trx, [])
  const counts = await countWith(trx, ids)
  await sql`
    DELETE FROM notifications WHERE audience = 'principal' AND (subject_id = ANY(${ids}::uuid[]) OR subject_id IN (${partsOf(ids)}))`.execute(trx)
  // A stored answer is sealed (#11): found by the keyed hashes of the ids it names, or, stored
  // before that, by the id in its text.
  await sql`DELETE FROM idempotency_keys k WHERE k.mentions && ${ids.map(mentionOf)}::text[]
    OR EXISTS (SELECT 1 FROM unnest(${ids}::uuid[]) AS e(id) WHERE position(e.id::text IN coalesce(k.body, '')) > 0)`.execute(trx)
  // #11 finding 7: nmno's notifications about the engagement or its parts. Settled ones go; open
  // ones (a review, a debrief still to do) stay for the office, de-identified: no subject, no
  // engagement, no Ambassador.
  const aboutThem = sql<boolean>`(n.subject_id = ANY(${ids}::uuid[]) OR n.data->>'engagementId' = ANY(${ids}::text[]) OR n.subject_id IN (${partsOf(ids)}))`
  await sql`DELETE FROM notifications n WHERE n.audience = 'nmno' AND n.resolved_at IS NOT NULL AND ${aboutThem}`.execute(trx)
  await sql`UPDATE notifications n SET subject_id = NULL, data = n.data - 'engagementId' - 'ambassadorId'
    WHERE n.audience = 'nmno' AND ${aboutThem}`.execute(trx)
  // The reports stay (statistics) but lose the engagement (ON DELETE SET NULL) and their exact
  // creation time, which equals their report.create audit event's time.
  await sql`UPDATE reports SET created_at = date_trunc('month', created_at) WHERE engagement_id = ANY(${ids}::uuid[])`.execute(trx)
  await sql`UPDATE engagements SET transferred_from = NULL WHERE transferred_from = ANY(${ids}::uuid[])`.execute(trx)
  // #14: a concern the manager raised about the engagement names them; the office keeps it as it
  // always saw it (de-identified), without its raiser (NULL matches no principal).
  await sql`UPDATE concern_messages m SET author_ref = NULL FROM concerns c
    WHERE m.concern_id = c.id AND m.author_role = 'raiser' AND c.raised_as = 'manager' AND c.engagement_id = ANY(${ids}::uuid[])`.execute(trx)
  await sql`UPDATE concerns SET raiser_ref = NULL WHERE raised_as = 'manager' AND engagement_id = ANY(${ids}::uuid[])`.execute(trx)
  const managers = await sql<{ managerRef: string }>`DELETE FROM engagements WHERE id = ANY(${ids}::uuid[]) RETURNING manager_ref`.execute(trx)
  // #14: a manager's acceptance of the network's terms says they used it; it goes with their last engagement.
  await sql`DELETE FROM engagement_terms_acceptances a WHERE a.manager_ref = ANY(${[...new Set(managers.rows.map((m) => m.managerRef))]}::text[])
    AND NOT EXISTS (SELECT 1 FROM engagements e WHERE e.manager_ref = a.manager_ref)`.execute(trx)
  return counts
}

/** The ids of the engagements' parts (what notifications name as their subject). */
const partsOf = (ids: string[]) => sql`
  SELECT id FROM meetings WHERE engagement_id = ANY(${ids}::uuid[])
  UNION ALL SELECT id FROM goals WHERE engagement_id = ANY(${ids}::uuid[])
  UNION ALL SELECT id FROM referrals WHERE engagement_id = ANY(${ids}::uuid[])
  UNION ALL SELECT id FROM consents WHERE engagement_id = ANY(${ids}::uuid[])
  UNION ALL SELECT id FROM disclosures WHERE engagement_id = ANY(${ids}::uuid[])
  UNION ALL SELECT id FROM crisis_escalations WHERE engagement_id = ANY(${ids}::uuid[])`

export interface Housekeeping {
  expiredSurveyTokens: number
  spentSurveyTokenHashes: number
  expiredStoredResponses: number
  oldNotifications: number
}

const older = (days: number) => sql`now() - make_interval(days => ${days})`
// A spent token's hash refuses a second use; once the token would have expired anyway (60 days
// after closure, so within three months of the month it was spent), it has no purpose.
const SPENT_BEFORE = sql`date_trunc('month', now()) - interval '3 months'`
const oldNotification = (days: number) => sql<boolean>`(resolved_at < ${older(days)} OR (audience = 'principal' AND read_at < ${older(days)}))`

/** Whether a purge or housekeeping run would remove anything (a run with nothing to do is not audited). */
export async function anythingDue(trx: Trx, retentionDays: number, what: { engagements: boolean }): Promise<boolean> {
  const r = await sql<{ due: boolean }>`SELECT
    (${what.engagements ? sql`EXISTS (SELECT 1 FROM engagements WHERE ${due(retentionDays)})` : sql`false`}
    OR EXISTS (SELECT 1 FROM engagements WHERE survey_token IS NOT NULL AND survey_token_expires_at <= now())
    OR EXISTS (SELECT 1 FROM survey_spent_tokens WHERE period < ${SPENT_BEFORE})
    OR EXISTS (SELECT 1 FROM idempotency_keys WHERE expires_at <= now())
    OR EXISTS (SELECT 1 FROM notifications WHERE ${oldNotification(retentionDays)})) AS due`.execute(trx)
  return Boolean(r.rows[0]?.due)
}

/** Short-lived or settled records due to go, by count (dry run). */
export async function countHousekeeping(trx: Trx, retentionDays: number): Promise<Housekeeping> {
  const r = await sql<Record<string, string>>`SELECT
    (SELECT count(*) FROM engagements WHERE survey_token IS NOT NULL AND survey_token_expires_at <= now()) AS a,
    (SELECT count(*) FROM survey_spent_tokens WHERE period < ${SPENT_BEFORE}) AS b,
    (SELECT count(*) FROM idempotency_keys WHERE expires_at <= now()) AS c,
    (SELECT count(*) FROM notifications WHERE ${oldNotification(retentionDays)}) AS d`.execute(trx)
  const c = r.rows[0]
  return { expiredSurveyTokens: Number(c.a), spentSurveyTokenHashes: Number(c.b), expiredStoredResponses: Number(c.c), oldNotifications: Number(c.d) }
}

/** Removes them: expired survey tokens, spent-token hashes past use, expired idempotent responses, settled notifications past retention. */
export async function runHousekeeping(auth: Authorized<'retention.purge' | 'job.housekeeping'>, retentionDays: number): Promise<Housekeeping> {
  const { trx } = auth
  const n = (r: { numAffectedRows?: bigint }) => Number(r.numAffectedRows ?? 0)
  return {
    expiredSurveyTokens: n(await sql`UPDATE engagements SET survey_token = NULL, survey_token_hash = NULL, survey_token_expires_at = NULL WHERE survey_token IS NOT NULL AND survey_token_expires_at <= now()`.execute(trx)),
    spentSurveyTokenHashes: n(await sql`DELETE FROM survey_spent_tokens WHERE period < ${SPENT_BEFORE}`.execute(trx)),
    expiredStoredResponses: n(await sql`DELETE FROM idempotency_keys WHERE expires_at <= now()`.execute(trx)),
    oldNotifications: n(await sql`DELETE FROM notifications WHERE ${oldNotification(retentionDays)}`.execute(trx)),
  }
}
