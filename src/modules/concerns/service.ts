// Concerns: one transaction per write (authorize, write, tell the office or the raiser).
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { NotFound } from '../../errors/app-error.ts'
import type { Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { afterOf, limitOf, pageOf, type PageQuery } from '../../shared/pagination.ts'
import { notifyNmno, notifyPrincipals } from '../notifications/repository.ts'
import { findVisibleConcern, insertConcern, insertMessage, listMessages, listVisibleConcerns, setConcernStatus, type ConcernRow, type MessageRow, type Reader } from './repository.ts'
import type { ConcernTransitionBody, CreateConcernBody, ListConcernsQuery } from './schemas.ts'

const dateOnly = (d: Date | string) => new Date(d).toISOString().slice(0, 10)

const readerOf = (actor: Actor): Reader => ({ sub: actor.sub, nmno: actor.roles.has('nmno'), governance: actor.roles.has('governance') })

/** The raiser sees their own concern whole; everyone else (nmno, governance) de-identified. */
export function toConcernView(c: ConcernRow, reader: { sub: string }) {
  if (c.raiserRef === reader.sub) {
    return {
      view: 'raiser' as const, id: c.id, kind: c.kind, status: c.status, outcome: c.outcome, engagementId: c.engagementId,
      ambassadorId: c.ambassadorId, summary: c.summary, createdAt: c.createdAt, updatedAt: c.updatedAt, version: c.version,
    }
  }
  return {
    view: 'deidentified' as const, id: c.id, kind: c.kind, status: c.status, outcome: c.outcome, raisedAs: c.raisedAs,
    ambassadorId: c.ambassadorId, designatedContactRef: c.designatedContactRef, summary: c.summary, raisedOn: dateOnly(c.createdAt), version: c.version,
  }
}

const toMessageView = (m: MessageRow) => ({ id: m.id, authorRole: m.authorRole, text: m.text, createdAt: m.createdAt })

export function raiseConcern(db: Db, actor: Actor, body: CreateConcernBody) {
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'concern.raise', { kind: body.kind, engagementRef: body.engagementId, ambassadorRef: body.ambassadorId, summary: body.summary })
    const c = await insertConcern(auth, { kind: body.kind, summary: body.summary.trim() })
    // The office's shared inbox: every nmno principal sees it, naming the designated contact (CNS-3).
    // De-identified: the kind, the date, the Ambassador concerned; never the raiser, manager or engagement.
    await notifyNmno(auth, {
      kind: 'concern_raised', subjectType: 'concern', subjectId: c.id, designatedContactRef: c.designatedContactRef,
      data: { concernKind: c.kind, ambassadorId: c.ambassadorId, raisedAs: c.raisedAs, raisedOn: dateOnly(c.createdAt) },
    })
    return toConcernView(c, actor)
  })
}

export function transitionConcern(db: Db, actor: Actor, id: string, body: ConcernTransitionBody, ifMatch?: string) {
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'concern.transition', { id, to: body.to, outcome: body.outcome, ifMatch })
    const c = await setConcernStatus(auth, body.to, body.outcome?.trim() ?? null)
    // A purged raiser (NULL) is told nothing.
    if (c.raiserRef) await notifyPrincipals(auth, [c.raiserRef], { kind: 'concern_updated', subjectType: 'concern', subjectId: c.id, data: { status: c.status } })
    return toConcernView(c, actor)
  })
}

export function postConcernMessage(db: Db, actor: Actor, id: string, text: string) {
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'concern.message', { id, text })
    const m = await insertMessage(auth, text.trim())
    const { concern, authorRole } = auth.facts
    if (authorRole === 'nmno') {
      if (concern.raiserRef) await notifyPrincipals(auth, [concern.raiserRef], { kind: 'concern_message', subjectType: 'concern', subjectId: concern.id })
    } else {
      await notifyNmno(auth, { kind: 'concern_message', subjectType: 'concern', subjectId: concern.id, designatedContactRef: concern.designatedContactRef, data: { concernKind: concern.kind } })
    }
    return toMessageView(m)
  })
}

export async function getConcern(db: Db, actor: Actor, id: string) {
  const c = await findVisibleConcern(db, id, readerOf(actor))
  if (!c) throw new NotFound()
  return toConcernView(c, actor)
}

export async function listConcerns(db: Db, actor: Actor, q: ListConcernsQuery) {
  const limit = limitOf(q)
  const rows = await listVisibleConcerns(db, readerOf(actor), { status: q.status, after: afterOf(q), limit: limit + 1 })
  const { items, nextCursor } = pageOf(rows, limit)
  return { items: items.map((c) => toConcernView(c, actor)), nextCursor }
}

/** The thread: the raiser and the office only (governance reads the escalated concern, not the thread). */
export async function concernMessages(db: Db, actor: Actor, id: string, q: PageQuery) {
  const c = await findVisibleConcern(db, id, { sub: actor.sub, nmno: actor.roles.has('nmno'), governance: false })
  if (!c) throw new NotFound()
  const limit = limitOf(q)
  const { items, nextCursor } = pageOf(await listMessages(db, c.id, { after: afterOf(q), limit: limit + 1 }), limit)
  return { items: items.map(toMessageView), nextCursor }
}
