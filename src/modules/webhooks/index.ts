// Routes for /v1/webhooks (#16 part 3): HTTP only. Subscriptions of the office (nmno) and of the
// intranet service client (iservice); every other role is refused (403). Never cached.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Config } from '../../config.ts'
import { noStore } from '../../shared/http.ts'
import { IdParamsSchema, Page, PageQuerySchema, problems } from '../../shared/schemas.ts'
import { CreateWebhookBodySchema, CreatedWebhookSchema, DeliverySchema, ListDeliveriesQuerySchema, WebhookSchema } from './schemas.ts'
import { createWebhook, listWebhookDeliveries, listWebhooks, removeWebhook } from './service.ts'

const ROLES = ['nmno', 'iservice'] as const

const webhooks: FastifyPluginAsyncTypebox<{ config: Readonly<Config> }> = async (app, opts) => {
  app.addHook('onSend', noStore)

  app.post('', {
    config: { roles: ROLES, action: 'webhook.create' },
    schema: {
      operationId: 'createWebhook', tags: ['webhooks'],
      summary: 'Subscribe a receiver to the principals’ notifications (nmno, iservice); the answer shows the signing secret once',
      description: 'Each notification a principal gets (their own inbox; the office inbox is never sent) is POSTed to the receiver, signed per the Standard Webhooks specification (`webhook-id`, `webhook-timestamp`, `webhook-signature`), as `{type, timestamp, data: {recipient, notificationId, kind}}`: never the other party, a goal, a reason or a text. Delivered at least once from a transactional outbox, retried with exponential backoff; after WEBHOOK_MAX_ATTEMPTS the delivery is `dead` (GET /v1/webhooks/deliveries?status=dead). The `secret` (`whsec_…`) is in this answer only: it cannot be read again. `http://` receivers are refused in production.',
      body: CreateWebhookBodySchema,
      response: { 201: CreatedWebhookSchema, ...problems('limit-reached', 'payload-too-large', 'unsupported-media-type') },
    },
  }, async (req, reply) => {
    const view = await createWebhook(app.db, req.actor, req.body, opts.config.env)
    return reply.code(201).header('location', `/v1/webhooks/${view.id}`).send(view)
  })

  app.get('', {
    config: { roles: ROLES },
    schema: {
      operationId: 'listWebhooks', tags: ['webhooks'],
      summary: 'The webhook subscriptions (nmno: all; iservice: its own), never their secrets',
      description: 'Oldest first. The signing secret is never part of this answer.',
      querystring: PageQuerySchema,
      response: { 200: Page(WebhookSchema), ...problems('invalid-cursor') },
    },
  }, async (req) => listWebhooks(app.db, req.actor, req.query))

  app.get('/deliveries', {
    config: { roles: ROLES },
    schema: {
      operationId: 'listWebhookDeliveries', tags: ['webhooks'],
      summary: 'The outbox’s deliveries, e.g. the dead letters (`status=dead`); never a recipient',
      description: 'nmno sees every delivery with its dates only and no notification id (CONF-2); the iservice client sees the deliveries of its own subscriptions with their notification ids and times. No delivery names its recipient.',
      querystring: ListDeliveriesQuerySchema,
      response: { 200: Page(DeliverySchema), ...problems('invalid-cursor') },
    },
  }, async (req) => listWebhookDeliveries(app.db, req.actor, req.query))

  app.delete('/:id', {
    config: { roles: ROLES, action: 'webhook.delete' },
    schema: {
      operationId: 'deleteWebhook', tags: ['webhooks'],
      summary: 'Remove a subscription (nmno: any; iservice: its own); its undelivered messages are dropped',
      description: 'A subscription the caller may not see is a 404.',
      params: IdParamsSchema,
      response: { 204: { description: 'Removed', type: 'null' }, ...problems('not-found') },
    },
  }, async (req, reply) => {
    await removeWebhook(app.db, req.actor, req.params.id)
    return reply.code(204).send(null)
  })
}
export default webhooks
