// ENG-11: requests unanswered for 5 days expire. Queries already read them as expired (the view
// engagement_effective) and they hold no slot (engagement.create counts them out); this job makes it
// so in the data: per Ambassador, under its row lock, each overdue request becomes `expired`, its
// slot freed, its manager told (engagement_expired). It acts as the system actor
// `system:request-expiry` through authorize('job.expire-requests'), one audit event per Ambassador
// it worked on, none when it found nothing. Nothing else expires another manager's request (#13).
import type { Db } from '../db/database.ts'
import { inTransaction } from '../db/tx.ts'
import { systemActor } from '../policy/actor.ts'
import { authorize } from '../policy/authorize.ts'
import { offerFreeSlots } from '../modules/waitlist/repository.ts'
import { ambassadorsWithOverdueRequests, expireRequests as expireOverdue } from '../modules/engagements/repository.ts'

export const REQUEST_EXPIRY = systemActor('request-expiry')

/**
 * One run; returns the number of requests expired. Safe with several replicas at once: an
 * Ambassador row another transaction holds is skipped (SKIP LOCKED), the next run takes it.
 */
export async function expireRequests(db: Db): Promise<number> {
  let n = 0
  for (const { ambassadorId } of await ambassadorsWithOverdueRequests(db)) {
    n += await inTransaction(db, async (trx) => {
      const auth = await authorize(trx, REQUEST_EXPIRY, 'job.expire-requests', { id: ambassadorId })
      if (!auth.facts.locked || auth.facts.overdue === 0) return 0
      // #16: a request with alternates passes to the manager's next choice; the slots freed go to the waitlist.
      const expired = await expireOverdue(auth.trx, ambassadorId, undefined, { requestId: null })
      await offerFreeSlots(auth.trx, ambassadorId)
      return expired.length
    })
  }
  return n
}
