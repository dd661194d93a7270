// Routes for /v1/engagements/{id}/disclosures (CNS-2, CNS-3): HTTP only.
import { IdParamsSchema, Page, PageQuerySchema, problems } from '../../shared/schemas.ts'
import { DisclosureSchema, RecordDisclosureBodySchema } from './schemas.ts'
import { disclosuresOf, recordDisclosure } from './service.ts'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { noStore } from '../../shared/http.ts'

const disclosures: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)
  app.post('/:id/disclosures', {
    config: { roles: ['manager'], action: 'disclosure.create' },
    schema: {
      description: 'The assigned Ambassador records information released or received: covered by an active consent, or under one of the three confidentiality exceptions with a justification (never shown to nmno). Refused with `consent-required` or `justification-required` otherwise.',
      operationId: 'recordDisclosure', tags: ['consents'],
      summary: 'The assigned Ambassador records a release or receipt of information: under an active covering consent, or one of the three confidentiality exceptions with a justification (CNS-2, CNS-3)',
      params: IdParamsSchema, body: RecordDisclosureBodySchema,
      response: { 201: DisclosureSchema, ...problems('not-found', 'invalid-transition', 'consent-required', 'justification-required', 'rule-violated', 'limit-reached') },
    },
  }, async (req, reply) => reply.code(201).send(await recordDisclosure(app.db, req.actor, req.params.id, req.body)))

  app.get('/:id/disclosures', {
    config: { roles: ['manager'], audit: { action: 'disclosure.list', resourceType: 'disclosure' } },
    schema: {
      description: 'One page of the engagement\'s disclosures, for its manager and its assigned Ambassador; 404 for anyone else.',
      operationId: 'listDisclosures', tags: ['consents'], summary: 'The engagement’s disclosures (manager and assigned Ambassador only)',
      params: IdParamsSchema, querystring: PageQuerySchema, response: { 200: Page(DisclosureSchema), ...problems('not-found', 'invalid-cursor') },
    },
  }, async (req) => disclosuresOf(app.db, req.actor, req.params.id, req.query))
}
export default disclosures
