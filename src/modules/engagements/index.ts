// Routes for /v1/engagements: HTTP only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParamsSchema, Page, problems } from '../../shared/schemas.ts'
import { CloseBodySchema, DeclineBodySchema, TransferBodySchema, EmptyBodySchema, EngagementViewSchema, ListEngagementsQuerySchema, RequestEngagementBodySchema, StageBodySchema } from './schemas.ts'
import { acceptEngagement, changeStage, closeEngagementAs, extendEngagement, requireTransfer, transferTo, declineEngagement, getEngagement, listEngagements, requestEngagement, withdrawEngagement } from './service.ts'
import { personalSupportReferral } from './triage.ts'
import { noStore } from '../../shared/http.ts'

const engagements: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)

  app.post('', {
    config: { location: true, roles: ['manager'], action: 'engagement.create', etag: { kind: 'engagement', ifMatch: false } },
    schema: {
      operationId: 'requestEngagement', tags: ['engagements'],
      summary: 'A manager requests the Ambassador they picked (ENG-1, ENG-2)',
      body: RequestEngagementBodySchema,
      response: { 201: EngagementViewSchema, ...problems('ambassador-unavailable', 'conflict-of-interest', 'self-engagement', 'duplicate-engagement', 'personal-support-referral', 'idempotency-key-reused', 'idempotency-in-progress') },
    },
  }, async (req, reply) => {
    if (!req.body.aboutMyEmployee) throw await personalSupportReferral(app.db)
    const view = await requestEngagement(app.db, req.actor, req.body)
    return reply.code(201).header('location', `/v1/engagements/${view.id}`).send(view)
  })

  app.get('', {
    config: { roles: ['manager', 'nmno'] },
    schema: {
      operationId: 'listEngagements', tags: ['engagements'],
      summary: 'A manager’s own engagements; an Ambassador’s assigned ones (as=ambassador); nmno’s de-identified list (ENG-10)',
      querystring: ListEngagementsQuerySchema,
      response: { 200: Page(EngagementViewSchema), ...problems('invalid-cursor') },
    },
  }, async (req) => listEngagements(app.db, req.actor, req.query))

  app.get('/:id', {
    config: { roles: ['manager', 'nmno'], audit: { action: 'engagement.read', resourceType: 'engagement' }, etag: 'engagement' },
    schema: {
      operationId: 'getEngagement', tags: ['engagements'],
      summary: 'One engagement: the manager’s view, the assigned Ambassador’s view, or nmno’s de-identified view; 404 for everyone else',
      params: IdParamsSchema, response: { 200: EngagementViewSchema, ...problems('not-found') },
    },
  }, async (req) => getEngagement(app.db, req.actor, req.params.id))

  app.post('/:id/accept', {
    config: { roles: ['manager'], action: 'engagement.accept', etag: 'engagement' },
    schema: {
      operationId: 'acceptEngagement', tags: ['engagements'], summary: 'The assigned Ambassador accepts the request (ENG-3)',
      params: IdParamsSchema, body: EmptyBodySchema, response: { 200: EngagementViewSchema, ...problems('not-found', 'invalid-transition', 'request-expired', 'conflict-of-interest') },
    },
  }, async (req) => acceptEngagement(app.db, req.actor, req.params.id, req.headers['if-match']))

  app.post('/:id/decline', {
    config: { roles: ['manager'], action: 'engagement.decline', etag: 'engagement' },
    schema: {
      operationId: 'declineEngagement', tags: ['engagements'], summary: 'The assigned Ambassador declines with a reason code the manager never sees (ENG-3)',
      params: IdParamsSchema, body: DeclineBodySchema, response: { 200: EngagementViewSchema, ...problems('not-found', 'invalid-transition', 'request-expired') },
    },
  }, async (req) => declineEngagement(app.db, req.actor, req.params.id, req.body.reason, req.headers['if-match']))

  app.post('/:id/withdraw', {
    config: { roles: ['manager'], action: 'engagement.withdraw', etag: 'engagement' },
    schema: {
      operationId: 'withdrawEngagement', tags: ['engagements'], summary: 'The manager withdraws before the first meeting (ENG-3)',
      params: IdParamsSchema, body: EmptyBodySchema, response: { 200: EngagementViewSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req) => withdrawEngagement(app.db, req.actor, req.params.id, req.headers['if-match']))

  app.patch('/:id', {
    config: { roles: ['manager'], action: 'engagement.set-stage', etag: 'engagement' },
    schema: {
      operationId: 'setEngagementStage', tags: ['engagements'], summary: 'The assigned Ambassador moves to a later stage (ENG-4)',
      params: IdParamsSchema, body: StageBodySchema, response: { 200: EngagementViewSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req) => changeStage(app.db, req.actor, req.params.id, req.body.stage, req.headers['if-match']))

  app.post('/:id/extend', {
    config: { roles: ['manager'], action: 'engagement.extend', etag: 'engagement' },
    schema: {
      operationId: 'extendEngagement', tags: ['engagements'],
      summary: 'Beyond the two initial meetings: the assigned Ambassador proposes, then the manager agrees (ENG-5)',
      params: IdParamsSchema, body: EmptyBodySchema, response: { 200: EngagementViewSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req) => extendEngagement(app.db, req.actor, req.params.id, req.headers['if-match']))

  app.post('/:id/close', {
    config: { roles: ['manager'], action: 'engagement.close', etag: 'engagement' },
    schema: {
      operationId: 'closeEngagement', tags: ['engagements'],
      summary: 'Close with an outcome after at least one held meeting; the manager receives a single-use survey token (ENG-8)',
      params: IdParamsSchema, body: CloseBodySchema, response: { 200: EngagementViewSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req) => closeEngagementAs(app.db, req.actor, req.params.id, req.body.outcome, req.headers['if-match']))

  app.post('/:id/transfer', {
    config: { location: true, roles: ['manager'], action: 'engagement.transfer', alsoAuthorizes: ['engagement.require-transfer'], etag: 'engagement' },
    schema: {
      operationId: 'transferEngagement', tags: ['engagements'],
      summary: 'The assigned Ambassador asks for a transfer ({}); the manager picks the new Ambassador, every request check runs again (ENG-9)',
      params: IdParamsSchema, body: TransferBodySchema,
      response: { 200: EngagementViewSchema, 201: EngagementViewSchema, ...problems('not-found', 'invalid-transition', 'ambassador-unavailable', 'conflict-of-interest', 'self-engagement', 'duplicate-engagement') },
    },
  }, async (req, reply) => {
    if (req.body.ambassadorId) {
      const view = await transferTo(app.db, req.actor, req.params.id, req.body.ambassadorId, req.body.carryOverGoalsAndReferrals ?? false, req.headers['if-match'])
      return reply.code(201).header('location', `/v1/engagements/${view.id}`).send(view)
    }
    return requireTransfer(app.db, req.actor, req.params.id, req.headers['if-match'])
  })
}
export default engagements
