// Routes for /v1/engagement-terms: HTTP only. The acceptance is the manager's own:
// POST /v1/me/engagement-terms-acceptance (modules/me).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { problems } from '../../shared/schemas.ts'
import { EngagementTermsSchema } from './schemas.ts'
import { getCurrentTerms } from './service.ts'

const engagementTerms: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/current', {
    schema: {
      description: 'The current terms a manager accepts before their first request, in English and French, with their version and hash.',
      operationId: 'getCurrentEngagementTerms', tags: ['engagement-terms'],
      summary: 'The network’s current terms for managers, in English and French, with their hash: support, not counselling; decisions remain the manager’s; the manager keeps confidential what they learn',
      response: { 200: EngagementTermsSchema, ...problems() },
    },
  }, async () => getCurrentTerms(app.db))
}
export default engagementTerms
