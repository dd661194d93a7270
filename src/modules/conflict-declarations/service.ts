// Conflict-of-interest declarations (COI-1): one transaction per write (authorize, then write).
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { hasRole, type Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import type { Trx } from '../../db/tx.ts'
import { requireTransferOfConflicted } from '../engagements/repository.ts'
import { decodeCursor, encodeCursor } from '../../shared/cursor.ts'
import { LIMIT_DEFAULT } from '../../shared/schemas.ts'
import { alreadyDeclared } from './policy.ts'
import { deleteDeclaration, insertDeclaration, listDeclarations } from './repository.ts'
import type { ConflictDeclaration, CreateConflictDeclarationBody, ListConflictDeclarationsQuery } from './schemas.ts'

const toView = (r: { createdAt: Date | string } & Omit<ConflictDeclaration, 'createdAt'>): ConflictDeclaration => ({
  id: r.id, ambassadorId: r.ambassadorId, employeeRef: r.employeeRef, kind: r.kind,
  declarerRef: r.declarerRef, declarerRole: r.declarerRole, createdAt: r.createdAt,
})

export async function declareConflict(db: Db, actor: Actor, body: CreateConflictDeclarationBody): Promise<ConflictDeclaration> {
  const row = await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'conflict-declaration.create', body)
    const row = await insertDeclaration(auth, { ambassadorId: body.ambassadorId, employeeRef: body.employeeRef, kind: body.kind })
    // COI-4: a declaration by a party (the Ambassador, or the manager) moves an open engagement of
    // this pair (either direction) at once. The insert's foreign-key lock waited for any request
    // holding the Ambassador row, so it is seen here. An nmno declaration moves nothing and looks at
    // no engagement: what nmno reads afterwards (this answer, its inbox, the audit trail, the
    // de-identified views, their timing) must not depend on whether such an engagement exists. It
    // blocks new pairings at once (COI-3); the Ambassador sees a conflict_review task (me/tasks).
    if (auth.facts.declarerRole !== 'nmno') {
      await requireTransferOfConflicted(auth, { ambassadorId: body.ambassadorId, managerRef: body.employeeRef })
      // The other direction: the declared employee as an Ambassador, the declared Ambassador as a
      // manager. Only that pair: an engagement of theirs in conflict with someone else is not the
      // declarer's to move (an nmno-brought conflict waits for its Ambassador's review).
      const managerRef = await ownerOf(trx, body.ambassadorId)
      for (const ambassadorId of await recordsOf(trx, body.employeeRef)) await requireTransferOfConflicted(auth, { ambassadorId, managerRef })
    }
    return row
  }).catch((err: unknown) => {
    // A concurrent identical declaration by the same declarer (the unique index is per declarer).
    if ((err as { code?: unknown } | null)?.code === '23505') throw alreadyDeclared()
    throw err
  })
  return toView(row)
}

export async function listConflictDeclarations(db: Db, actor: Actor, query: ListConflictDeclarationsQuery) {
  const limit = query.limit ?? LIMIT_DEFAULT
  const after = query.cursor ? (decodeCursor(query.cursor, ['string', 'uuid']) as [string, string]) : undefined
  const rows = await listDeclarations(db, { all: hasRole(actor, 'nmno'), declarerRef: actor.sub }, { after, limit: limit + 1 })
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return {
    items: page.map((r) => toView(r)),
    nextCursor: rows.length > limit && last ? encodeCursor([last.sortKey, last.id]) : null,
  }
}

export async function withdrawConflictDeclaration(db: Db, actor: Actor, id: string) {
  await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'conflict-declaration.delete', { id })
    await deleteDeclaration(auth)
  })
}

/** The employee ref of an Ambassador record: as a manager, they may have their own engagements. */
async function ownerOf(trx: Trx, ambassadorId: string) {
  const r = await trx.selectFrom('ambassadors').select('employeeRef').where('id', '=', ambassadorId).executeTakeFirst()
  return r?.employeeRef ?? ''
}

/** The Ambassador records (any status) of an employee: as an Ambassador, they may have engagements. */
async function recordsOf(trx: Trx, employeeRef: string) {
  const rows = await trx.selectFrom('ambassadors').select('id').where('employeeRef', '=', employeeRef).execute()
  return rows.map((r) => r.id)
}
