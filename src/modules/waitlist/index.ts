// Routes for /v1/waitlist (#16 item 2): HTTP only; the service decides. Identified data: never cached.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Config } from '../../config.ts'
import { noStore } from '../../shared/http.ts'
import { IdParamsSchema, problems } from '../../shared/schemas.ts'
import { EngagementViewSchema } from '../engagements/schemas.ts'
import { personalSupportReferral } from '../engagements/triage.ts'
import { AcceptOfferBodySchema, DemandSchema, JoinWaitlistBodySchema, WaitlistEntrySchema, WaitlistPageSchema } from './schemas.ts'
import { acceptOffer, joinWaitlist, listWaitlist, waitlistDemand, withdrawFromWaitlist } from './service.ts'

const waitlist: FastifyPluginAsyncTypebox<{ config: Readonly<Config> }> = async (app, { config }) => {
  app.addHook('onSend', noStore)

  app.post('', {
    config: { roles: ['manager'], action: 'waitlist.join' },
    schema: {
      operationId: 'joinWaitlist', tags: ['waitlist'],
      summary: 'Join the waitlist when no fitting Ambassador has room (#16)',
      description: 'Managers only, once (409 already-exists), and only when no active, in-term Ambassador who fits (language, one of the modes, one of the topics) and could be paired with you has room now (409 ambassador-available: request them instead). '
        + 'When a fitting slot opens, the first waiting manager (urgent entries first, then first come) is offered it for 48 hours (a `waitlist_offer` notification); the Ambassador learns nothing until you accept.',
      body: JoinWaitlistBodySchema,
      response: { 201: WaitlistEntrySchema, ...problems('already-exists', 'ambassador-available', 'personal-support-referral', 'payload-too-large', 'unsupported-media-type', 'idempotency-key-reused', 'idempotency-in-progress') },
    },
  }, async (req, reply) => {
    if (!req.body.aboutMyEmployee) throw await personalSupportReferral(app.db)
    const view = await joinWaitlist(app.db, req.actor, req.body)
    return reply.code(201).header('location', `/v1/waitlist/${view.id}`).send(view)
  })

  app.get('', {
    config: { roles: ['manager'] },
    schema: {
      operationId: 'listWaitlist', tags: ['waitlist'],
      summary: 'Your own waitlist entry, with the offer it holds (#16)',
      description: 'Managers only: the caller’s own live entry (at most one); an entry that ended (accepted, withdrawn, lapsed) is gone.',
      response: { 200: WaitlistPageSchema, ...problems() },
    },
  }, async (req) => listWaitlist(app.db, req.actor))

  app.get('/demand', {
    config: { roles: ['nmno', 'governance'] },
    schema: {
      operationId: 'getWaitlistDemand', tags: ['waitlist'],
      summary: 'Unmet demand: managers waiting now, by language and topic, counts only (#16)',
      description: 'nmno and governance. Counts only, perturbed by cell key and suppressed below STATS_MIN_CELL (with complementary suppression), as the statistics; no entry, manager or date. Monthly joins: GET /v1/stats/waitlist.',
      response: { 200: DemandSchema, ...problems() },
    },
  }, async () => waitlistDemand(app.db, config.statsMinCell))

  app.delete('/:id', {
    config: { roles: ['manager'], action: 'waitlist.withdraw' },
    schema: {
      operationId: 'withdrawFromWaitlist', tags: ['waitlist'],
      summary: 'Withdraw your waitlist entry (#16)',
      description: 'Your own entry only (404 otherwise). A slot its offer held is offered to the next waiting manager it fits.',
      params: IdParamsSchema,
      response: { 204: { description: 'Withdrawn', type: 'null' }, ...problems('not-found') },
    },
  }, async (req, reply) => {
    await withdrawFromWaitlist(app.db, req.actor, req.params.id)
    return reply.code(204).send(null)
  })

  app.post('/:id/accept-offer', {
    config: { roles: ['manager'], action: 'engagement.accept-offer', etag: { kind: 'engagement', ifMatch: false } },
    schema: {
      operationId: 'acceptWaitlistOffer', tags: ['waitlist'],
      summary: 'Accept the slot offered on your waitlist entry: the request is made (#16)',
      description: 'Your own entry only (404 otherwise), while its offer runs (409 invalid-transition otherwise). Every request rule runs again (ENG-2: the Ambassador still active and in term, no conflict of interest, not yourself, no open engagement with them); the slot the offer held is yours. The entry ends; the answer is the new engagement.',
      params: IdParamsSchema, body: AcceptOfferBodySchema,
      response: { 201: EngagementViewSchema, ...problems('not-found', 'invalid-transition', 'ambassador-unavailable', 'conflict-of-interest', 'self-engagement', 'duplicate-engagement', 'terms-not-accepted', 'idempotency-key-reused', 'idempotency-in-progress') },
    },
  }, async (req, reply) => {
    const view = await acceptOffer(app.db, req.actor, req.params.id)
    return reply.code(201).header('location', `/v1/engagements/${view.id}`).send(view)
  })
}
export default waitlist
