// The rollup job (RPT-4): moves newly committed reports from report_rollup_queue into
// report_rollups, off the request path. In-process and periodic; safe with several API replicas
// (one holds the advisory lock, the others skip their turn). Answers never wait for it: reports
// still queued are counted from the queue, so a new report shows up at once.
import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import { rollUpBatch } from './repository.ts'

export const ROLLUP_BATCH = 20_000

/**
 * After a large drain the queue is mostly dead rows, which every answer would scan until autovacuum
 * comes by (a 1M-report burst made answers 3–4× slower): the job vacuums it itself.
 */
const VACUUM_AFTER = 10_000

/** Drains the queue; returns the number of reports rolled up (0 if another replica is at it). */
export async function refreshRollups(db: Db, batch = ROLLUP_BATCH): Promise<number> {
  let total = 0
  for (;;) {
    const moved = await rollUpBatch(db, batch)
    if (moved > 0) total += moved
    if (moved < batch) break
  }
  if (total >= VACUUM_AFTER) await sql`VACUUM (ANALYZE) report_rollup_queue, report_rollups`.execute(db)
  return total
}
