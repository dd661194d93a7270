// All SQL for engagements. Reads are scoped in SQL to what the caller may see; writes take an
// Authorized token.
import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { EngagementStatus } from '../../db/schema.ts'
import type { Trx } from '../../db/tx.ts'
import type { Authorized } from '../../policy/authorize.ts'

/** A request unanswered past its expiry is `expired` at query time, before any job runs (ENG-11). */
export const EFFECTIVE_ENGAGEMENT_STATUS = sql<EngagementStatus>`CASE WHEN e.status = 'requested' AND e.expires_at <= now() THEN 'expired' ELSE e.status END`

const COLUMNS = sql`e.id, e.ambassador_id, e.manager_ref, ${EFFECTIVE_ENGAGEMENT_STATUS} AS status, e.stage, e.language,
  e.preferred_modes, e.urgency, e.topics, e.decline_reason, e.requested_at, e.expires_at, e.responded_at, e.closed_at,
  e.version, a.display_name AS ambassador_display_name`

export interface EngagementRow {
  id: string
  ambassadorId: string
  managerRef: string
  status: EngagementStatus
  stage: string
  language: string
  preferredModes: string[]
  urgency: 'routine' | 'urgent'
  topics: string[]
  declineReason: string | null
  requestedAt: Date
  expiresAt: Date
  respondedAt: Date | null
  closedAt: Date | null
  version: number
  ambassadorDisplayName: string
}

/** Who is asking: their sub, the Ambassador record they act as (if any), whether they are nmno. */
export interface Viewer { sub: string; ambassadorId?: string; nmno: boolean; manager: boolean }

/** One engagement if the viewer may see it (CONF-1: otherwise nothing, as if it did not exist). */
export async function findVisible(db: Db | Trx, id: string, v: Viewer): Promise<EngagementRow | undefined> {
  const r = await sql<EngagementRow>`
    SELECT ${COLUMNS} FROM engagements e JOIN ambassadors a ON a.id = e.ambassador_id
    WHERE e.id = ${id}
      AND ((${v.manager} AND e.manager_ref = ${v.sub}) OR e.ambassador_id = ${v.ambassadorId ?? null}::uuid OR ${v.nmno})`.execute(db)
  return r.rows[0]
}

export interface ListFilter { status?: string; urgency?: string; after?: [string, string]; limit: number }

function listWhere(f: ListFilter) {
  return sql`${f.status ? sql`AND ${EFFECTIVE_ENGAGEMENT_STATUS} = ${f.status}` : sql``}
    ${f.urgency ? sql`AND e.urgency = ${f.urgency}` : sql``}
    ${f.after ? sql`AND (e.requested_at, e.id) < (${f.after[0]}::timestamptz, ${f.after[1]}::uuid)` : sql``}`
}

export async function listForManager(db: Db, managerRef: string, f: ListFilter) {
  const r = await sql<EngagementRow>`SELECT ${COLUMNS} FROM engagements e JOIN ambassadors a ON a.id = e.ambassador_id
    WHERE e.manager_ref = ${managerRef} ${listWhere(f)} ORDER BY e.requested_at DESC, e.id DESC LIMIT ${f.limit}`.execute(db)
  return r.rows
}

export async function listForAmbassador(db: Db, ambassadorId: string, f: ListFilter) {
  // Urgent requests first (CRS-1), then newest.
  const r = await sql<EngagementRow>`SELECT ${COLUMNS} FROM engagements e JOIN ambassadors a ON a.id = e.ambassador_id
    WHERE e.ambassador_id = ${ambassadorId} ${listWhere(f)} ORDER BY e.requested_at DESC, e.id DESC LIMIT ${f.limit}`.execute(db)
  return r.rows
}

export async function listForOffice(db: Db, f: ListFilter & { transferRequired?: boolean }) {
  const r = await sql<EngagementRow>`SELECT ${COLUMNS} FROM engagements e JOIN ambassadors a ON a.id = e.ambassador_id
    WHERE TRUE ${listWhere(f)} ${f.transferRequired === undefined ? sql`` : sql`AND (e.status = 'transfer_required') = ${f.transferRequired}`}
    ORDER BY e.requested_at DESC, e.id DESC LIMIT ${f.limit}`.execute(db)
  return r.rows
}

/** Locks an engagement for a write. */
export async function lockEngagement(trx: Trx, id: string) {
  const r = await sql<EngagementRow & { rawStatus: EngagementStatus }>`
    SELECT ${COLUMNS}, e.status AS raw_status FROM engagements e JOIN ambassadors a ON a.id = e.ambassador_id
    WHERE e.id = ${id} FOR UPDATE OF e`.execute(trx)
  return r.rows[0]
}

export async function openEngagementBetween(trx: Trx, ambassadorId: string, managerRef: string) {
  return trx.selectFrom('engagements').select('id').where('ambassadorId', '=', ambassadorId).where('managerRef', '=', managerRef)
    .where('status', 'in', ['requested', 'accepted', 'active', 'transfer_required']).where(sql<boolean>`NOT (status = 'requested' AND expires_at <= now())`)
    .executeTakeFirst()
}

// ---- Writes ----

export async function insertEngagement(auth: Authorized<'engagement.create'>, row: {
  ambassadorId: string; managerRef: string; language: string; preferredModes: string[]; urgency: 'routine' | 'urgent'; topics: string[]
}) {
  const created = await auth.trx.insertInto('engagements').values(row).returning('id').executeTakeFirstOrThrow()
  await auth.trx.updateTable('ambassadors').set({ openEngagements: sql`open_engagements + 1` } as any).where('id', '=', row.ambassadorId).execute()
  return created
}

type StatusWrite = 'engagement.accept' | 'engagement.decline' | 'engagement.withdraw'

export async function setStatus(auth: Authorized<StatusWrite>, id: string, to: EngagementStatus, extra: { declineReason?: string; freeSlotOf?: string } = {}) {
  await auth.trx.updateTable('engagements').set({
    status: to,
    ...(to === 'accepted' || to === 'declined' ? { respondedAt: sql`now()` } : {}),
    ...(extra.declineReason ? { declineReason: extra.declineReason } : {}),
  } as any).where('id', '=', id).execute()
  if (extra.freeSlotOf) await freeSlot(auth.trx, extra.freeSlotOf, 1)
}

export const setStage = (auth: Authorized<'engagement.set-stage'>, id: string, stage: string) =>
  auth.trx.updateTable('engagements').set({ stage }).where('id', '=', id).execute()

async function freeSlot(trx: Trx, ambassadorId: string, n: number) {
  await trx.updateTable('ambassadors').set({ openEngagements: sql`greatest(open_engagements - ${n}, 0)` } as any).where('id', '=', ambassadorId).execute()
}

/**
 * Expires this Ambassador's overdue requests (ENG-11), freeing their slots. The caller holds the
 * Ambassador row lock, so the sweep and a new request cannot interleave. Returns the managers to tell.
 */
export async function expireOverdueRequests(trx: Trx, ambassadorId: string) {
  const expired = await trx.updateTable('engagements').set({ status: 'expired' })
    .where('ambassadorId', '=', ambassadorId).where('status', '=', 'requested').where('expiresAt', '<=', sql<Date>`now()`)
    .returning(['id', 'managerRef']).execute()
  if (expired.length) await freeSlot(trx, ambassadorId, expired.length)
  return expired
}

export const ambassadorsWithOverdueRequests = (db: Db) =>
  db.selectFrom('engagements').select('ambassadorId').distinct().where('status', '=', 'requested').where('expiresAt', '<=', sql<Date>`now()`).limit(500).execute()
