// RPT-4: queued reports move into report_rollups, off the request path, as `system:stats-rollup`
// through authorize('job.rollup-stats') (its advisory lock: one replica at a time). The SQL is the
// statistics module's (stats/repository.ts rollUpBatch); the loop and the vacuum, stats/job.ts.
export { refreshRollups as rollUpStats, ROLLUP_BATCH } from '../modules/stats/job.ts'
