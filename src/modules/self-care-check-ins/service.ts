import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { NotFound } from '../../errors/app-error.ts'
import { actingAmbassadorId, type Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { afterOf, limitOf, pageOf, type PageQuery } from '../../shared/pagination.ts'
import { notifyNmno } from '../notifications/repository.ts'
import { insertCheckIn, listCheckIns } from './repository.ts'
import type { CreateCheckInBody } from './schemas.ts'

export function checkIn(db: Db, actor: Actor, body: CreateCheckInBody) {
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'self-care.check-in', {})
    const row = await insertCheckIn(auth, body)
    if (body.wantsContact) {
      // The office's task: who asked to be contacted, naming the designated contact; no answers.
      await notifyNmno(auth, {
        kind: 'self_care_contact', subjectType: 'ambassador', subjectId: auth.facts.ambassadorId,
        designatedContactRef: auth.facts.designatedContactRef, data: { ambassadorId: auth.facts.ambassadorId },
      })
    }
    return row
  })
}

export async function ownCheckIns(db: Db, actor: Actor, q: PageQuery) {
  const ambassadorId = actor.roles.has('manager') ? await actingAmbassadorId(db, actor) : undefined
  if (!ambassadorId) throw new NotFound()
  const limit = limitOf(q)
  return pageOf(await listCheckIns(db, ambassadorId, { after: afterOf(q), limit: limit + 1 }), limit)
}
