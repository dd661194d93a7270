// SQL of the audit trail: listing (ids only), verification of the chains (AUD-2), and the manager's
// access log (AUD-3). Events are written only by src/policy/audit.ts.
import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { Verification } from './schemas.ts'

export interface EventFilter {
  engagementId?: string
  resourceType?: string
  resourceId?: string
  actorRef?: string
  action?: string
  outcome?: 'success' | 'denied'
  from?: string
  to?: string
  /** Keyset: events strictly older than (at, id). */
  before?: [string, string]
  limit: number
}

// The exact instant as text, so a cursor loses no microsecond.
const AT_TEXT = sql<string>`to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('atText')

/** Newest first. */
export function listEvents(db: Db, f: EventFilter) {
  let q = db.selectFrom('auditEvents')
    .select(['id', 'at', 'actorRef', 'role', 'action', 'resourceType', 'resourceId', 'engagementId', 'outcome', 'requestId', 'chainId', 'seq', AT_TEXT])
  if (f.engagementId) q = q.where('engagementId', '=', f.engagementId)
  if (f.resourceType) q = q.where('resourceType', '=', f.resourceType)
  if (f.resourceId) q = q.where('resourceId', '=', f.resourceId)
  if (f.actorRef) q = q.where('actorRef', '=', f.actorRef)
  if (f.action) q = q.where('action', '=', f.action)
  if (f.outcome) q = q.where('outcome', '=', f.outcome)
  if (f.from) q = q.where('at', '>=', new Date(f.from))
  if (f.to) q = q.where('at', '<', new Date(f.to))
  if (f.before) q = q.where(sql<boolean>`(at, id) < (${f.before[0]}::timestamptz, ${f.before[1]}::uuid)`)
  return q.orderBy('at', 'desc').orderBy('id', 'desc').limit(f.limit + 1).execute()
}

/** The engagement's access log rows, with the Ambassador's display name when an Ambassador acted. */
export function listAccess(db: Db, engagementId: string, before: [string, string] | undefined, limit: number) {
  let q = db.selectFrom('auditEvents as e')
    .leftJoin('ambassadors as a', (j) => j.on('e.role', '=', 'ambassador').on(sql<boolean>`a.id::text = e.actor_ref`))
    .select(['e.id', 'e.at', 'e.role', 'e.actorRef', 'e.action', 'e.outcome', 'a.displayName', sql<string>`to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('atText')])
    .where('e.engagementId', '=', engagementId)
  if (before) q = q.where(sql<boolean>`(e.at, e.id) < (${before[0]}::timestamptz, ${before[1]}::uuid)`)
  return q.orderBy('e.at', 'desc').orderBy('e.id', 'desc').limit(limit + 1).execute()
}

/**
 * Walks every chain in SQL (one pass in (chain, seq) order): each event's hash is recomputed from
 * its canonical form and the previous event's hash, positions must follow without a gap from the
 * chain's genesis, and each chain head must match its last event. Names the earliest bad event.
 */
export async function verifyChains(db: Db): Promise<Verification> {
  const bad = await sql<{ problem: 'altered' | 'broken-link'; eventId: string; chainId: number; seq: string; at: Date }>`
    WITH walked AS (
      SELECT e.id, e.chain_id, e.seq, e.at, e.hash, e.prev_hash,
        audit_hash(e.prev_hash, audit_canonical(e.chain_id, e.seq, e.at, e.actor_ref, e.role, e.action, e.resource_type,
          e.resource_id, e.engagement_id, e.outcome, e.request_id)) AS recomputed,
        lag(e.hash) OVER w AS before_hash, lag(e.seq) OVER w AS before_seq
      FROM audit_events e
      WINDOW w AS (PARTITION BY e.chain_id ORDER BY e.seq)
    ), judged AS (
      SELECT id, chain_id, seq, at,
        CASE
          WHEN recomputed <> hash THEN 'altered'
          WHEN before_seq IS NULL AND (seq <> 1 OR prev_hash <> encode(sha256(convert_to('m2m-audit-genesis:' || chain_id, 'UTF8')), 'hex')) THEN 'broken-link'
          WHEN before_seq IS NOT NULL AND (seq <> before_seq + 1 OR prev_hash <> before_hash) THEN 'broken-link'
        END AS problem
      FROM walked
    )
    SELECT problem, id AS event_id, chain_id, seq, at FROM judged WHERE problem IS NOT NULL
    ORDER BY at, chain_id, seq LIMIT 1`.execute(db)

  const heads = await sql<{ chainId: number; headSeq: string; headHash: string; lastSeq: string | null; ok: boolean }>`
    SELECT h.id AS chain_id, h.seq AS head_seq, h.head_hash, last.seq AS last_seq,
      (coalesce(last.seq, 0) = h.seq AND coalesce(last.hash, encode(sha256(convert_to('m2m-audit-genesis:' || h.id, 'UTF8')), 'hex')) = h.head_hash) AS ok
    FROM audit_chains h
    LEFT JOIN LATERAL (SELECT seq, hash FROM audit_events WHERE chain_id = h.id ORDER BY seq DESC LIMIT 1) last ON true
    ORDER BY h.id`.execute(db)
  const count = await sql<{ n: string }>`SELECT count(*) AS n FROM audit_events`.execute(db)

  const result: Verification = {
    ok: true, events: Number(count.rows[0].n), chains: heads.rows.length,
    heads: heads.rows.map((h) => ({ chainId: h.chainId, seq: Number(h.headSeq), hash: h.headHash })),
  }
  const b = bad.rows[0]
  if (b) return { ...result, ok: false, firstBad: { problem: b.problem, eventId: b.eventId, chainId: b.chainId, seq: Number(b.seq), at: b.at } }
  const cut = heads.rows.find((h) => !h.ok)
  if (cut) return { ...result, ok: false, firstBad: { problem: 'truncated', eventId: null, chainId: cut.chainId, seq: Number(cut.lastSeq ?? 0) + 1, at: null } }
  return result
}
