import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import type { Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { decodeCursor, encodeCursor } from '../../shared/cursor.ts'
import { LIMIT_DEFAULT } from '../../shared/schemas.ts'
import type { OfficeNotification } from './schemas.ts'
import { NotFound } from '../../errors/app-error.ts'
import { findNotification, listNmno, listOwn, markRead, markResolved } from './repository.ts'

type Row = Awaited<ReturnType<typeof listNmno>>[number]

function page(rows: Row[], limit: number) {
  const last = rows[limit - 1]
  return {
    items: rows.slice(0, limit).map(({ sortKey: _k, ...n }) => n),
    nextCursor: rows.length > limit && last ? encodeCursor([last.sortKey, last.id]) : null,
  }
}

const dateOnly = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString().slice(0, 10))

/** What the office reads of a notification: dates only (CONF-2). */
export function toOfficeView(n: Omit<Row, 'sortKey'>): OfficeNotification {
  return {
    id: n.id, kind: n.kind, subjectType: n.subjectType, subjectId: n.subjectId, designatedContactRef: n.designatedContactRef,
    data: n.data, createdOn: dateOnly(n.createdAt)!, resolvedOn: dateOnly(n.resolvedAt), version: n.version,
  }
}

const after = (cursor?: string) => (cursor ? (decodeCursor(cursor, ['string', 'uuid']) as [string, string]) : undefined)

export async function listOfficeInbox(db: Db, q: { kind?: string; unresolved?: boolean; limit?: number; cursor?: string }) {
  const limit = q.limit ?? LIMIT_DEFAULT
  const { items, nextCursor } = page(await listNmno(db, { kind: q.kind, unresolved: q.unresolved, after: after(q.cursor), limit: limit + 1 }), limit)
  return { items: items.map(toOfficeView), nextCursor }
}

export async function listOwnInbox(db: Db, actor: Actor, q: { unread?: boolean; limit?: number; cursor?: string }) {
  const limit = q.limit ?? LIMIT_DEFAULT
  return page(await listOwn(db, actor.sub, { unread: q.unread, after: after(q.cursor), limit: limit + 1 }), limit)
}

/** One notification of the office inbox (nmno), dates only (its ETag: SPEC §4). */
export async function getOfficeNotification(db: Db, id: string) {
  const n = await findNotification(db, id, { audience: 'nmno' })
  if (!n) throw new NotFound()
  return toOfficeView(n)
}

/** One notification of the caller's own inbox. */
export async function getOwnNotification(db: Db, actor: Actor, id: string) {
  const n = await findNotification(db, id, { audience: 'principal', recipientRef: actor.sub })
  if (!n) throw new NotFound()
  return n
}

export const readOwnNotification = (db: Db, actor: Actor, id: string, ifMatch?: string) =>
  inTransaction(db, async (trx) => markRead(await authorize(trx, actor, 'notification.read-own', { id, ifMatch })))

export const resolveNotification = (db: Db, actor: Actor, id: string, body: { clinicianOffered?: boolean } | null = null, ifMatch?: string) =>
  inTransaction(db, async (trx) => toOfficeView(await markResolved(await authorize(trx, actor, 'notification.resolve', { id, clinicianOffered: body?.clinicianOffered, ifMatch }))))
