// Shapes of webhook subscriptions and deliveries on the wire (#16 part 3). Every string bounded.
import { Type, type Static } from 'typebox'
import { Id, PaginationQuery, StringEnum, Timestamp, DateOnly } from '../../shared/schemas.ts'

/**
 * The kinds of notification a principal gets (their own inbox), which a subscription may name; '*'
 * is every kind, those added later included. The office's inbox (audience nmno) is never sent.
 */
export const PRINCIPAL_NOTIFICATION_KINDS = [
  'engagement_requested', 'engagement_accepted', 'engagement_declined', 'engagement_expired', 'engagement_closed',
  'extension_proposed', 'transfer_required', 'urgent_request_reminder', 'urgent_request_unanswered', 'request_reminder',
  'meeting_tomorrow', 'follow_up_due', 'survey_reminder', 'consent_awaiting_manager', 'consent_granted', 'consent_withdrawn',
  'guidelines_updated', 'governance_recommendation', 'revocation_case_opened', 'revocation_case_decided', 'ambassador_reinstated',
  'concern_updated', 'concern_message', 'request_moved', 'request_not_placed', 'waitlist_offer', 'waitlist_offer_lapsed',
] as const
export const WEBHOOK_EVENTS = [...PRINCIPAL_NOTIFICATION_KINDS, '*'] as const
export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead'] as const
export const URL_MAX = 2048

export const CreateWebhookBodySchema = Type.Object({
  url: Type.String({ format: 'uri', minLength: 8, maxLength: URL_MAX, description: 'The receiver: https (http outside production only), no credentials, no fragment' }),
  events: Type.Array(StringEnum(WEBHOOK_EVENTS), { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true, description: 'Notification kinds to receive, or "*" for all' }),
}, { additionalProperties: false })
export type CreateWebhookBody = Static<typeof CreateWebhookBodySchema>

const webhookProperties = {
  id: Id,
  url: Type.String({ maxLength: URL_MAX }),
  events: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 }),
  createdAt: Timestamp,
}
export const WebhookSchema = Type.Object(webhookProperties, { additionalProperties: false })
export const CreatedWebhookSchema = Type.Object({
  ...webhookProperties,
  secret: Type.String({ maxLength: 128, pattern: '^whsec_[A-Za-z0-9+/=]+$', description: 'The signing secret (Standard Webhooks `whsec_…`): shown in this answer only, never again' }),
}, { additionalProperties: false })

export const ListDeliveriesQuerySchema = Type.Object({
  status: Type.Optional(StringEnum(DELIVERY_STATUSES)),
  ...PaginationQuery,
}, { additionalProperties: false })
export type ListDeliveriesQuery = Static<typeof ListDeliveriesQuerySchema>

/**
 * A delivery as nmno and the subscription's owner see it: no recipient, ever. nmno sees dates only
 * (CONF-2: nothing it reads lines up with the moment a principal was notified) and no notification
 * id; the iservice client that owns the subscription also sees the notification id and the times
 * (they are in the payloads it receives).
 */
export const DeliverySchema = Type.Object({
  id: Id,
  subscriptionId: Id,
  kind: Type.String({ maxLength: 64 }),
  status: StringEnum(DELIVERY_STATUSES),
  attempts: Type.Integer({ minimum: 0, maximum: 1000 }),
  lastStatusCode: Type.Union([Type.Integer({ minimum: 100, maximum: 599 }), Type.Null()]),
  lastError: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
  createdOn: DateOnly,
  notificationId: Type.Optional(Id),
  createdAt: Type.Optional(Timestamp),
  nextAttemptAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
  deliveredAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
}, { additionalProperties: false })
export type Delivery = Static<typeof DeliverySchema>
