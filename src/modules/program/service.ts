// #15 item 1: the pilot's milestones.
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import type { Trx } from '../../db/tx.ts'
import { NotFound } from '../../errors/app-error.ts'
import type { Actor } from '../../policy/actor.ts'
import { authorize, recordCreated } from '../../policy/authorize.ts'
import { afterOf, limitOf, pageOf, type PageQuery } from '../../shared/pagination.ts'
import { findMilestone, insertMilestone, overdueMilestones, pageMilestones, updateMilestone } from './repository.ts'
import type { CreateMilestoneBody, UpdateMilestoneBody } from './schemas.ts'

type Row = NonNullable<Awaited<ReturnType<typeof findMilestone>>>
const view = (m: Row) => ({
  id: m.id, title: m.title, dueOn: m.dueOn, status: m.status, note: m.note, overdue: m.overdue, createdAt: m.createdAt, updatedAt: m.updatedAt, version: m.version,
})

export async function getMilestone(db: Db | Trx, id: string) {
  const m = await findMilestone(db, id)
  if (!m) throw new NotFound()
  return view(m)
}

export async function listMilestones(db: Db, q: PageQuery & { status?: string; overdue?: boolean }) {
  const limit = limitOf(q)
  const page = pageOf(await pageMilestones(db, { status: q.status, overdue: q.overdue, after: afterOf(q), limit: limit + 1 }), limit)
  return { items: page.items.map((m) => view(m as Row)), nextCursor: page.nextCursor }
}

export const createMilestone = (db: Db, actor: Actor, body: CreateMilestoneBody) => inTransaction(db, async (trx) => {
  const auth = await authorize(trx, actor, 'milestone.create', body)
  const { id } = recordCreated(auth, await insertMilestone(auth, body))
  return getMilestone(trx, id)
})

export const editMilestone = (db: Db, actor: Actor, id: string, body: UpdateMilestoneBody, ifMatch?: string) => inTransaction(db, async (trx) => {
  const auth = await authorize(trx, actor, 'milestone.update', { id, ifMatch, ...body })
  await updateMilestone(auth, body)
  return getMilestone(trx, id)
})

/** Governance's tasks (GET /v1/me/tasks): one per overdue milestone. */
export async function overdueMilestoneTasks(db: Db) {
  return (await overdueMilestones(db)).map((m) => ({
    kind: 'milestone_overdue', subjectType: 'milestone', subjectId: m.id, urgent: false, dueAt: `${m.dueOn}T00:00:00.000Z`, data: { title: m.title, status: m.status },
  }))
}
