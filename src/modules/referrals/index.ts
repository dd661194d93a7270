// Routes for /v1/engagements/{id}/referrals (ENG-7): HTTP only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { noStore } from '../../shared/http.ts'
import { IdParamsSchema, Page, PageQuerySchema, problems } from '../../shared/schemas.ts'
import { CreateReferralBodySchema, UpdateReferralBodySchema, ReferralSchema, ReferralParamsSchema } from './schemas.ts'
import { createReferral, changeReferral, listReferrals, getReferral } from './service.ts'

const referrals: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)
  app.post('/:id/referrals', {
    config: { roles: ['manager'], action: 'referral.create', etag: { kind: 'referral', ifMatch: false } },
    schema: {
      description: 'The assigned Ambassador refers the manager to a resource of the catalogue; a follow-up is due (14 days by default) and appears in the Ambassador\'s tasks.',
      operationId: 'createReferral', tags: ['engagements'], summary: 'The assigned Ambassador refers to a catalogue resource (ENG-7)',
      params: IdParamsSchema, body: CreateReferralBodySchema, response: { 201: ReferralSchema, ...problems('not-found', 'invalid-transition', 'rule-violated', 'limit-reached') },
    },
  }, async (req, reply) => reply.code(201).send(await createReferral(app.db, req.actor, req.params.id, req.body)))

  app.get('/:id/referrals', {
    config: { roles: ['manager'], audit: { action: 'referral.list', resourceType: 'referral' } },
    schema: {
      description: 'One page of the engagement\'s referrals, for its manager and its assigned Ambassador; 404 for anyone else.',
      operationId: 'listReferrals', tags: ['engagements'], summary: 'The engagement’s referrals (manager and assigned Ambassador only)',
      params: IdParamsSchema, querystring: PageQuerySchema, response: { 200: Page(ReferralSchema), ...problems('not-found', 'invalid-cursor') },
    },
  }, async (req) => listReferrals(app.db, req.actor, req.params.id, req.query))

  app.get('/:id/referrals/:referralId', {
    config: { roles: ['manager'], audit: { action: 'referral.read', resourceType: 'referral', resourceParam: 'referralId' }, etag: 'referral' },
    schema: {
      description: 'One referral with its ETag; 404 for anyone but the manager and the assigned Ambassador.',
      operationId: 'getReferral', tags: ['engagements'], summary: 'One referral, with its ETag (manager and assigned Ambassador only)',
      params: ReferralParamsSchema, response: { 200: ReferralSchema, ...problems('not-found') },
    },
  }, async (req) => getReferral(app.db, req.actor, req.params.id, req.params.referralId))

  app.patch('/:id/referrals/:referralId', {
    config: { roles: ['manager'], action: 'referral.update', etag: 'referral' },
    schema: {
      description: 'The assigned Ambassador records the follow-up of a referral (or moves its due date).',
      operationId: 'updateReferral', tags: ['engagements'], summary: 'The assigned Ambassador records the follow-up (ENG-7)',
      params: ReferralParamsSchema, body: UpdateReferralBodySchema, response: { 200: ReferralSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req) => changeReferral(app.db, req.actor, req.params.id, req.params.referralId, req.body, req.headers['if-match']))
}
export default referrals
