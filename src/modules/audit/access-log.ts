// GET /v1/engagements/{id}/access-log (AUD-3): the manager sees who read or changed their
// engagement, when, and what — registered by the engagements route plugin.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { noStore } from '../../shared/http.ts'
import { IdParamsSchema, Page, problems } from '../../shared/schemas.ts'
import { AccessLogEntrySchema, AccessLogQuerySchema } from './schemas.ts'
import { accessLog } from './service.ts'

export const accessLogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)
  app.get('/:id/access-log', {
    config: { roles: ['manager'] },
    schema: {
      description: 'The manager\'s view of who read or changed their engagement: the role, the Ambassador\'s name or the Office, when and what, newest first.',
      operationId: 'getEngagementAccessLog', tags: ['engagements', 'audit'],
      summary: 'The manager’s access log of their own engagement, newest first: who (role, Ambassador’s name or the Office), when, what (AUD-3)',
      params: IdParamsSchema, querystring: AccessLogQuerySchema,
      response: { 200: Page(AccessLogEntrySchema), ...problems('not-found', 'invalid-cursor') },
    },
  }, async (req) => accessLog(app.db, req.actor, req.params.id, req.query, req.lang))
}
