// All SQL for the reporting-lines snapshot (COI-2). The chains themselves are walked by
// policy/conflict-of-interest.ts.
import { sql } from 'kysely'
import type { Authorized } from '../../policy/authorize.ts'
import { ORG_SNAPSHOT_LOCK } from '../../policy/conflict-of-interest.ts'

/** Replaces the whole snapshot in the caller's transaction: one DELETE and one INSERT … unnest. */
export async function replaceReportingLines(
  auth: Authorized<'reporting-lines.replace'>,
  items: { employeeRef: string; supervisorRef: string | null; orgUnit?: string | null }[],
) {
  const { trx } = auth
  // Concurrent imports queue up here instead of colliding on the primary key; readers are not blocked.
  await sql`LOCK TABLE reporting_lines IN EXCLUSIVE MODE`.execute(trx)
  // Pairing writes in flight finish first; new ones wait until this snapshot is committed.
  await sql`SELECT pg_advisory_xact_lock(${ORG_SNAPSHOT_LOCK})`.execute(trx)
  await sql`DELETE FROM reporting_lines`.execute(trx)
  if (items.length > 0) {
    await sql`INSERT INTO reporting_lines (employee_ref, supervisor_ref, org_unit)
      SELECT * FROM unnest(${items.map((i) => i.employeeRef)}::text[], ${items.map((i) => i.supervisorRef)}::text[],
                           ${items.map((i) => i.orgUnit ?? null)}::text[])`.execute(trx)
  }
  const r = await sql<{ now: Date }>`SELECT now() AS now`.execute(trx)
  return { count: items.length, importedAt: r.rows[0].now }
}
