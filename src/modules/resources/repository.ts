// All SQL for the resource catalogue (ENG-7). Writes demand an Authorized token.
import type { Db } from '../../db/database.ts'
import type { ResourceKind } from '../../db/row-types.ts'
import type { Trx } from '../../db/tx.ts'
import { recordCreated, type Authorized } from '../../policy/authorize.ts'

export const RESOURCE_COLUMNS = ['id', 'slug', 'kind', 'nameEn', 'nameFr', 'descriptionEn', 'descriptionFr', 'url', 'active', 'version', 'updatedAt'] as const

export function listResources(db: Db, f: { kind?: string; includeInactive: boolean; afterSlug?: string; limit: number }) {
  let q = db.selectFrom('resources').select(RESOURCE_COLUMNS)
  if (!f.includeInactive) q = q.where('active', '=', true)
  if (f.kind) q = q.where('kind', '=', f.kind as ResourceKind)
  if (f.afterSlug) q = q.where('slug', '>', f.afterSlug)
  return q.orderBy('slug').limit(f.limit).execute()
}

/** The resource with this slug (active or not): how code finds EAP and the Peer Support Program. */
export const findResourceBySlug = (db: Db | Trx, slug: string) =>
  db.selectFrom('resources').select(RESOURCE_COLUMNS).where('slug', '=', slug).executeTakeFirst()

export const findResourcesBySlugs = (db: Db | Trx, slugs: string[]) =>
  db.selectFrom('resources').select(RESOURCE_COLUMNS).where('slug', 'in', slugs).where('active', '=', true).orderBy('slug').execute()

export const findResource = (db: Db, id: string) =>
  db.selectFrom('resources').select(RESOURCE_COLUMNS).where('id', '=', id).executeTakeFirst()

export const lockResource = (trx: Trx, id: string) =>
  trx.selectFrom('resources').select(RESOURCE_COLUMNS).where('id', '=', id).forUpdate().executeTakeFirst()

export const insertResource = (
  auth: Authorized<'resource.create'>,
  row: { slug: string; kind: ResourceKind; nameEn: string; nameFr: string; descriptionEn: string; descriptionFr: string; url: string | null },
) => auth.trx.insertInto('resources').values(row).returning(RESOURCE_COLUMNS).executeTakeFirstOrThrow().then((r) => recordCreated(auth, r))

export const updateResource = (auth: Authorized<'resource.update'>, set: Record<string, unknown>) =>
  auth.trx.updateTable('resources').set(set).where('id', '=', auth.facts.row.id).returning(RESOURCE_COLUMNS).executeTakeFirstOrThrow()
