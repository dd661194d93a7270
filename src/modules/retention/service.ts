// Retention (RET-1, RET-2): the purge of engagements RETENTION_DAYS after they ended (npm run
// purge, or the opt-in daily job), and the manager's immediate purge of their own.
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import type { Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { countDue, countHousekeeping, lockDueBatch, purgeEngagements, runHousekeeping, type Housekeeping, type PurgeCounts } from './repository.ts'
import { RETENTION_JOB } from './policy.ts'
import { expireRequests } from '../engagements/repository.ts'

export interface PurgeReport extends PurgeCounts, Housekeeping {
  dryRun: boolean
  /** Another purge held the lock: this one did nothing. */
  skipped: boolean
}

const BATCH = 200

function add(a: PurgeCounts, b: PurgeCounts): PurgeCounts {
  const out = { ...a }
  for (const k of Object.keys(b) as (keyof PurgeCounts)[]) out[k] += b[k]
  return out
}

/**
 * One purge run: counts only with dryRun (nothing changes). Otherwise batches of ended
 * engagements, each in its own transaction under the purge lock; a run that finds the lock taken
 * stops and says so (skipped), so two runs never purge at once.
 */
export async function runPurge(db: Db, opts: { retentionDays: number; dryRun?: boolean }): Promise<PurgeReport> {
  const { retentionDays } = opts
  if (opts.dryRun) {
    return inTransaction(db, async (trx) => ({
      dryRun: true, skipped: false, ...(await countDue(trx, retentionDays)), ...(await countHousekeeping(trx, retentionDays)),
    }))
  }
  let total: PurgeCounts | undefined
  for (;;) {
    const batch = await inTransaction(db, async (trx) => {
      const auth = await authorize(trx, RETENTION_JOB, 'retention.purge', { retentionDays })
      if (!auth.facts.locked) return undefined
      const ids = await lockDueBatch(trx, retentionDays, BATCH)
      const counts = await purgeEngagements(auth, ids)
      const house = ids.length < BATCH ? await runHousekeeping(auth, retentionDays) : undefined
      return { counts, house }
    })
    if (!batch) {
      const zero = { engagements: 0, meetings: 0, goals: 0, referrals: 0, consents: 0, disclosures: 0, crisisEscalations: 0, notifications: 0, storedResponses: 0 }
      return { dryRun: false, skipped: !total, ...(total ?? zero), expiredSurveyTokens: 0, spentSurveyTokenHashes: 0, expiredStoredResponses: 0, oldNotifications: 0 }
    }
    total = total ? add(total, batch.counts) : batch.counts
    if (batch.house) return { dryRun: false, skipped: false, ...total, ...batch.house }
  }
}

/** RET-2: the manager's ended engagement goes now, with everything that identifies it. */
export const purgeOwnEngagement = (db: Db, actor: Actor, id: string, ifMatch?: string) =>
  inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'engagement.purge', { id, ifMatch })
    const e = auth.facts.engagement
    // The manager's own overdue request, not swept yet: ended first (its slot freed, under the
    // Ambassador row lock the check took), then purged with everything else about it.
    if (e.rawStatus === 'requested') await expireRequests(trx, e.ambassadorId, [e.id])
    return purgeEngagements(auth, [id])
  })
