// Routes for /v1/engagements/{id}/goals (ENG-6): HTTP only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { noStore } from '../../shared/http.ts'
import { IdParamsSchema, Page, PageQuerySchema, problems } from '../../shared/schemas.ts'
import { CreateGoalBodySchema, UpdateGoalBodySchema, GoalSchema, GoalParamsSchema } from './schemas.ts'
import { createGoal, changeGoal, listGoals, getGoal } from './service.ts'

const goals: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)
  app.post('/:id/goals', {
    config: { roles: ['manager'], action: 'goal.create', etag: { kind: 'goal', ifMatch: false } },
    schema: {
      description: 'The manager adds a goal to their engagement (Annex G: title, benefits, barriers, review date). The text is stored sealed; only the manager and the assigned Ambassador ever read it.',
      operationId: 'createGoal', tags: ['engagements'], summary: 'The manager adds a goal (Annex G checklist; ENG-6)',
      params: IdParamsSchema, body: CreateGoalBodySchema, response: { 201: GoalSchema, ...problems('not-found', 'invalid-transition', 'limit-reached') },
    },
  }, async (req, reply) => reply.code(201).send(await createGoal(app.db, req.actor, req.params.id, req.body)))

  app.get('/:id/goals', {
    config: { roles: ['manager'], audit: { action: 'goal.list', resourceType: 'goal' } },
    schema: {
      description: 'One page of the engagement\'s goals, for its manager and its assigned Ambassador; 404 for anyone else. Each read is in the manager\'s access log.',
      operationId: 'listGoals', tags: ['engagements'], summary: 'The engagement’s goals (manager and assigned Ambassador only)',
      params: IdParamsSchema, querystring: PageQuerySchema, response: { 200: Page(GoalSchema), ...problems('not-found', 'invalid-cursor') },
    },
  }, async (req) => listGoals(app.db, req.actor, req.params.id, req.query))

  app.get('/:id/goals/:goalId', {
    config: { roles: ['manager'], audit: { action: 'goal.read', resourceType: 'goal', resourceParam: 'goalId' }, etag: 'goal' },
    schema: {
      description: 'One goal with its ETag (send it as If-Match to edit it); 404 for anyone but the manager and the assigned Ambassador.',
      operationId: 'getGoal', tags: ['engagements'], summary: 'One goal, with its ETag (manager and assigned Ambassador only)',
      params: GoalParamsSchema, response: { 200: GoalSchema, ...problems('not-found') },
    },
  }, async (req) => getGoal(app.db, req.actor, req.params.id, req.params.goalId))

  app.patch('/:id/goals/:goalId', {
    config: { roles: ['manager'], action: 'goal.update', etag: 'goal' },
    schema: {
      description: 'The manager edits their goal or accepts the Ambassador\'s proposal; the assigned Ambassador\'s edits are kept as a proposal until the manager accepts them.',
      operationId: 'updateGoal', tags: ['engagements'], summary: 'The manager edits (or accepts a proposal); the assigned Ambassador proposes edits (ENG-6)',
      params: GoalParamsSchema, body: UpdateGoalBodySchema, response: { 200: GoalSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req) => changeGoal(app.db, req.actor, req.params.id, req.params.goalId, req.body, req.headers['if-match']))
}
export default goals
