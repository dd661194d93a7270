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

/** Verification's options: the rows per statement are chosen from the statement timeout unless given (tests). */
export interface VerifyOptions { chunkRows?: number }

type PageRow = { n: string; lastSeq: string | null; lastHash: string | null; problem: Bad['problem'] | null; eventId: string | null; seq: string | null; at: Date | null; atUs: string | null }
type Bad = { problem: 'altered' | 'broken-link'; eventId: string; chainId: number; seq: string; at: Date; atUs: string }

/**
 * Walks every chain in SQL, in (chain, seq) order: each event's hash is recomputed from its
 * canonical form and the previous event's hash, positions must follow without a gap from the
 * chain's genesis, and each chain head must match its last event. Names the earliest bad event.
 *
 * #18: one statement over the whole trail took 10 s at a million events, and the default
 * DB_STATEMENT_TIMEOUT_MS (10 s) cut it (503). The walk is now a series of keyset pages of each
 * chain (its primary key), each page carried on from the last event of the one before (its seq and
 * hash), all in one REPEATABLE READ, READ ONLY transaction, so the pages see one snapshot and the
 * answer is the one a single statement would give. A page's size is adjusted as it goes so that it
 * takes about a fifth of the statement timeout: no page is cut however large the trail.
 */
export async function verifyChains(db: Db, opts: VerifyOptions = {}): Promise<Verification> {
  return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(async (trx) => {
    const heads = await sql<{ chainId: number; headSeq: string; headHash: string; lastSeq: string | null; ok: boolean }>`
      SELECT h.id AS chain_id, h.seq AS head_seq, h.head_hash, last.seq AS last_seq,
        (coalesce(last.seq, 0) = h.seq AND coalesce(last.hash, encode(sha256(convert_to('m2m-audit-genesis:' || h.id, 'UTF8')), 'hex')) = h.head_hash) AS ok
      FROM audit_chains h
      LEFT JOIN LATERAL (SELECT seq, hash FROM audit_events WHERE chain_id = h.id ORDER BY seq DESC LIMIT 1) last ON true
      ORDER BY h.id`.execute(trx)
    const timeout = await sql<{ ms: string }>`SELECT setting AS ms FROM pg_settings WHERE name = 'statement_timeout'`.execute(trx)
    const timeoutMs = Number(timeout.rows[0]?.ms ?? 0)
    // The time one page may take: a fifth of the timeout (a loaded server is slower than the last page), 2 s without one.
    const budgetMs = timeoutMs > 0 ? timeoutMs / 5 : 2000
    // The first page: small enough for a tight timeout (about 20 events a millisecond on a slow machine).
    let rows = opts.chunkRows ?? Math.max(100, Math.min(2000, Math.floor(budgetMs * 20)))

    let events = 0
    let first: Bad | undefined
    for (const chain of heads.rows) {
      // The last event checked in this chain: the next page starts after it and links to it.
      let afterSeq: string | null = null
      let afterHash: string | null = null
      for (;;) {
        const t0 = performance.now()
        const page: { rows: PageRow[] } = await sql<PageRow>`
          WITH page AS (
            SELECT e.id, e.seq, e.at, e.hash, e.prev_hash,
              audit_hash(e.prev_hash, audit_canonical(e.chain_id, e.seq, e.at, e.actor_ref, e.role, e.action, e.resource_type,
                e.resource_id, e.engagement_id, e.outcome, e.request_id)) AS recomputed
            FROM audit_events e
            WHERE e.chain_id = ${chain.chainId} AND e.seq > ${afterSeq ?? 0}::bigint
            ORDER BY e.seq LIMIT ${rows}
          ), walked AS (
            SELECT p.*,
              CASE WHEN row_number() OVER w = 1 THEN ${afterHash}::text ELSE lag(p.hash) OVER w END AS before_hash,
              CASE WHEN row_number() OVER w = 1 THEN ${afterSeq}::bigint ELSE lag(p.seq) OVER w END AS before_seq
            FROM page p
            WINDOW w AS (ORDER BY p.seq)
          ), judged AS (
            SELECT id, seq, at,
              CASE
                WHEN recomputed <> hash THEN 'altered'
                WHEN before_seq IS NULL AND (seq <> 1 OR prev_hash <> encode(sha256(convert_to('m2m-audit-genesis:' || ${chain.chainId}::smallint, 'UTF8')), 'hex')) THEN 'broken-link'
                WHEN before_seq IS NOT NULL AND (seq <> before_seq + 1 OR prev_hash <> before_hash) THEN 'broken-link'
              END AS problem
            FROM walked
          ), last AS (SELECT seq, hash FROM page ORDER BY seq DESC LIMIT 1)
          SELECT (SELECT count(*) FROM page) AS n, (SELECT seq FROM last) AS last_seq, (SELECT hash FROM last) AS last_hash,
            bad.problem, bad.id AS event_id, bad.seq, bad.at, bad.at_us
          FROM (SELECT 1) one
          LEFT JOIN LATERAL (
            SELECT problem, id, seq, at, floor(extract(epoch FROM at) * 1000000)::bigint::text AS at_us
            FROM judged WHERE problem IS NOT NULL ORDER BY at, seq LIMIT 1
          ) bad ON true`.execute(trx)
        const r: PageRow = page.rows[0]
        const n = Number(r.n)
        events += n
        if (r.problem && r.eventId && r.seq && r.at && r.atUs) {
          const bad: Bad = { problem: r.problem, eventId: r.eventId, chainId: chain.chainId, seq: r.seq, at: r.at, atUs: r.atUs }
          if (!first || earlier(bad, first)) first = bad
        }
        if (n < rows || !r.lastSeq) break
        afterSeq = r.lastSeq
        afterHash = r.lastHash
        if (!opts.chunkRows) {
          const tookMs = Math.max(performance.now() - t0, 1)
          rows = Math.max(100, Math.min(200_000, Math.floor((rows * budgetMs) / tookMs)))
        }
      }
    }

    const result: Verification = {
      ok: true, events, chains: heads.rows.length,
      heads: heads.rows.map((h) => ({ chainId: h.chainId, seq: Number(h.headSeq), hash: h.headHash })),
    }
    if (first) return { ...result, ok: false, firstBad: { problem: first.problem, eventId: first.eventId, chainId: first.chainId, seq: Number(first.seq), at: first.at } }
    const cut = heads.rows.find((h) => !h.ok)
    if (cut) return { ...result, ok: false, firstBad: { problem: 'truncated', eventId: null, chainId: cut.chainId, seq: Number(cut.lastSeq ?? 0) + 1, at: null } }
    return result
  })
}

/** The earlier of two bad events in the order the trail was written: time (to the microsecond), chain, position. */
function earlier(a: Bad, b: Bad): boolean {
  const at = BigInt(a.atUs) - BigInt(b.atUs)
  if (at !== 0n) return at < 0n
  if (a.chainId !== b.chainId) return a.chainId < b.chainId
  return BigInt(a.seq) < BigInt(b.seq)
}
