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
      description: 'Creates a request to the Ambassador the manager picked; the Ambassador is notified and has until `expiresAt` to accept or decline. The manager must have accepted the current engagement terms first. Refused, with nothing created, when the Ambassador is not active or has no room (`ambassador-unavailable`), is in conflict with the caller (`conflict-of-interest`), is the caller, or already has an open engagement with them.',
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
      description: 'One page of engagements, newest first: a manager\'s own requests, an Ambassador\'s assigned ones (`as=ambassador`), or nmno\'s de-identified list with `transferRequired` and `followUpOverdue` filters.',
      operationId: 'listEngagements', tags: ['engagements'],
      summary: 'A manager’s own engagements; an Ambassador’s assigned ones (as=ambassador); nmno’s de-identified list (ENG-10)',
      querystring: ListEngagementsQuerySchema,
      response: { 200: Page(EngagementViewSchema), ...problems('invalid-cursor') },
    },
  }, async (req) => listEngagements(app.db, req.actor, req.query))

  app.get('/:id', {
    config: { roles: ['manager', 'nmno'], audit: { action: 'engagement.read', resourceType: 'engagement' }, etag: 'engagement' },
    schema: {
      description: 'The engagement as the caller may see it (`view`: manager, ambassador or nmno de-identified), with its ETag for If-Match on the writes that follow. Anyone else gets 404, as if it did not exist.',
      operationId: 'getEngagement', tags: ['engagements'],
      summary: 'One engagement: the manager’s view, the assigned Ambassador’s view, or nmno’s de-identified view; 404 for everyone else',
      params: IdParamsSchema, response: { 200: EngagementViewSchema, ...problems('not-found') },
    },
  }, async (req) => getEngagement(app.db, req.actor, req.params.id))

  app.post('/:id/accept', {
    config: { roles: ['manager'], action: 'engagement.accept', etag: 'engagement' },
    schema: {
      description: 'The assigned Ambassador accepts a pending request; the manager is notified. Send the ETag read from GET /v1/engagements/{id} as If-Match.',
      operationId: 'acceptEngagement', tags: ['engagements'], summary: 'The assigned Ambassador accepts the request (ENG-3)',
      params: IdParamsSchema, body: EmptyBodySchema, response: { 200: EngagementViewSchema, ...problems('not-found', 'invalid-transition', 'request-expired', 'conflict-of-interest') },
    },
  }, async (req) => acceptEngagement(app.db, req.actor, req.params.id, req.headers['if-match']))

  app.post('/:id/decline', {
    config: { roles: ['manager'], action: 'engagement.decline', etag: 'engagement' },
    schema: {
      description: 'The assigned Ambassador declines a pending request with a reason code; the manager is told only that it was declined, never the reason.',
      operationId: 'declineEngagement', tags: ['engagements'], summary: 'The assigned Ambassador declines with a reason code the manager never sees (ENG-3)',
      params: IdParamsSchema, body: DeclineBodySchema, response: { 200: EngagementViewSchema, ...problems('not-found', 'invalid-transition', 'request-expired') },
    },
  }, async (req) => declineEngagement(app.db, req.actor, req.params.id, req.body.reason, req.headers['if-match']))

  app.post('/:id/withdraw', {
    config: { roles: ['manager'], action: 'engagement.withdraw', etag: 'engagement' },
    schema: {
      description: 'The manager withdraws their request or engagement before the first meeting is held.',
      operationId: 'withdrawEngagement', tags: ['engagements'], summary: 'The manager withdraws before the first meeting (ENG-3)',
      params: IdParamsSchema, body: EmptyBodySchema, response: { 200: EngagementViewSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req) => withdrawEngagement(app.db, req.actor, req.params.id, req.headers['if-match']))

  app.patch('/:id', {
    config: { roles: ['manager'], action: 'engagement.set-stage', etag: 'engagement' },
    schema: {
      description: 'The assigned Ambassador moves the engagement to a later stage of the relationship; stages only go forward.',
      operationId: 'setEngagementStage', tags: ['engagements'], summary: 'The assigned Ambassador moves to a later stage (ENG-4)',
      params: IdParamsSchema, body: StageBodySchema, response: { 200: EngagementViewSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req) => changeStage(app.db, req.actor, req.params.id, req.body.stage, req.headers['if-match']))

  app.post('/:id/extend', {
    config: { roles: ['manager'], action: 'engagement.extend', etag: 'engagement' },
    schema: {
      description: 'Beyond the two initial meetings: the assigned Ambassador proposes an extension, then the manager agrees to it with the same call.',
      operationId: 'extendEngagement', tags: ['engagements'],
      summary: 'Beyond the two initial meetings: the assigned Ambassador proposes, then the manager agrees (ENG-5)',
      params: IdParamsSchema, body: EmptyBodySchema, response: { 200: EngagementViewSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req) => extendEngagement(app.db, req.actor, req.params.id, req.headers['if-match']))

  app.post('/:id/close', {
    config: { roles: ['manager'], action: 'engagement.close', etag: 'engagement' },
    schema: {
      description: 'Either side closes the engagement with an outcome, once at least one meeting was held (before that, the manager withdraws); the manager\'s answer carries a single-use `surveyToken` for the anonymous survey.',
      operationId: 'closeEngagement', tags: ['engagements'],
      summary: 'Close with an outcome after at least one held meeting; the manager receives a single-use survey token (ENG-8)',
      params: IdParamsSchema, body: CloseBodySchema, response: { 200: EngagementViewSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req) => closeEngagementAs(app.db, req.actor, req.params.id, req.body.outcome, req.headers['if-match']))

  app.post('/:id/transfer', {
    config: { location: true, roles: ['manager'], action: 'engagement.transfer', alsoAuthorizes: ['engagement.require-transfer'], etag: 'engagement' },
    schema: {
      description: 'With `{}`, the assigned Ambassador asks for a transfer (the manager is notified); with `ambassadorId`, the manager picks the new Ambassador: a new request (201, Location) with every request check run again.',
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
