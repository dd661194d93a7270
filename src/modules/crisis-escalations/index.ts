// Routes for /v1/engagements/{id}/crisis-escalations: HTTP only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { noStore } from '../../shared/http.ts'
import { IdParamsSchema, Page, PageQuerySchema, problems } from '../../shared/schemas.ts'
import { CreateCrisisEscalationBodySchema, CrisisEscalationSchema, CrisisParamsSchema, FollowUpBodySchema } from './schemas.ts'
import { crisisEscalationsOf, escalateCrisis, followUpCrisis } from './service.ts'

const crisisEscalations: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)
  app.post('/:id/crisis-escalations', {
    config: { roles: ['manager'], action: 'crisis-escalation.create' },
    schema: {
      operationId: 'escalateCrisis', tags: ['crisis'],
      summary: 'The assigned Ambassador reports a crisis: nmno is told (de-identified), a follow-up with the manager is due in 2 days, a self-care debrief opens (CRS-2, CRS-3)',
      params: IdParamsSchema, body: CreateCrisisEscalationBodySchema,
      response: { 201: CrisisEscalationSchema, ...problems('not-found', 'invalid-transition', 'emergency-services-required', 'rule-violated', 'limit-reached') },
    },
  }, async (req, reply) => reply.code(201).send(await escalateCrisis(app.db, req.actor, req.params.id, req.body)))

  app.get('/:id/crisis-escalations', {
    config: { roles: ['manager'], audit: { action: 'crisis-escalation.list', resourceType: 'crisis-escalation' } },
    schema: {
      operationId: 'listCrisisEscalations', tags: ['crisis'],
      summary: 'The engagement’s crisis escalations (manager and assigned Ambassador; nmno sees them de-identified in its inbox)',
      params: IdParamsSchema, querystring: PageQuerySchema, response: { 200: Page(CrisisEscalationSchema), ...problems('not-found', 'invalid-cursor') },
    },
  }, async (req) => crisisEscalationsOf(app.db, req.actor, req.params.id, req.query))

  app.post('/:id/crisis-escalations/:crisisId/follow-up', {
    config: { roles: ['manager'], action: 'crisis-escalation.follow-up' },
    schema: {
      operationId: 'followUpCrisis', tags: ['crisis'],
      summary: 'The assigned Ambassador records the follow-up with the manager after a crisis; the task leaves their list (CRS-2)',
      params: CrisisParamsSchema, body: FollowUpBodySchema,
      response: { 200: CrisisEscalationSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req) => followUpCrisis(app.db, req.actor, req.params.id, req.params.crisisId, req.body))
}
export default crisisEscalations
