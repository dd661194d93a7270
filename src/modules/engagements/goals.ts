// Goals (ENG-6, Annex G checklist): owned by the manager; the assigned Ambassador reads them and
// proposes edits, which the manager accepts or not.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import { Type, type Static } from 'typebox'
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { NotFound, PolicyDenied } from '../../errors/app-error.ts'
import { actingAmbassadorId, type Actor } from '../../policy/actor.ts'
import { authorize, recordCreated, type Authorized } from '../../policy/authorize.ts'
import { definePolicy } from '../../policy/define.ts'
import { Id, IdParamsSchema, Page, PageQuerySchema, StringEnum, Timestamp, problems } from '../../shared/schemas.ts'
import { requireRoom } from '../../shared/caps.ts'
import { afterOf, afterWhere, limitOf, pageOf, sortKeyOf, type PageQuery } from '../../shared/pagination.ts'
import { GOAL_TEXT, requireParticipant } from './repository.ts'
import { isSealed, open, seal } from '../../shared/crypto.ts'
import { keyOf, openFields, readKey, sealFields } from '../../shared/engagement-keys.ts'
import { checkIfMatch, etagOf } from '../../shared/etag.ts'
import { lockAsParticipant, requireRunning } from './policy.ts'

const GOAL_STATUSES = ['open', 'achieved', 'dropped'] as const
const Field = Type.String({ minLength: 1, maxLength: 2000 })
const GoalFields = {
  title: Type.String({ minLength: 1, maxLength: 200 }),
  benefitsToYou: Type.Optional(Type.Union([Field, Type.Null()])),
  benefitsToOrganisation: Type.Optional(Type.Union([Field, Type.Null()])),
  barriers: Type.Optional(Type.Union([Field, Type.Null()])),
  externalResources: Type.Optional(Type.Union([Field, Type.Null()])),
  progressMeasures: Type.Optional(Type.Union([Field, Type.Null()])),
}
const CreateGoalBodySchema = Type.Object(GoalFields, { additionalProperties: false })
const GoalChangesSchema = Type.Object({ ...GoalFields, title: Type.Optional(GoalFields.title), status: Type.Optional(StringEnum(GOAL_STATUSES)) }, { additionalProperties: false })
const UpdateGoalBodySchema = Type.Object({
  ...GoalChangesSchema.properties,
  acceptProposal: Type.Optional(Type.Boolean({ description: 'Manager only: apply (true) or discard (false) the Ambassador’s proposed edits' })),
}, { additionalProperties: false, minProperties: 1, description: 'The manager edits; the assigned Ambassador’s edits are stored as a proposal for the manager' })
type CreateGoalBody = Static<typeof CreateGoalBodySchema>
type UpdateGoalBody = Static<typeof UpdateGoalBodySchema>

const Text = Type.Union([Type.String(), Type.Null()])
export const GoalSchema = Type.Object({
  id: Id, engagementId: Id, title: Type.String(), benefitsToYou: Text, benefitsToOrganisation: Text, barriers: Text,
  externalResources: Text, progressMeasures: Text, status: StringEnum(GOAL_STATUSES),
  proposal: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { description: 'Edits proposed by the Ambassador, awaiting the manager' }),
  version: Type.Integer(), createdAt: Timestamp, updatedAt: Timestamp,
}, { additionalProperties: false })
const GoalParamsSchema = Type.Object({ id: Id, goalId: Id }, { additionalProperties: false })

const columns = ['id', 'engagementId', 'title', 'benefitsToYou', 'benefitsToOrganisation', 'barriers', 'externalResources', 'progressMeasures', 'status', 'proposal', 'version', 'createdAt', 'updatedAt'] as const

export const goalPolicies = {
  'goal.create': definePolicy({
    summary: 'The manager writes a goal of their checklist (ENG-6).',
    auditAs: 'participant',
    async check(trx, actor, target: { engagementId: string }) {
      const { engagement } = await lockAsParticipant(trx, actor, target.engagementId)
        .then((r) => {
          if (r.side !== 'manager') throw new PolicyDenied('forbidden', { en: 'Goals belong to the manager; propose edits to an existing goal instead.', fr: 'Les objectifs appartiennent au gestionnaire; proposez plutôt des modifications à un objectif existant.' })
          return r
        })
      requireRunning(engagement)
      await requireRoom(trx, engagement.id, 'goals')
      return { engagement }
    },
  }),
  'goal.update': definePolicy({
    summary: 'The manager edits a goal or settles a proposal; the assigned Ambassador proposes edits (ENG-6).',
    auditAs: 'participant',
    async check(trx, actor, target: { engagementId: string; goalId: string; body: UpdateGoalBody; ifMatch?: string }) {
      const { engagement, side } = await lockAsParticipant(trx, actor, target.engagementId)
      requireRunning(engagement)
      const goal = await trx.selectFrom('goals').select(columns).where('id', '=', target.goalId).where('engagementId', '=', engagement.id).forUpdate().executeTakeFirst()
      if (!goal) throw new NotFound()
      checkIfMatch(etagOf('goal', goal.version), target.ifMatch)
      if (side === 'ambassador' && target.body.acceptProposal !== undefined) {
        throw new PolicyDenied('forbidden', { en: 'Only the manager accepts a proposal.', fr: 'Seul le gestionnaire accepte une proposition.' })
      }
      if (target.body.acceptProposal && !goal.proposal) {
        throw new PolicyDenied('invalid-transition', { en: 'There is no proposal to accept.', fr: 'Il n’y a aucune proposition à accepter.' })
      }
      return { engagement, side, goal }
    },
  }),
}

// #11 finding 7: the goal's text and the Ambassador's proposal are stored sealed with the
// engagement's data key (the proposal as a sealed JSON string inside the jsonb column); a goal
// written before that reads back as it was stored.
type StoredGoal = { proposal: unknown } & Record<string, unknown>

function openProposal(key: Buffer | undefined, stored: unknown): Record<string, unknown> | null {
  if (typeof stored !== 'string') return (stored as Record<string, unknown> | null) ?? null
  if (!isSealed(stored) || !key) return null
  return JSON.parse(open(key, 'goals.proposal', stored)) as Record<string, unknown>
}

function openGoal<T extends StoredGoal>(key: Buffer | undefined, g: T): Omit<T, 'proposal'> & { proposal: Record<string, unknown> | null } {
  return { ...openFields(key, 'goals', g, GOAL_TEXT as unknown as (keyof T & string)[]), proposal: openProposal(key, g.proposal) }
}

async function insertGoal(auth: Authorized<'goal.create'>, body: CreateGoalBody) {
  const key = await keyOf(auth.trx, auth.facts.engagement)
  const row = await auth.trx.insertInto('goals').values({ engagementId: auth.facts.engagement.id, ...sealFields(key, 'goals', body, GOAL_TEXT) })
    .returning(columns).executeTakeFirstOrThrow()
  return recordCreated(auth, openGoal(key, row))
}

async function updateGoal(auth: Authorized<'goal.update'>, body: UpdateGoalBody) {
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

export const goalRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/:id/goals', {
    config: { roles: ['manager'], action: 'goal.create', etag: { kind: 'goal', ifMatch: false } },
    schema: {
      operationId: 'createGoal', tags: ['engagements'], summary: 'The manager adds a goal (Annex G checklist; ENG-6)',
      params: IdParamsSchema, body: CreateGoalBodySchema, response: { 201: GoalSchema, ...problems('not-found', 'invalid-transition', 'limit-reached') },
    },
  }, async (req, reply) => reply.code(201).send(await createGoal(app.db, req.actor, req.params.id, req.body)))

  app.get('/:id/goals', {
    config: { roles: ['manager'], audit: { action: 'goal.list', resourceType: 'goal' } },
    schema: {
      operationId: 'listGoals', tags: ['engagements'], summary: 'The engagement’s goals (manager and assigned Ambassador only)',
      params: IdParamsSchema, querystring: PageQuerySchema, response: { 200: Page(GoalSchema), ...problems('not-found', 'invalid-cursor') },
    },
  }, async (req) => listGoals(app.db, req.actor, req.params.id, req.query))

  app.get('/:id/goals/:goalId', {
    config: { roles: ['manager'], audit: { action: 'goal.read', resourceType: 'goal', resourceParam: 'goalId' }, etag: 'goal' },
    schema: {
      operationId: 'getGoal', tags: ['engagements'], summary: 'One goal, with its ETag (manager and assigned Ambassador only)',
      params: GoalParamsSchema, response: { 200: GoalSchema, ...problems('not-found') },
    },
  }, async (req) => getGoal(app.db, req.actor, req.params.id, req.params.goalId))

  app.patch('/:id/goals/:goalId', {
    config: { roles: ['manager'], action: 'goal.update', etag: 'goal' },
    schema: {
      operationId: 'updateGoal', tags: ['engagements'], summary: 'The manager edits (or accepts a proposal); the assigned Ambassador proposes edits (ENG-6)',
      params: GoalParamsSchema, body: UpdateGoalBodySchema, response: { 200: GoalSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req) => changeGoal(app.db, req.actor, req.params.id, req.params.goalId, req.body, req.headers['if-match']))
}
