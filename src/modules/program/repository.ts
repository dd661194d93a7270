// All SQL of /v1/program/milestones (#15 item 1). Overdue is derived at query time.
import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { Trx } from '../../db/tx.ts'
import type { Authorized } from '../../policy/authorize.ts'
import { afterWhere, sortKeyOf, type After } from '../../shared/pagination.ts'
import type { CreateMilestoneBody, UpdateMilestoneBody } from './schemas.ts'

const OVERDUE = sql<boolean>`(due_on < current_date AND status IN ('planned', 'in_progress'))`

export const insertMilestone = (auth: Authorized<'milestone.create'>, b: CreateMilestoneBody) =>
  auth.trx.insertInto('programMilestones').values({ title: b.title, dueOn: b.dueOn, status: b.status ?? 'planned', note: b.note ?? null, createdBy: auth.actor.sub })
    .returning('id').executeTakeFirstOrThrow()

export const updateMilestone = (auth: Authorized<'milestone.update'>, b: UpdateMilestoneBody) =>
  auth.trx.updateTable('programMilestones').set({ ...b, updatedAt: sql`now()` }).where('id', '=', auth.facts.milestone.id).execute()

export const findMilestone = (db: Db | Trx, id: string) =>
  db.selectFrom('programMilestones').selectAll().select(OVERDUE.as('overdue')).where('id', '=', id).executeTakeFirst()

export function pageMilestones(db: Db, f: { status?: string; overdue?: boolean; after?: After; limit: number }) {
  let q = db.selectFrom('programMilestones').selectAll().select([OVERDUE.as('overdue'), sortKeyOf('created_at').as('sortKey')])
  if (f.status) q = q.where('status', '=', f.status as 'planned')
  if (f.overdue !== undefined) q = q.where(f.overdue ? OVERDUE : sql<boolean>`NOT ${OVERDUE}`)
  if (f.after) q = q.where(afterWhere('created_at', 'id', f.after))
  return q.orderBy('createdAt').orderBy('id').limit(f.limit).execute()
}

/** Overdue milestones, earliest due first (governance's tasks). */
export const overdueMilestones = (db: Db | Trx) =>
  db.selectFrom('programMilestones').select(['id', 'title', 'dueOn', 'status']).where(OVERDUE).orderBy('dueOn').orderBy('id').limit(100).execute()
