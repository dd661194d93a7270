// RET-1: the retention purge, as `system:retention` through authorize('retention.purge') (the purge
// lock: one purger at a time across replicas and `npm run purge`). The work is the retention
// module's (runPurge: batches of ended engagements past RETENTION_DAYS, then the housekeeping).
// Opt-in in the server (PURGE_DAILY=true); `npm run purge` runs the same function.
export { runPurge as purge, type PurgeReport } from '../modules/retention/service.ts'
export { RETENTION_JOB } from '../modules/retention/policy.ts'
