// #16 item 2: the waitlist's own job. The write that frees a slot offers it in its own transaction
// (modules/waitlist offerFreeSlots); this job, every minute, covers the rest: for each Ambassador
// with an offer past its 48 h (the entry ends, its manager is told, the slot is offered on) or with
// room that fits a waiting manager but no offer yet (capacity raised, an Ambassador activated or
// reinstated, a term renewed, a conflict move, an overdue request the expiry job has not swept):
// under the Ambassador's row lock (SKIP LOCKED: a row another transaction holds waits for the next
// run), as the system actor `system:waitlist-offers` through authorize('job.offer-waitlist-slots').
import type { Db } from '../db/database.ts'
import { inTransaction } from '../db/tx.ts'
import { systemActor } from '../policy/actor.ts'
import { authorize } from '../policy/authorize.ts'
import { ambassadorsToOffer, lapseOffers, offerFreeSlots } from '../modules/waitlist/repository.ts'

export const WAITLIST_OFFERS = systemActor('waitlist-offers')

/** One run; returns the offers lapsed and made. */
export async function offerWaitlistSlots(db: Db): Promise<{ lapsed: number; offered: number }> {
  let lapsed = 0
  let offered = 0
  for (const ambassadorId of await ambassadorsToOffer(db)) {
    await inTransaction(db, async (trx) => {
      const auth = await authorize(trx, WAITLIST_OFFERS, 'job.offer-waitlist-slots', { id: ambassadorId })
      if (!auth.facts.locked) return
      lapsed += await lapseOffers(trx, ambassadorId)
      offered += await offerFreeSlots(trx, ambassadorId)
    })
  }
  return { lapsed, offered }
}
