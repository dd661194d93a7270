// Disclosures: authorize, record, tell the designated contact of an exception (de-identified), in one transaction.
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { actingAmbassadorId, type Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { requireParticipant } from '../engagements/repository.ts'
import { notifyNmno } from '../notifications/repository.ts'
import { insertDisclosure, listDisclosures, toDisclosureView } from './repository.ts'
import { afterOf, limitOf, pageOf, type PageQuery } from '../../shared/pagination.ts'
import type { RecordDisclosureBody } from './schemas.ts'

/** The date only: nmno's views carry no exact timestamps (CONF-2). */
const dateOnly = (d: Date | string) => new Date(d).toISOString().slice(0, 10)

export function recordDisclosure(db: Db, actor: Actor, engagementId: string, body: RecordDisclosureBody) {
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'disclosure.create', { engagementId, body })
    const row = await insertDisclosure(auth, body)
    if (row.basis !== 'consent') {
      // CNS-3: the designated contact is told at once, de-identified — no manager, no recipient
      // name, no justification — and the notification is the review item (resolved when reviewed).
      await notifyNmno(auth, {
        kind: 'exception_disclosure', subjectType: 'disclosure', subjectId: row.id,
        designatedContactRef: auth.facts.designatedContactRef,
        data: {
          engagementId, ambassadorId: auth.facts.engagement.ambassadorId, exception: row.basis, direction: row.direction,
          recipientKind: row.recipientKind, infoCategories: row.infoCategories, disclosedOn: dateOnly(row.createdAt), flaggedForReview: true,
        },
      })
    }
    return toDisclosureView(row)
  })
}

/** Oldest first, a page at a time (#12 item 4). */
export async function disclosuresOf(db: Db, actor: Actor, engagementId: string, q: PageQuery = {}) {
  const after = afterOf(q)
  const limit = limitOf(q)
  await requireParticipant(db, actor, engagementId, await actingAmbassadorId(db, actor))
  const { items, nextCursor } = pageOf(await listDisclosures(db, engagementId, { after, limit: limit + 1 }), limit)
  return { items: items.map(toDisclosureView), nextCursor }
}
