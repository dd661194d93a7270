// Routes for /v1/engagements/{id}/crisis-escalations: HTTP only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { noStore } from '../../shared/http.ts'
import { Id, IdParamsSchema, Page, PageQuerySchema, StringEnum, problems } from '../../shared/schemas.ts'
import { Type } from 'typebox'
import { CreateCrisisEscalationBodySchema, CrisisEscalationSchema, CrisisParamsSchema, DebriefBodySchema, FollowUpBodySchema } from './schemas.ts'
import { crisisEscalationsOf, debriefCrisis, escalateCrisis, followUpCrisis } from './service.ts'

const crisisEscalations: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)
  app.post('/:id/crisis-escalations', {
    config: { roles: ['manager'], action: 'crisis-escalation.create' },
    schema: {
      description: 'The assigned Ambassador reports a crisis: the office is told (de-identified), a follow-up with the manager is due in 2 days, and a self-care debrief opens for the Ambassador.',
      operationId: 'escalateCrisis', tags: ['crisis'],
      summary: 'The assigned Ambassador reports a crisis: nmno is told (de-identified), a follow-up with the manager is due in 2 days, a self-care debrief opens (CRS-2, CRS-3)',
      params: IdParamsSchema, body: CreateCrisisEscalationBodySchema,
      response: { 201: CrisisEscalationSchema, ...problems('not-found', 'invalid-transition', 'emergency-services-required', 'rule-violated', 'limit-reached') },
    },
  }, async (req, reply) => reply.code(201).send(await escalateCrisis(app.db, req.actor, req.params.id, req.body)))

  app.get('/:id/crisis-escalations', {
    config: { roles: ['manager'], audit: { action: 'crisis-escalation.list', resourceType: 'crisis-escalation' } },
    schema: {
      description: 'The crisis escalations of the engagement, for its manager and its assigned Ambassador; 404 for anyone else.',
      operationId: 'listCrisisEscalations', tags: ['crisis'],
      summary: 'The engagement’s crisis escalations (manager and assigned Ambassador; nmno sees them de-identified in its inbox)',
      params: IdParamsSchema, querystring: PageQuerySchema, response: { 200: Page(CrisisEscalationSchema), ...problems('not-found', 'invalid-cursor') },
    },
  }, async (req) => crisisEscalationsOf(app.db, req.actor, req.params.id, req.query))

  app.post('/:id/crisis-escalations/:crisisId/follow-up', {
    config: { roles: ['manager'], action: 'crisis-escalation.follow-up' },
    schema: {
      description: 'The assigned Ambassador records the follow-up with the manager after a crisis.',
      operationId: 'followUpCrisis', tags: ['crisis'],
      summary: 'The assigned Ambassador records the follow-up with the manager after a crisis; the task leaves their list (CRS-2)',
      params: CrisisParamsSchema, body: FollowUpBodySchema,
      response: { 200: CrisisEscalationSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req) => followUpCrisis(app.db, req.actor, req.params.id, req.params.crisisId, req.body))

  app.post('/:id/crisis-escalations/:crisisId/debrief', {
    config: { roles: ['nmno'], action: 'crisis-escalation.debrief' },
    schema: {
      description: 'The office records the Ambassador\'s self-care debrief after a crisis and whether a clinician was offered.',
      operationId: 'debriefCrisis', tags: ['crisis'],
      summary: 'The National M2M Network Office records the Ambassador’s self-care debrief after a crisis and whether a clinician was offered; the Ambassador sees it on the escalation and the debrief leaves their tasks (CRS-2)',
      params: CrisisParamsSchema, body: DebriefBodySchema,
      response: {
        200: Type.Object({
          id: Id,
          debrief: Type.Object({ status: StringEnum(['closed'] as const), debriefedOn: Type.String({ format: 'date', maxLength: 32 }), clinicianOffered: Type.Boolean() }, { additionalProperties: false }),
        }, { additionalProperties: false }),
        ...problems('not-found', 'invalid-transition'),
      },
    },
  }, async (req) => debriefCrisis(app.db, req.actor, req.params.id, req.params.crisisId, req.body))
}
export default crisisEscalations
