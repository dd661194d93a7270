// AMB-5: an Ambassador past termEnd is inactive at query time (the view ambassador_effective; their
// engagements already read as transfer_required in engagement_effective); this job makes it so in
// the data: each open engagement becomes transfer_required, its slot freed, its manager and nmno
// told (as REV-4). That Ambassador's overdue requests expire first, their managers told (ENG-11).
// It acts as `system:term-expiry` through authorize('ambassador.end-term'), under the Ambassador
// row lock (SKIP LOCKED: safe with several replicas); no event when another replica has the row.
import type { Db } from '../db/database.ts'
import { inTransaction } from '../db/tx.ts'
import { systemActor } from '../policy/actor.ts'
import { authorize } from '../policy/authorize.ts'
import { expireRequests, requireTransferOfAllOf } from '../modules/engagements/repository.ts'

export const TERM_EXPIRY = systemActor('term-expiry')

/** One run; returns the number of engagements moved to transfer_required. */
export async function endTerms(db: Db): Promise<number> {
  const due = await db.selectFrom('ambassadorEffective').select('id').where('effectiveStatus', '=', 'expired')
    .where((eb) => eb.exists(eb.selectFrom('engagements as e').select('e.id').whereRef('e.ambassadorId', '=', 'ambassadorEffective.id')
      .where('e.status', 'in', ['requested', 'accepted', 'active'])))
    .$narrowType<{ id: string }>() // a view's columns are typed nullable; its id is the table's
    .limit(500).execute()
  let moved = 0
  for (const { id } of due) {
    moved += await inTransaction(db, async (trx) => {
      const auth = await authorize(trx, TERM_EXPIRY, 'ambassador.end-term', { id })
      if (!auth.facts.ended) return 0
      await expireRequests(auth.trx, id)
      return requireTransferOfAllOf(auth, id)
    })
  }
  return moved
}
