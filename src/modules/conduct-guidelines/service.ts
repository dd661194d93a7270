import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import type { Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { notifyPrincipals } from '../notifications/repository.ts'
import { ambassadorsPendingAcceptance, currentGuidelines, insertGuidelines, pagePendingAcceptance, recordAcceptance } from './repository.ts'
import { decodeCursor, encodeCursor } from '../../shared/cursor.ts'
import { LIMIT_DEFAULT } from '../../shared/schemas.ts'

type GuidelinesRow = Awaited<ReturnType<typeof currentGuidelines>>
const toView = (g: GuidelinesRow) => ({ version: g.version, text: { en: g.textEn, fr: g.textFr }, textHash: g.textHash, publishedAt: g.publishedAt })

export async function getCurrentGuidelines(db: Db) {
  return toView(await currentGuidelines(db))
}

export async function publishGuidelines(db: Db, actor: Actor, text: { en: string; fr: string }) {
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'guidelines.publish', {})
    const g = await insertGuidelines(auth, text)
    // Every active Ambassador is asked to accept it (own inbox; GET /v1/me/tasks lists it too).
    const pending = await ambassadorsPendingAcceptance(trx, g.version)
    await notifyPrincipals(auth, pending.map((p) => p.employeeRef), { kind: 'guidelines_updated', subjectType: 'conduct_guidelines', data: { version: g.version } })
    return toView(g)
  })
}

/** A page at a time, by name (#12 item 4). */
export async function listPendingAcceptances(db: Db, q: { limit?: number; cursor?: string } = {}) {
  const after = q.cursor ? (decodeCursor(q.cursor, ['string', 'uuid']) as [string, string]) : undefined
  const limit = q.limit ?? LIMIT_DEFAULT
  const cur = await currentGuidelines(db)
  const rows = await pagePendingAcceptance(db, cur.version, { after, limit: limit + 1 })
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.displayName, last.ambassadorId]) : null, currentVersion: cur.version }
}

export function acceptGuidelines(db: Db, actor: Actor, version: number) {
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'guidelines.accept', { version })
    return recordAcceptance(auth, version)
  })
}
