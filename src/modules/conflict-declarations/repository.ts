// All SQL for conflict-of-interest declarations (COI-1). Reads are scoped to the declarer (nmno:
// all) in SQL; writes demand an Authorized token.
import { sql } from 'kysely'
import { sortKeyOf } from '../../shared/pagination.ts'
import type { Db } from '../../db/database.ts'
import type { ConflictKind } from '../../db/row-types.ts'
import type { Trx } from '../../db/tx.ts'
import { recordCreated, type Authorized } from '../../policy/authorize.ts'
import { ACTIVE_IN_TERM } from '../../policy/actor.ts'

const COLUMNS = ['id', 'ambassadorId', 'employeeRef', 'kind', 'declarerRef', 'declarerRole', 'createdAt'] as const

export interface DeclarationsVisibleTo { all: boolean; declarerRef: string }

export function listDeclarations(db: Db, visibleTo: DeclarationsVisibleTo, f: { after?: [string, string]; limit: number }) {
  let q = db.selectFrom('conflictDeclarations').select([...COLUMNS, sortKeyOf('created_at').as('sortKey')])
  if (!visibleTo.all) q = q.where('declarerRef', '=', visibleTo.declarerRef)
  if (f.after) q = q.where(sql<boolean>`(created_at, id) < (${f.after[0]}::timestamptz, ${f.after[1]}::uuid)`)
  return q.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(f.limit).execute()
}

/** Locks a declaration the caller may see (the declarer, or nmno); undefined otherwise. */
export function lockVisibleDeclaration(trx: Trx, id: string, visibleTo: DeclarationsVisibleTo) {
  let q = trx.selectFrom('conflictDeclarations').select(COLUMNS).where('id', '=', id)
  if (!visibleTo.all) q = q.where('declarerRef', '=', visibleTo.declarerRef)
  return q.forUpdate().executeTakeFirst()
}

/** The Ambassador a declaration may name: nmno any record; others only a directory-visible one. */
export function findAmbassadorForDeclaration(trx: Trx, id: string, opts: { anyStatus: boolean }) {
  let q = trx.selectFrom('ambassadors').select(['id', 'employeeRef']).where('id', '=', id)
  if (!opts.anyStatus) q = q.where(ACTIVE_IN_TERM)
  return q.executeTakeFirst()
}

export function findOwnDuplicate(trx: Trx, row: { ambassadorId: string; employeeRef: string; declarerRef: string }) {
  return trx.selectFrom('conflictDeclarations').select('id')
    .where('ambassadorId', '=', row.ambassadorId).where('employeeRef', '=', row.employeeRef).where('declarerRef', '=', row.declarerRef)
    .executeTakeFirst()
}

export const insertDeclaration = (
  auth: Authorized<'conflict-declaration.create'>,
  row: { ambassadorId: string; employeeRef: string; kind: ConflictKind },
) => auth.trx.insertInto('conflictDeclarations')
  .values({ ...row, declarerRef: auth.actor.sub, declarerRole: auth.facts.declarerRole })
  .returning(COLUMNS).executeTakeFirstOrThrow().then((r) => recordCreated(auth, r))

export const deleteDeclaration = (auth: Authorized<'conflict-declaration.delete'>) =>
  auth.trx.deleteFrom('conflictDeclarations').where('id', '=', auth.facts.row.id).execute()
