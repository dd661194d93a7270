// The rollup job (RPT-4): moves newly committed reports from report_rollup_queue into
// report_rollups, off the request path. In-process and periodic; safe with several API replicas
// (one holds the advisory lock, the others skip their turn). Answers never wait for it: reports
// still queued are counted from the queue, so a new report shows up at once.
import type { Db } from '../../db/database.ts'
import { rollUpBatch } from './repository.ts'

export const ROLLUP_BATCH = 20_000

/** Drains the queue; returns the number of reports rolled up (0 if another replica is at it). */
export async function refreshRollups(db: Db, batch = ROLLUP_BATCH): Promise<number> {
  let total = 0
  for (;;) {
    const moved = await rollUpBatch(db, batch)
    if (moved <= 0) return total
    total += moved
    if (moved < batch) return total
  }
}
