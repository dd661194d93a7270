// All SQL for crisis escalations. The self-care debrief is the nmno inbox's `crisis_debrief`
// notification about the escalation (written by the notifications repository): open until nmno
// resolves it with its decision on a clinician; read here, never written here.
import { sql, type Selectable } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import type { Trx } from '../../db/tx.ts'
import { recordCreated, type Authorized } from '../../policy/authorize.ts'
import { afterWhere, sortKeyOf, type After } from '../../shared/pagination.ts'
import { FOLLOW_UP_DAYS, type CreateCrisisEscalationBody } from './schemas.ts'

export interface CrisisRow extends Omit<Selectable<DB['crisisEscalations']>, 'clinicianOffered'> {
  debriefClinicianOffered: boolean | null
  debriefOpen?: boolean
  debriefClosedAt?: Date | null
  clinicianOffered?: boolean | null
}

const COLUMNS = sql`x.id, x.engagement_id, x.ambassador_id, x.category, x.authorities_contacted, x.weapons_involved, x.occurred_at,
  x.follow_up_due_at, x.followed_up_at, x.debriefed_on, x.clinician_offered AS debrief_clinician_offered, x.created_at`

/** The debrief is open while its nmno notification is unresolved (a settled one may later be purged). */
const DEBRIEF = sql`EXISTS (SELECT 1 FROM notifications n WHERE n.audience = 'nmno' AND n.kind = 'crisis_debrief' AND n.subject_id = x.id
    AND n.resolved_at IS NULL) AS debrief_open,
  (SELECT n.resolved_at FROM notifications n WHERE n.audience = 'nmno' AND n.kind = 'crisis_debrief' AND n.subject_id = x.id
    ORDER BY n.created_at LIMIT 1) AS debrief_closed_at,
  (SELECT (n.data->>'clinicianOffered')::boolean FROM notifications n WHERE n.audience = 'nmno' AND n.kind = 'crisis_debrief' AND n.subject_id = x.id
    ORDER BY n.created_at LIMIT 1) AS clinician_offered`

const dateOnly = (d: Date | string) => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10))

/** side: the Ambassador sees the debrief of their own self-care; the manager does not. */
export function toCrisisView(r: CrisisRow, side: 'manager' | 'ambassador') {
  return {
    id: r.id, engagementId: r.engagementId, category: r.category, authoritiesContacted: r.authoritiesContacted,
    weaponsInvolved: r.weaponsInvolved, occurredAt: r.occurredAt, followUp: { dueAt: r.followUpDueAt, doneAt: r.followedUpAt },
    ...(side === 'ambassador'
      ? {
          debrief: {
            status: r.debriefOpen && !r.debriefedOn ? 'open' as const : 'closed' as const,
            clinicianOffered: r.debriefClinicianOffered ?? r.clinicianOffered ?? null,
            debriefedOn: r.debriefedOn ? dateOnly(r.debriefedOn) : null,
            closedAt: r.debriefClosedAt ?? null,
          },
        }
      : {}),
    createdAt: r.createdAt,
  }
}

export async function insertCrisisEscalation(auth: Authorized<'crisis-escalation.create'>, body: CreateCrisisEscalationBody) {
  const e = auth.facts.engagement
  const r = await sql<CrisisRow>`
    INSERT INTO crisis_escalations AS x (engagement_id, ambassador_id, category, authorities_contacted, weapons_involved, occurred_at, follow_up_due_at)
    VALUES (${e.id}, ${e.ambassadorId}, ${body.category}, ${body.authoritiesContacted}, ${body.weaponsInvolved}, ${body.occurredAt}::timestamptz,
      clock_timestamp() + make_interval(days => ${FOLLOW_UP_DAYS}))
    RETURNING ${COLUMNS}, true AS debrief_open, NULL::timestamptz AS debrief_closed_at, NULL::boolean AS clinician_offered`.execute(auth.trx)
  return recordCreated(auth, r.rows[0])
}

export async function lockCrisisEscalation(trx: Trx, id: string, engagementId: string) {
  const r = await sql<CrisisRow>`SELECT ${COLUMNS} FROM crisis_escalations x WHERE x.id = ${id} AND x.engagement_id = ${engagementId} FOR UPDATE OF x`.execute(trx)
  return r.rows[0]
}

export async function markFollowedUp(auth: Authorized<'crisis-escalation.follow-up'>, at: string | undefined) {
  const r = await sql<CrisisRow>`UPDATE crisis_escalations x SET followed_up_at = ${at ? sql`${at}::timestamptz` : sql`clock_timestamp()`}
    WHERE x.id = ${auth.facts.escalation.id} RETURNING ${COLUMNS}, ${DEBRIEF}`.execute(auth.trx)
  return r.rows[0]
}

/** CRS-2: nmno records the debrief; the office's `crisis_debrief` notification is resolved with it. */
export async function recordDebrief(auth: Authorized<'crisis-escalation.debrief'>, body: { debriefedOn: string; clinicianOffered: boolean }) {
  const id = auth.facts.escalation.id
  await sql`UPDATE notifications SET resolved_at = clock_timestamp(), resolved_by = ${auth.actor.sub},
      data = data || jsonb_build_object('clinicianOffered', ${body.clinicianOffered}::boolean)
    WHERE audience = 'nmno' AND kind = 'crisis_debrief' AND subject_id = ${id} AND resolved_at IS NULL`.execute(auth.trx)
  const r = await sql<CrisisRow>`UPDATE crisis_escalations x SET debriefed_on = ${body.debriefedOn}::date, clinician_offered = ${body.clinicianOffered}
    WHERE x.id = ${id} RETURNING ${COLUMNS}, ${DEBRIEF}`.execute(auth.trx)
  return r.rows[0]
}

/** Oldest first; `limit` rows after the position `after` (the caller asks one more than a page). */
export async function listCrisisEscalations(db: Db, engagementId: string, f: { after?: After; limit: number }) {
  const r = await sql<CrisisRow & { sortKey: string }>`SELECT ${COLUMNS}, ${DEBRIEF}, ${sortKeyOf('x.created_at')} AS sort_key FROM crisis_escalations x
    WHERE x.engagement_id = ${engagementId} ${f.after ? sql`AND ${afterWhere('x.created_at', 'x.id', f.after)}` : sql``}
    ORDER BY x.created_at, x.id LIMIT ${f.limit}`.execute(db)
  return r.rows
}

/**
 * The Ambassador's crisis tasks (GET /v1/me/tasks): follow up with the manager until done (urgent:
 * the crisis protocol's last step), and the self-care debrief until nmno closes it. Only for
 * engagements still theirs (CONF-5: not one transferred away from them).
 */
export async function crisisTasksOf(db: Db, ambassadorId: string) {
  const r = await sql<{ kind: 'crisis_follow_up' | 'self_care_debrief'; id: string; engagementId: string; dueAt: Date | null }>`
    SELECT 'crisis_follow_up' AS kind, x.id, x.engagement_id, x.follow_up_due_at AS due_at
    FROM crisis_escalations x JOIN engagements e ON e.id = x.engagement_id
    WHERE x.ambassador_id = ${ambassadorId} AND e.ambassador_id = ${ambassadorId} AND x.followed_up_at IS NULL
      AND e.status IN ('accepted','active','closed')
    UNION ALL
    SELECT 'self_care_debrief', x.id, x.engagement_id, NULL
    FROM crisis_escalations x JOIN notifications n ON n.audience = 'nmno' AND n.kind = 'crisis_debrief' AND n.subject_id = x.id
    WHERE x.ambassador_id = ${ambassadorId} AND n.resolved_at IS NULL AND x.debriefed_on IS NULL
    ORDER BY 4 NULLS LAST, 2 LIMIT 200`.execute(db)
  return r.rows
}

export async function designatedContactOf(trx: Trx, ambassadorId: string) {
  const r = await trx.selectFrom('ambassadors').select('designatedContactRef').where('id', '=', ambassadorId).executeTakeFirst()
  return r?.designatedContactRef ?? null
}
