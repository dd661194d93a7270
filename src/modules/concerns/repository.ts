// All SQL for concerns. Reads are scoped in SQL to what the caller may see: the raiser their own,
// nmno every one, governance the escalated ones; anything else is "not found".
import { sql, type Selectable } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import type { Trx } from '../../db/tx.ts'
import { recordCreated, type Authorized } from '../../policy/authorize.ts'
import { afterWhere, sortKeyOf, type After } from '../../shared/pagination.ts'
import type { ConcernKind, ConcernStatus } from './schemas.ts'

export type ConcernRow = Selectable<DB['concerns']>
export type MessageRow = Selectable<DB['concernMessages']>

/** Who reads: the raiser (own), nmno (all), governance (escalated). */
export interface Reader { sub: string; nmno: boolean; governance: boolean }

const visibleTo = (r: Reader) => r.nmno
  ? sql<boolean>`true`
  : r.governance ? sql<boolean>`(c.raiser_ref = ${r.sub} OR c.status = 'escalated')` : sql<boolean>`c.raiser_ref = ${r.sub}`

export async function findVisibleConcern(db: Db | Trx, id: string, reader: Reader) {
  const r = await sql<ConcernRow>`SELECT c.* FROM concerns c WHERE c.id = ${id} AND ${visibleTo(reader)}`.execute(db)
  return r.rows[0]
}

export async function listVisibleConcerns(db: Db, reader: Reader, f: { status?: ConcernStatus; after?: After; limit: number }) {
  const r = await sql<ConcernRow & { sortKey: string }>`SELECT c.*, ${sortKeyOf('c.created_at')} AS sort_key FROM concerns c
    WHERE ${visibleTo(reader)} ${f.status ? sql`AND c.status = ${f.status}` : sql``}
      ${f.after ? sql`AND ${afterWhere('c.created_at', 'c.id', f.after)}` : sql``}
    ORDER BY c.created_at, c.id LIMIT ${f.limit}`.execute(db)
  return r.rows
}

export async function lockConcern(trx: Trx, id: string) {
  const r = await sql<ConcernRow>`SELECT * FROM concerns WHERE id = ${id} FOR UPDATE`.execute(trx)
  return r.rows[0]
}

export async function insertConcern(auth: Authorized<'concern.raise'>, row: { kind: ConcernKind; summary: string }) {
  const f = auth.facts
  const created = await auth.trx.insertInto('concerns').values({
    kind: row.kind, summary: row.summary, raiserRef: auth.actor.sub, raisedAs: f.raisedAs,
    ambassadorId: f.ambassadorId, engagementId: f.engagementId, designatedContactRef: f.designatedContactRef,
  }).returningAll().executeTakeFirstOrThrow()
  return recordCreated(auth, created)
}

export const setConcernStatus = (auth: Authorized<'concern.transition'>, to: ConcernStatus, outcome: string | null) =>
  auth.trx.updateTable('concerns').set({ status: to, outcome, updatedAt: sql`clock_timestamp()`, version: sql`version + 1` })
    .where('id', '=', auth.facts.concern.id).returningAll().executeTakeFirstOrThrow()

export async function insertMessage(auth: Authorized<'concern.message'>, text: string) {
  const { concern, authorRole } = auth.facts
  await auth.trx.updateTable('concerns').set({ updatedAt: sql`clock_timestamp()`, version: sql`version + 1` }).where('id', '=', concern.id).execute()
  const m = await auth.trx.insertInto('concernMessages').values({ concernId: concern.id, authorRole, authorRef: auth.actor.sub, text })
    .returningAll().executeTakeFirstOrThrow()
  return recordCreated(auth, m)
}

export async function listMessages(db: Db, concernId: string, f: { after?: After; limit: number }) {
  const r = await sql<MessageRow & { sortKey: string }>`SELECT m.*, ${sortKeyOf('m.created_at')} AS sort_key FROM concern_messages m
    WHERE m.concern_id = ${concernId} ${f.after ? sql`AND ${afterWhere('m.created_at', 'm.id', f.after)}` : sql``}
    ORDER BY m.created_at, m.id LIMIT ${f.limit}`.execute(db)
  return r.rows
}

/** Whether `supervisorRef` is the direct supervisor of `employeeRef` in the imported reporting lines (COI-2). */
export async function supervises(trx: Trx, supervisorRef: string, employeeRef: string) {
  const r = await trx.selectFrom('reportingLines').select('employeeRef').where('employeeRef', '=', employeeRef).where('supervisorRef', '=', supervisorRef).executeTakeFirst()
  return Boolean(r)
}
