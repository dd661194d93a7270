// Short-lived records go once their use is over (RET-1): expired survey tokens, spent-token hashes
// past use, expired stored idempotent answers, settled notifications past retention. As
// `system:housekeeping` through authorize('job.housekeeping'), which shares the purge's lock (one
// of the two at a time). The purge (retention-purge.ts) also runs it after its last batch.
import type { Db } from '../db/database.ts'
import { inTransaction } from '../db/tx.ts'
import { systemActor } from '../policy/actor.ts'
import { authorize } from '../policy/authorize.ts'
import { runHousekeeping, type Housekeeping } from '../modules/retention/repository.ts'

export const HOUSEKEEPING = systemActor('housekeeping')

/** One run; undefined when the purge or another housekeeping holds the lock, or nothing is due. */
export const houseKeep = (db: Db, opts: { retentionDays: number }): Promise<Housekeeping | undefined> =>
  inTransaction(db, async (trx) => {
    const auth = await authorize(trx, HOUSEKEEPING, 'job.housekeeping', opts)
    return auth.facts.locked && auth.facts.due ? runHousekeeping(auth, opts.retentionDays) : undefined
  })
