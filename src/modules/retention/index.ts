// DELETE /v1/engagements/{id} (RET-2), registered by the engagements route plugin.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { noStore } from '../../shared/http.ts'
import { Type } from 'typebox'
import { IdParamsSchema, problems } from '../../shared/schemas.ts'
import { purgeOwnEngagement } from './service.ts'

export const engagementPurgeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)
  app.delete('/:id', {
    config: { roles: ['manager'], action: 'engagement.purge', etag: 'engagement' },
    schema: {
      description: 'The manager has their ended engagement purged at once: its identifying content is deleted; de-identified statistics and id-only audit events remain.',
      operationId: 'purgeEngagement', tags: ['engagements', 'retention'],
      summary: 'The manager has their ended engagement purged at once: meetings, goals, referrals, consents, disclosures, crisis records and their identity go; de-identified statistics and id-only audit events remain (RET-2)',
      params: IdParamsSchema,
      response: { 204: Type.Null({ description: 'Purged' }), ...problems('not-found', 'engagement-open') },
    },
  }, async (req, reply) => {
    await purgeOwnEngagement(app.db, req.actor, req.params.id, req.headers['if-match'])
    return reply.code(204).send(null)
  })
}
