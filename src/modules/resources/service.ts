// The resource catalogue (ENG-7): any principal reads it in their language; nmno curates it.
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { AppError, NotFound } from '../../errors/app-error.ts'
import type { Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { decodeCursor, encodeCursor } from '../../shared/cursor.ts'
import type { Lang } from '../../shared/i18n.ts'
import { LIMIT_DEFAULT } from '../../shared/schemas.ts'
import { slugTaken } from './policy.ts'
import { findResource, findResourcesBySlugs, insertResource, listResources, updateResource } from './repository.ts'
import type { CreateResourceBody, ListResourcesQuery, Resource, UpdateResourceBody } from './schemas.ts'

/** Slugs later code relies on (ENG-1: the personal-support referral lists these). */
export const EAP = 'eap'
export const PEER_SUPPORT_PROGRAM = 'peer_support_program'

type ResourceRow = Awaited<ReturnType<typeof listResources>>[number]

export function toResource(r: ResourceRow, lang: Lang): Resource {
  return {
    id: r.id, slug: r.slug, kind: r.kind,
    name: lang === 'fr' ? r.nameFr : r.nameEn,
    description: lang === 'fr' ? r.descriptionFr : r.descriptionEn,
    translations: { en: { name: r.nameEn, description: r.descriptionEn }, fr: { name: r.nameFr, description: r.descriptionFr } },
    url: r.url, active: r.active, version: r.version, updatedAt: r.updatedAt,
  }
}

/** The active resources with these slugs, localized (e.g. [EAP, PEER_SUPPORT_PROGRAM]). */
export async function resourcesBySlug(db: Db, slugs: string[], lang: Lang): Promise<Resource[]> {
  return (await findResourcesBySlugs(db, slugs)).map((r) => toResource(r, lang))
}

/** One resource of the catalogue; a retired one only for nmno, like the list (its ETag: SPEC §4). */
export async function getResource(db: Db, actor: Actor, lang: Lang, id: string) {
  const row = await findResource(db, id)
  if (!row || (!row.active && !actor.roles.has('nmno'))) throw new NotFound()
  return toResource(row, lang)
}

export async function listCatalogue(db: Db, actor: Actor, lang: Lang, query: ListResourcesQuery) {
  if (query.includeInactive && !actor.roles.has('nmno')) {
    throw new AppError('forbidden', { en: 'Only the National M2M Network Office lists retired resources.', fr: 'Seul le Bureau national du Réseau G2G peut lister les ressources retirées.' })
  }
  const limit = query.limit ?? LIMIT_DEFAULT
  const afterSlug = query.cursor ? String(decodeCursor(query.cursor, ['string'])[0]) : undefined
  const rows = await listResources(db, { kind: query.kind, includeInactive: Boolean(query.includeInactive), afterSlug, limit: limit + 1 })
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return { items: page.map((r) => toResource(r, lang)), nextCursor: rows.length > limit && last ? encodeCursor([last.slug]) : null }
}

export async function createResource(db: Db, actor: Actor, lang: Lang, body: CreateResourceBody) {
  const row = await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'resource.create', { slug: body.slug })
    return insertResource(auth, {
      slug: body.slug, kind: body.kind, nameEn: body.name.en.trim(), nameFr: body.name.fr.trim(),
      descriptionEn: body.description.en.trim(), descriptionFr: body.description.fr.trim(), url: body.url ?? null,
    })
  }).catch((err: unknown) => {
    if ((err as { code?: unknown } | null)?.code === '23505') throw slugTaken()
    throw err
  })
  return toResource(row, lang)
}

export async function editResource(db: Db, actor: Actor, lang: Lang, id: string, patch: UpdateResourceBody, ifMatch?: string) {
  const row = await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'resource.update', { id, ifMatch })
    const set: Record<string, unknown> = {}
    if (patch.kind !== undefined) set.kind = patch.kind
    if (patch.name?.en !== undefined) set.nameEn = patch.name.en.trim()
    if (patch.name?.fr !== undefined) set.nameFr = patch.name.fr.trim()
    if (patch.description?.en !== undefined) set.descriptionEn = patch.description.en.trim()
    if (patch.description?.fr !== undefined) set.descriptionFr = patch.description.fr.trim()
    if (patch.url !== undefined) set.url = patch.url
    if (patch.active !== undefined) set.active = patch.active
    set.version = auth.facts.row.version + 1
    set.updatedAt = new Date()
    return updateResource(auth, set)
  })
  return toResource(row, lang)
}
