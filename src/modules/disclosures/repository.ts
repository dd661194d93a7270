// SQL of disclosures, sealed with the engagement’s data key (recipient and justification).
import type { Selectable } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import type { Trx } from '../../db/tx.ts'
import type { Authorized } from '../../policy/authorize.ts'
import { recordCreated } from '../../policy/authorize.ts'
import type { INFO_CATEGORIES } from '../consents/schemas.ts'
import type { RecordDisclosureBody } from './schemas.ts'
import { keyOf, openFields, readKey, sealFields } from '../../shared/engagement-keys.ts'
import { afterWhere, sortKeyOf, type After } from '../../shared/pagination.ts'

/** Disclosure fields sealed with the engagement's data key (#11 finding 7). */
const DISCLOSURE_TEXT = ['recipientName', 'justification'] as const

/** What info_categories holds: written only from a validated request (the column has no CHECK of its own). */
type InfoCategory = (typeof INFO_CATEGORIES)[number]

const DISCLOSURE_COLUMNS = ['id', 'engagementId', 'direction', 'recipientKind', 'recipientName', 'infoCategories', 'basis', 'consentId', 'justification', 'createdAt'] as const

type DisclosureRow = Pick<Selectable<DB['disclosures']>, (typeof DISCLOSURE_COLUMNS)[number]>

export const toDisclosureView = (r: DisclosureRow) => ({
  id: r.id, engagementId: r.engagementId, direction: r.direction, recipient: { kind: r.recipientKind, name: r.recipientName },
  infoCategories: r.infoCategories as InfoCategory[], basis: r.basis, consentId: r.consentId, justification: r.justification,
  flaggedForReview: r.basis !== 'consent', createdAt: r.createdAt,
})

export async function insertDisclosure(auth: Authorized<'disclosure.create'>, body: RecordDisclosureBody) {
  const { engagement, consent } = auth.facts
  const key = await keyOf(auth.trx, engagement)
  const text = sealFields(key, 'disclosures', {
    recipientName: body.recipient.name.trim(), justification: body.basis === 'consent' ? null : body.justification!.trim(),
  }, DISCLOSURE_TEXT)
  const row = await auth.trx.insertInto('disclosures').values({
    engagementId: engagement.id, ambassadorId: engagement.ambassadorId, direction: body.direction,
    recipientKind: body.recipient.kind, recipientName: text.recipientName, infoCategories: body.infoCategories,
    basis: body.basis, consentId: consent?.id ?? null, justification: text.justification,
  }).returning(DISCLOSURE_COLUMNS).executeTakeFirstOrThrow()
  return recordCreated(auth, openFields(key, 'disclosures', row, DISCLOSURE_TEXT))
}

/** Oldest first; `limit` rows after the position `after` (the caller asks one more than a page). */
export async function listDisclosures(db: Db, engagementId: string, f: { after?: After; limit: number }): Promise<(DisclosureRow & { sortKey: string })[]> {
  let q = db.selectFrom('disclosures').select([...DISCLOSURE_COLUMNS, sortKeyOf('created_at').as('sortKey')]).where('engagementId', '=', engagementId)
  if (f.after) q = q.where(afterWhere('created_at', 'id', f.after))
  const rows = await q.orderBy('createdAt').orderBy('id').limit(f.limit).execute() as (DisclosureRow & { sortKey: string })[]
  if (rows.length === 0) return rows
  const key = await readKey(db, engagementId)
  return rows.map((r) => openFields(key, 'disclosures', r, DISCLOSURE_TEXT))
}

/** The Ambassador's designated nmno contact (CNS-3: the exception is reported to them). */
export async function designatedContactOf(trx: Trx, ambassadorId: string) {
  const r = await trx.selectFrom('ambassadors').select('designatedContactRef').where('id', '=', ambassadorId).executeTakeFirst()
  return r?.designatedContactRef ?? null
}
