// Conflict of interest (COI-1…COI-3), one rule in SQL. An Ambassador and a manager are in conflict
// when
//   - a declaration pairs them, in either direction: about (this Ambassador, this manager), or made
//     about the Ambassador's employee ref on an Ambassador record of the manager; or
//   - one is in the other's supervisory chain at any depth (the reporting-lines snapshot), walked
//     with recursive CTEs. UNION (not UNION ALL) drops rows already produced, so a cycle in the
//     snapshot ends the walk instead of looping.
// Callers never learn why: the refusal and the directory filter are neutral (no kind, no declarer).
import { sql, type RawBuilder } from 'kysely'
import type { Db } from '../db/database.ts'
import type { Trx } from '../db/tx.ts'

/** Everyone above `ref` in the snapshot (supervisor, their supervisor, …). `ref` is SQL text. */
const chainAbove = (ref: string) => `
  WITH RECURSIVE above(ref) AS (
    SELECT supervisor_ref FROM reporting_lines WHERE employee_ref = ${ref}
    UNION
    SELECT r.supervisor_ref FROM reporting_lines r JOIN above ON r.employee_ref = above.ref
  ) SELECT ref FROM above WHERE ref IS NOT NULL`

/** Everyone below `ref` in the snapshot (direct reports, their reports, …). */
const chainBelow = (ref: string) => `
  WITH RECURSIVE below(ref) AS (
    SELECT employee_ref FROM reporting_lines WHERE supervisor_ref = ${ref}
    UNION
    SELECT r.employee_ref FROM reporting_lines r JOIN below ON r.supervisor_ref = below.ref
  ) SELECT ref FROM below`

/**
 * Raw SQL text (for queries compiled once, with positional parameters): true when the Ambassador
 * row given by its id and employee-ref columns is NOT in conflict with the manager `managerRef`
 * (SQL text, e.g. `$5`). Uncorrelated subqueries: each runs once per query, not once per row.
 */
export function noConflictWithSql(cols: { id: string; employeeRef: string }, managerRef: string): string {
  return `(${cols.employeeRef} NOT IN (${chainAbove(managerRef)})
    AND ${cols.employeeRef} NOT IN (${chainBelow(managerRef)})
    AND ${cols.id} NOT IN (SELECT d.ambassador_id FROM conflict_declarations d WHERE d.employee_ref = ${managerRef})
    AND ${cols.employeeRef} NOT IN (SELECT d.employee_ref FROM conflict_declarations d
      JOIN ambassadors own ON own.id = d.ambassador_id WHERE own.employee_ref = ${managerRef}))`
}

/**
 * A Kysely fragment for use inside a query: true when the Ambassador `ambassadorId` (any SQL
 * expression or value) and the manager `managerRef` are in conflict. Walks only the two chains
 * upward (the depth of the hierarchy), so it is cheap for one pair.
 */
export function conflictBetween(ambassadorId: RawBuilder<string> | string, managerRef: RawBuilder<string> | string): RawBuilder<boolean> {
  const a = typeof ambassadorId === 'string' ? sql`${ambassadorId}::uuid` : ambassadorId
  const m = typeof managerRef === 'string' ? sql`${managerRef}::text` : managerRef
  return sql<boolean>`EXISTS (
    SELECT 1 FROM ambassadors amb WHERE amb.id = ${a} AND (
      EXISTS (SELECT 1 FROM conflict_declarations d WHERE d.ambassador_id = amb.id AND d.employee_ref = ${m})
      OR EXISTS (SELECT 1 FROM conflict_declarations d JOIN ambassadors own ON own.id = d.ambassador_id
                 WHERE own.employee_ref = ${m} AND d.employee_ref = amb.employee_ref)
      OR amb.employee_ref IN (
        WITH RECURSIVE above(ref) AS (
          SELECT supervisor_ref FROM reporting_lines WHERE employee_ref = ${m}
          UNION
          SELECT r.supervisor_ref FROM reporting_lines r JOIN above ON r.employee_ref = above.ref
        ) SELECT ref FROM above WHERE ref IS NOT NULL)
      OR ${m} IN (
        WITH RECURSIVE above(ref) AS (
          SELECT supervisor_ref FROM reporting_lines WHERE employee_ref = amb.employee_ref
          UNION
          SELECT r.supervisor_ref FROM reporting_lines r JOIN above ON r.employee_ref = above.ref
        ) SELECT ref FROM above WHERE ref IS NOT NULL)
    ))`
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
