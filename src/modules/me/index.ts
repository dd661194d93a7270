// The caller: identity (GET /v1/me), tasks, own inbox, acceptance of the Guidelines of Conduct.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ROLES, actingAmbassadorId } from '../../policy/actor.ts'
import { Id, IdParamsSchema, List, Page, PrincipalRef, Str, StringEnum, Timestamp, problems } from '../../shared/schemas.ts'
import { AcceptGuidelinesBodySchema, AcceptanceSchema } from '../conduct-guidelines/schemas.ts'
import { acceptGuidelines } from '../conduct-guidelines/service.ts'
import { ListOwnNotificationsQuerySchema, NotificationSchema } from '../notifications/schemas.ts'
import { getOwnNotification, listOwnInbox, readOwnNotification } from '../notifications/service.ts'
import { ownApplication, tasksFor } from './service.ts'
import { AcceptEngagementTermsBodySchema, EngagementTermsAcceptanceSchema } from '../engagement-terms/schemas.ts'
import { acceptEngagementTerms } from '../engagement-terms/service.ts'
import { noStore } from '../../shared/http.ts'
import type { Config } from '../../config.ts'

const MeSchema = Type.Object({
  sub: PrincipalRef,
  roles: List(StringEnum(ROLES), ROLES.length),
  ambassadorId: Type.Union([Id, Type.Null()], { description: 'Set while the caller acts as an active, in-term Ambassador (AUTH-1)' }),
  application: Type.Union([Type.Object({ id: Id, status: Str(64) }, { additionalProperties: false }), Type.Null()], { description: 'The caller’s own Ambassador record, in any state' }),
}, { additionalProperties: false })

const TaskSchema = Type.Object({
  kind: Type.String({ maxLength: 64, description: 'accept_guidelines, confirm_intention, answer_request, follow_up_referral, goal_review (both participants: an open goal whose reviewOn has come), workload_review (the Ambassador’s M2M time this month passed AMBASSADOR_HOURS_PER_MONTH), professional_development (no session attended in 12 months), renewal (the term ends within 60 days), waitlist_offer (a manager: a slot offered on their waitlist entry, due when the offer runs out, #16); for nmno: self_care_contact, professional_development, renewal, workload_reviews (a count); …; conflict_review (COI-4): an open engagement of the Ambassador is now in conflict: decline it (data.next = decline) or ask for a transfer (data.next = request_transfer)' }),
  subjectType: Str(64),
  subjectId: Type.Union([Str(128), Type.Null()]),
  urgent: Type.Boolean(),
  dueAt: Type.Union([Timestamp, Type.Null()]),
  data: Type.Record(Type.String(), Type.Unknown()),
}, { additionalProperties: false })

const me: FastifyPluginAsyncTypebox<{ config: Readonly<Config> }> = async (app, { config }) => {
  app.addHook('onSend', noStore)

  app.get('', {
    schema: { description: 'Who the token says the caller is (`sub`, roles) and, when they are an Ambassador, the record they act as: iService\'s first call after sign-in.', operationId: 'getMe', tags: ['me'], summary: 'Who the caller is: sub, roles, and the Ambassador record they act as', response: { 200: MeSchema, ...problems() } },
  }, async (req) => {
    const [ambassadorId, application] = await Promise.all([actingAmbassadorId(app.db, req.actor), ownApplication(app.db, req.actor)])
    return { sub: req.actor.sub, roles: [...req.actor.roles], ambassadorId: ambassadorId ?? null, application }
  })

  app.get('/tasks', {
    schema: { description: 'What the caller has to do now, most urgent first (requests to answer, follow-ups due, guidelines to accept…): at most a few hundred items, each naming its subject.', operationId: 'listMyTasks', tags: ['me'], summary: 'What the caller has to do, urgent first', response: { 200: Type.Object({ items: List(TaskSchema, 1000) }), ...problems() } },
  }, async (req) => ({ items: await tasksFor(app.db, req.actor, config) }))

  app.get('/notifications', {
    schema: {
      description: 'One page of the caller\'s own notifications, newest first (`unread=true` for the unread ones). A notification names its kind and subject, never the other party\'s text.',
      operationId: 'listMyNotifications', tags: ['me'], summary: 'The caller’s own inbox, newest first',
      querystring: ListOwnNotificationsQuerySchema, response: { 200: Page(NotificationSchema), ...problems('invalid-cursor') },
    },
  }, async (req) => listOwnInbox(app.db, req.actor, req.query))

  app.get('/notifications/:id', {
    config: { etag: 'notification' },
    schema: {
      description: 'One of the caller\'s own notifications, with its ETag; 404 for anyone else\'s.',
      operationId: 'getMyNotification', tags: ['me'], summary: 'One notification of the caller’s own inbox, with its ETag',
      params: IdParamsSchema, response: { 200: NotificationSchema, ...problems('not-found') },
    },
  }, async (req) => getOwnNotification(app.db, req.actor, req.params.id))

  app.post('/notifications/:id/read', {
    config: { action: 'notification.read-own', etag: 'notification' },
    schema: {
      description: 'Marks one of the caller\'s own notifications read; marking it again keeps the first read time.',
      operationId: 'markMyNotificationRead', tags: ['me'], summary: 'Mark one of the caller’s notifications read',
      params: IdParamsSchema, response: { 200: NotificationSchema, ...problems('not-found') },
    },
  }, async (req) => readOwnNotification(app.db, req.actor, req.params.id, req.headers['if-match']))

  app.post('/guidelines-acceptance', {
    config: { roles: ['manager'], action: 'guidelines.accept' },
    schema: {
      description: 'An active Ambassador accepts the current Guidelines of Conduct (send the version read).',
      operationId: 'acceptConductGuidelines', tags: ['me'], summary: 'An active Ambassador accepts the current Guidelines of Conduct (AMB-10)',
      body: AcceptGuidelinesBodySchema, response: { 201: AcceptanceSchema, ...problems('not-found', 'rule-violated') },
    },
  }, async (req, reply) => reply.code(201).send(await acceptGuidelines(app.db, req.actor, req.body.version)))

  app.post('/engagement-terms-acceptance', {
    config: { roles: ['manager'], action: 'engagement-terms.accept' },
    schema: {
      description: 'Records that the manager accepted the current version of the network\'s terms (send the `version` read from GET /v1/engagement-terms/current): needed once per version before a request.',
      operationId: 'acceptEngagementTerms', tags: ['me', 'engagement-terms'], summary: 'A manager accepts the current version of the network’s terms, needed before their first request under it',
      body: AcceptEngagementTermsBodySchema, response: { 201: EngagementTermsAcceptanceSchema, ...problems('rule-violated') },
    },
  }, async (req, reply) => reply.code(201).send(await acceptEngagementTerms(app.db, req.actor, req.body.version)))
}
export default me
