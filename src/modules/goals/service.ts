// Goals: authorize then write in one transaction; reads for the two participants only.
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { NotFound } from '../../errors/app-error.ts'
import { actingAmbassadorId, type Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { afterOf, afterWhere, limitOf, pageOf, sortKeyOf, type PageQuery } from '../../shared/pagination.ts'
import { requireParticipant } from '../engagements/repository.ts'
import { readKey } from '../../shared/engagement-keys.ts'
import type { CreateGoalBody, UpdateGoalBody } from './schemas.ts'
import { columns, openGoal, insertGoal, updateGoal } from './repository.ts'

export const createGoal = (db: Db, actor: Actor, engagementId: string, body: CreateGoalBody) =>
  inTransaction(db, async (trx) => insertGoal(await authorize(trx, actor, 'goal.create', { engagementId }), body))

export const changeGoal = (db: Db, actor: Actor, engagementId: string, goalId: string, body: UpdateGoalBody, ifMatch?: string) =>
  inTransaction(db, async (trx) => updateGoal(await authorize(trx, actor, 'goal.update', { engagementId, goalId, body, ifMatch }), body))

/** Oldest first, a page at a time (#12 item 4). */
export async function listGoals(db: Db, actor: Actor, engagementId: string, q: PageQuery = {}) {
  const after = afterOf(q)
  const limit = limitOf(q)
  await requireParticipant(db, actor, engagementId, await actingAmbassadorId(db, actor))
  let query = db.selectFrom('goals').select([...columns, sortKeyOf('created_at').as('sortKey')]).where('engagementId', '=', engagementId)
  if (after) query = query.where(afterWhere('created_at', 'id', after))
  const { items, nextCursor } = pageOf(await query.orderBy('createdAt').orderBy('id').limit(limit + 1).execute(), limit)
  const key = items.length ? await readKey(db, engagementId) : undefined
  return { items: items.map((g) => openGoal(key, g)), nextCursor }
}

/** One goal, for the participants only (its ETag: SPEC §4). */
export async function getGoal(db: Db, actor: Actor, engagementId: string, goalId: string) {
  await requireParticipant(db, actor, engagementId, await actingAmbassadorId(db, actor))
  const g = await db.selectFrom('goals').select(columns).where('engagementId', '=', engagementId).where('id', '=', goalId).executeTakeFirst()
  if (!g) throw new NotFound()
  return openGoal(await readKey(db, engagementId), g)
}
