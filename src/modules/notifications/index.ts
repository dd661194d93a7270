// The National M2M Network Office inbox (shared by the office: every nmno principal sees it all).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParamsSchema, Page, problems } from '../../shared/schemas.ts'
import { ListNmnoNotificationsQuerySchema, OfficeNotificationSchema, ResolveNotificationBodySchema } from './schemas.ts'
import { getOfficeNotification, listOfficeInbox, resolveNotification } from './service.ts'

const notifications: FastifyPluginAsyncTypebox = async (app) => {

  app.get('', {
    config: { roles: ['nmno'] },
    schema: {
      description: 'One page of the National M2M Network Office\'s inbox, newest first: de-identified facts and dates, never a time or a manager.',
      operationId: 'listOfficeNotifications', tags: ['notifications'], summary: 'The office inbox (nmno), newest first; dates only, never times (CONF-2)',
      querystring: ListNmnoNotificationsQuerySchema,
      response: { 200: Page(OfficeNotificationSchema), ...problems('invalid-cursor') },
    },
  }, async (req, reply) => {
    reply.header('cache-control', 'no-store')
    return listOfficeInbox(app.db, req.query)
  })

  app.get('/:id', {
    config: { roles: ['nmno'], etag: 'notification' },
    schema: {
      description: 'One notification of the office inbox with its ETag, de-identified as in the list.',
      operationId: 'getOfficeNotification', tags: ['notifications'], summary: 'One notification of the office inbox (nmno), with its ETag; dates only (CONF-2)',
      params: IdParamsSchema, response: { 200: OfficeNotificationSchema, ...problems('not-found') },
    },
  }, async (req, reply) => {
    reply.header('cache-control', 'no-store')
    return getOfficeNotification(app.db, req.params.id)
  })

  app.post('/:id/resolve', {
    config: { roles: ['nmno'], action: 'notification.resolve', etag: 'notification' },
    schema: {
      description: 'nmno marks an office notification resolved; resolving it again changes nothing. A crisis debrief is resolved with the decision on offering a clinician.',
      operationId: 'resolveNotification', tags: ['notifications'],
      summary: 'Mark an office notification resolved (nmno); a crisis_debrief is closed with {clinicianOffered} (CRS-2)',
      params: IdParamsSchema, body: ResolveNotificationBodySchema,
      response: { 200: OfficeNotificationSchema, ...problems('not-found', 'rule-violated') },
    },
  }, async (req, reply) => {
    reply.header('cache-control', 'no-store')
    return resolveNotification(app.db, req.actor, req.params.id, req.body, req.headers['if-match'])
  })
}
export default notifications
