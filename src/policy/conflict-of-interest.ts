// Conflict of interest (COI-1…COI-3), one rule in SQL. An Ambassador and a manager are in conflict
// when
//   - a declaration pairs them, in either direction: about (this Ambassador, this manager), or made
//     about the Ambassador's employee ref on an Ambassador record of the manager; or
//   - one is in the other's supervisory chain at any depth (the reporting-lines snapshot), walked
//     with recursive CTEs. UNION (not UNION ALL) drops rows already produced, so a cycle in the
//     snapshot ends the walk instead of looping.
// The rule itself is SQL, in the migration 20261204T200000-derived-state: in_conflict (one pair)
// and conflicted_ambassadors (one manager, every Ambassador); this file only calls them.
// Callers never learn why: the refusal and the directory filter are neutral (no kind, no declarer).
import { sql, type RawBuilder } from 'kysely'
import type { Db } from '../db/database.ts'
import type { Trx } from '../db/tx.ts'

/**
 * Raw SQL text (for queries compiled once, with positional parameters): true when the Ambassador
 * row given by its id column is NOT in conflict with the manager `managerRef` (SQL text, e.g.
 * `$5`): the SQL function conflicted_ambassadors, an uncorrelated subquery evaluated once per query.
 */
export function noConflictWithSql(cols: { id: string }, managerRef: string): string {
  return `(${cols.id} NOT IN (SELECT c.ambassador_id FROM conflicted_ambassadors(${managerRef}) c))`
}

/**
 * A Kysely fragment for use inside a query: true when the Ambassador `ambassadorId` (any SQL
 * expression or value) and the manager `managerRef` are in conflict: the SQL function in_conflict,
 * which walks only the two chains upward (the depth of the hierarchy), so it is cheap for one pair.
 */
export function conflictBetween(ambassadorId: RawBuilder<string> | string, managerRef: RawBuilder<string> | string): RawBuilder<boolean> {
  const a = typeof ambassadorId === 'string' ? sql`${ambassadorId}::uuid` : ambassadorId
  const m = typeof managerRef === 'string' ? sql`${managerRef}::text` : managerRef
  // The SQL function of migration 20261204T200000-derived-state (one definition of COI-1…3).
  return sql<boolean>`in_conflict(${a}, ${m})`
}

/**
 * The rule for writes that pair an Ambassador and a manager (engagement request, acceptance,
 * transfer: COI-3). Run it in the write's transaction after locking the Ambassador row FOR UPDATE:
 * a new declaration's foreign-key check needs that row's KEY SHARE lock, so the two serialise.
 */
export async function hasConflict(db: Db | Trx, ambassadorId: string, managerRef: string): Promise<boolean> {
  const r = await sql<{ conflict: boolean }>`SELECT ${conflictBetween(ambassadorId, managerRef)} AS conflict`.execute(db)
  return Boolean(r.rows[0]?.conflict)
}

/** Changes whenever a declaration or the reporting-lines snapshot changes (transactional). */
export const CONFLICT_VERSION_SQL = `(SELECT version FROM conflict_versions WHERE id = 1)`

/**
 * The reporting-lines snapshot and the pairing writes that read it: a snapshot import holds this
 * lock exclusively until it commits, pairing writes hold it shared (they do not block each other),
 * so a request never pairs on a snapshot an import is replacing (COI-2, COI-4).
 */
export const ORG_SNAPSHOT_LOCK = 727_001
