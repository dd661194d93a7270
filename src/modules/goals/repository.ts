// SQL of goals, sealed with the engagement’s data key. Writes take the Authorized token and read their target from its facts.
import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import { recordCreated, type Authorized } from '../../policy/authorize.ts'
import { GOAL_TEXT } from '../engagements/repository.ts'
import { isSealed, open, seal } from '../../shared/crypto.ts'
import { keyOf, openFields, sealFields } from '../../shared/engagement-keys.ts'
import type { CreateGoalBody, UpdateGoalBody } from './schemas.ts'

export const columns = ['id', 'engagementId', 'title', 'benefitsToYou', 'benefitsToOrganisation', 'barriers', 'externalResources', 'progressMeasures', 'reviewOn', 'status', 'proposal', 'version', 'createdAt', 'updatedAt'] as const

// #11 finding 7: the goal's text and the Ambassador's proposal are stored sealed with the
// engagement's data key (the proposal as a sealed JSON string inside the jsonb column); a goal
// written before that reads back as it was stored.
type StoredGoal = { proposal: unknown } & Record<string, unknown>

function openProposal(key: Buffer | undefined, stored: unknown): Record<string, unknown> | null {
  if (typeof stored !== 'string') return (stored as Record<string, unknown> | null) ?? null
  if (!isSealed(stored) || !key) return null
  return JSON.parse(open(key, 'goals.proposal', stored)) as Record<string, unknown>
}

export function openGoal<T extends StoredGoal>(key: Buffer | undefined, g: T): Omit<T, 'proposal'> & { proposal: Record<string, unknown> | null } {
  return { ...openFields(key, 'goals', g, GOAL_TEXT as unknown as (keyof T & string)[]), proposal: openProposal(key, g.proposal) }
}

/**
 * Annex G: goals are reviewed. Open goals whose review date has come, in the engagements still
 * running where the caller is the manager or the assigned Ambassador (GET /v1/me/tasks).
 */
export async function dueGoalReviews(db: Db, who: { managerRef?: string; ambassadorId?: string }) {
  if (!who.managerRef && !who.ambassadorId) return []
  const r = await sql<{ id: string; engagementId: string; reviewOn: string }>`
    SELECT g.id, g.engagement_id, g.review_on FROM goals g JOIN engagements e ON e.id = g.engagement_id
    WHERE g.status = 'open' AND g.review_on <= current_date AND e.status IN ('accepted','active')
      AND (${who.managerRef ? sql`e.manager_ref = ${who.managerRef}` : sql`false`} OR ${who.ambassadorId ? sql`e.ambassador_id = ${who.ambassadorId}` : sql`false`})
    ORDER BY g.review_on, g.id LIMIT 100`.execute(db)
  return r.rows
}

export async function insertGoal(auth: Authorized<'goal.create'>, body: CreateGoalBody) {
  const key = await keyOf(auth.trx, auth.facts.engagement)
  const row = await auth.trx.insertInto('goals').values({ engagementId: auth.facts.engagement.id, ...sealFields(key, 'goals', body, GOAL_TEXT) })
    .returning(columns).executeTakeFirstOrThrow()
  return recordCreated(auth, openGoal(key, row))
}

export async function updateGoal(auth: Authorized<'goal.update'>, body: UpdateGoalBody) {
  const { acceptProposal, ...changes } = body
  const { goal, side } = auth.facts
  const key = await keyOf(auth.trx, auth.facts.engagement)
  const proposal = openProposal(key, goal.proposal)
  let set: Record<string, unknown>
  if (side === 'ambassador') {
    set = { proposal: JSON.stringify(seal(key, 'goals.proposal', JSON.stringify({ ...(proposal ?? {}), ...changes }))), proposedAt: sql`now()` }
  } else {
    const fromProposal = acceptProposal ? (proposal ?? {}) : {}
    set = { ...sealFields(key, 'goals', { ...fromProposal, ...changes }, GOAL_TEXT), ...(acceptProposal !== undefined ? { proposal: null, proposedAt: null } : {}) }
  }
  const row = await auth.trx.updateTable('goals').set({ ...set, version: sql`version + 1`, updatedAt: sql`clock_timestamp()` })
    .where('id', '=', goal.id).returning(columns).executeTakeFirstOrThrow()
  return openGoal(key, row)
}
