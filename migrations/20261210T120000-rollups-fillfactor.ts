// #18 (statistics flat from 100k to 1M reports): every rollup batch updates the same few thousand
// cells of report_rollups (ON CONFLICT DO UPDATE). With the default fillfactor (100) the pages are
// full, so each new row version goes to a new page: one drain of a million reports in batches left
// the table ten times its live size (6.5 MB for 5,472 cells), and every answer scans it. With room
// on each page the updates are HOT (n, minutes and cell_keys are in no index) and the page's dead
// versions are pruned in place, so the table stays the size of its cells, whatever the number of
// reports rolled up. Rows already there are rewritten by their next update.
// Frozen in time: imports no application code.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE report_rollups SET (fillfactor = 50)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE report_rollups RESET (fillfactor)`.execute(db)
}
