// Inboxes: nmno's shared inbox and each principal's own. Payloads are de-identified facts only.
import { sql } from 'kysely'
import { sortKeyOf } from '../../shared/pagination.ts'
import type { Db } from '../../db/database.ts'
import type { Trx } from '../../db/tx.ts'
import type { Authorized } from '../../policy/authorize.ts'
import type { Action } from '../../policy/actions.ts'

export interface NotificationInput {
  kind: string
  subjectType?: string
  subjectId?: string
  designatedContactRef?: string | null
  data?: Record<string, unknown>
}

export interface NotificationRowInput extends NotificationInput {
  audience: 'nmno' | 'principal'
  recipientRef?: string
}

/**
 * The one place that writes notification rows, in the caller's transaction: side effects of an
 * authorized write (a system job's included: src/jobs).
 */
export async function insertNotifications(trx: Trx, items: NotificationRowInput[]) {
  if (items.length === 0) return
  await trx.insertInto('notifications').values(items.map((n) => ({
    audience: n.audience, recipientRef: n.audience === 'principal' ? n.recipientRef ?? null : null, kind: n.kind,
    subjectType: n.subjectType ?? null, subjectId: n.subjectId ?? null,
    designatedContactRef: n.designatedContactRef ?? null, data: JSON.stringify(n.data ?? {}),
  }))).execute()
}

export const notifyNmno = (auth: Authorized<Action>, n: NotificationInput) =>
  insertNotifications(auth.trx, [{ ...n, audience: 'nmno' }])

export const notifyPrincipals = (auth: Authorized<Action>, recipientRefs: string[], n: NotificationInput) =>
  insertNotifications(auth.trx, recipientRefs.map((recipientRef) => ({ ...n, designatedContactRef: null, audience: 'principal' as const, recipientRef })))

/** An open (unresolved) nmno notification of this kind about this subject already exists. */
export async function hasOpenNmnoNotification(auth: Authorized<Action>, kind: string, subjectId: string) {
  const r = await auth.trx.selectFrom('notifications').select('id')
    .where('audience', '=', 'nmno').where('kind', '=', kind).where('subjectId', '=', subjectId).where('resolvedAt', 'is', null)
    .executeTakeFirst()
  return Boolean(r)
}

export interface ListFilter { after?: [string, string]; limit: number; kind?: string; unresolved?: boolean; unread?: boolean }

const COLUMNS = ['id', 'kind', 'subjectType', 'subjectId', 'designatedContactRef', 'data', 'createdAt', 'readAt', 'resolvedAt', 'version'] as const

/** One notification of the office inbox, or of the recipient's own inbox. */
export const findNotification = (db: Db, id: string, inbox: { audience: 'nmno' } | { audience: 'principal'; recipientRef: string }) => {
  let q = db.selectFrom('notifications').select(COLUMNS).where('id', '=', id).where('audience', '=', inbox.audience)
  if (inbox.audience === 'principal') q = q.where('recipientRef', '=', inbox.recipientRef)
  return q.executeTakeFirst()
}

/** The cursor's key is the exact creation time (microseconds, as text), not a millisecond Date. */
const SORT_KEY = sortKeyOf('created_at').as('sortKey')

export function listNmno(db: Db, f: ListFilter) {
  let q = db.selectFrom('notifications').select([...COLUMNS, SORT_KEY]).where('audience', '=', 'nmno')
  if (f.kind) q = q.where('kind', '=', f.kind)
  if (f.unresolved) q = q.where('resolvedAt', 'is', null)
  if (f.after) q = q.where(sql<boolean>`(created_at, id) < (${f.after[0]}::timestamptz, ${f.after[1]}::uuid)`)
  return q.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(f.limit).execute()
}

export function listOwn(db: Db, recipientRef: string, f: ListFilter) {
  let q = db.selectFrom('notifications').select([...COLUMNS, SORT_KEY]).where('audience', '=', 'principal').where('recipientRef', '=', recipientRef)
  if (f.unread) q = q.where('readAt', 'is', null)
  if (f.after) q = q.where(sql<boolean>`(created_at, id) < (${f.after[0]}::timestamptz, ${f.after[1]}::uuid)`)
  return q.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(f.limit).execute()
}

export const markRead = (auth: Authorized<'notification.read-own'>) =>
  auth.trx.updateTable('notifications').set({ readAt: sql`coalesce(read_at, now())` }).where('id', '=', auth.facts.notification.id)
    .returning(COLUMNS).executeTakeFirstOrThrow()

/** Resolves once: a later call changes nothing (the first resolution and its decision stand). */
export const markResolved = (auth: Authorized<'notification.resolve'>) =>
  auth.trx.updateTable('notifications').set({
    resolvedAt: sql`coalesce(resolved_at, now())`, resolvedBy: sql`coalesce(resolved_by, ${auth.actor.sub})`,
    ...(auth.facts.resolution ? { data: sql`CASE WHEN resolved_at IS NULL THEN data || ${JSON.stringify(auth.facts.resolution)}::jsonb ELSE data END` } : {}),
  })
    .where('id', '=', auth.facts.notification.id).returning(COLUMNS).executeTakeFirstOrThrow()
