// Routes for /v1/engagements/{id}/meetings (ENG-5): HTTP only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AppError } from '../../errors/app-error.ts'
import { negotiateMediaType, noStore } from '../../shared/http.ts'
import { actingAmbassadorId } from '../../policy/actor.ts'
import { IdParamsSchema, Page, PageQuerySchema, problems } from '../../shared/schemas.ts'
import { MeetingSchema, CreateMeetingBodySchema, UpdateMeetingBodySchema, MeetingParamsSchema } from './schemas.ts'
import { scheduleMeeting, changeMeeting, listMeetings, getMeeting } from './service.ts'
import { meetingIcs } from './calendar.ts'

const meetings: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)
  app.post('/:id/meetings', {
    config: { roles: ['manager'], action: 'meeting.create', etag: { kind: 'meeting', ifMatch: false } },
    schema: {
      description: 'The manager or the assigned Ambassador schedules a meeting of their engagement (date, duration, mode).',
      operationId: 'scheduleMeeting', tags: ['engagements'], summary: 'Schedule a meeting (manager or assigned Ambassador; ENG-5)',
      params: IdParamsSchema, body: CreateMeetingBodySchema, response: { 201: MeetingSchema, ...problems('not-found', 'invalid-transition', 'extension-required', 'limit-reached') },
    },
  }, async (req, reply) => reply.code(201).send(await scheduleMeeting(app.db, req.actor, req.params.id, req.body)))

  app.get('/:id/meetings', {
    config: { roles: ['manager'], audit: { action: 'meeting.list', resourceType: 'meeting' } },
    schema: {
      description: 'The meetings of an engagement, for its manager and its assigned Ambassador; 404 for anyone else.',
      operationId: 'listMeetings', tags: ['engagements'], summary: 'The engagement’s meetings (manager and assigned Ambassador only)',
      params: IdParamsSchema, querystring: PageQuerySchema, response: { 200: Page(MeetingSchema), ...problems('not-found', 'invalid-cursor') },
    },
  }, async (req) => listMeetings(app.db, req.actor, req.params.id, await actingAmbassadorId(app.db, req.actor), req.query))

  app.get('/:id/meetings/:meetingId', {
    config: { roles: ['manager'], audit: { action: 'meeting.read', resourceType: 'meeting', resourceParam: 'meetingId' }, etag: 'meeting' },
    schema: {
      description: 'One meeting with its ETag; 404 for anyone but the manager and the assigned Ambassador.',
      operationId: 'getMeeting', tags: ['engagements'], summary: 'One meeting, with its ETag (manager and assigned Ambassador only)',
      params: MeetingParamsSchema, response: { 200: MeetingSchema, ...problems('not-found') },
    },
  }, async (req) => getMeeting(app.db, req.actor, req.params.id, req.params.meetingId, await actingAmbassadorId(app.db, req.actor)))

  app.get('/:id/meetings/:meetingId.ics', {
    config: { roles: ['manager'], audit: { action: 'meeting.read', resourceType: 'meeting', resourceParam: 'meetingId' } },
    schema: {
      operationId: 'getMeetingCalendar', tags: ['engagements'],
      summary: 'One meeting as a calendar event (RFC 5545), for the manager and the assigned Ambassador only',
      description: 'A neutral `text/calendar` event: title and description "M2M conversation", no names, attendees, topic or location, CLASS:PRIVATE. The UID (`<meetingId>@m2m`) never changes; SEQUENCE is the meeting’s version, raised by every change, so a calendar that imports it again replaces its copy; a cancelled meeting answers METHOD:CANCEL with STATUS:CANCELLED. Anyone else: 404.',
      params: MeetingParamsSchema,
      response: {
        200: { description: 'The event (iCalendar)', content: { 'text/calendar': { schema: { type: 'string', maxLength: 4096 } } } },
        ...problems('not-found', 'not-acceptable'),
      },
    },
  }, async (req, reply) => {
    if (!negotiateMediaType(req.headers.accept, ['text/calendar'])) {
      throw new AppError('not-acceptable', { en: 'This resource is text/calendar only.', fr: 'Cette ressource n’existe qu’en text/calendar.' })
    }
    const m = await getMeeting(app.db, req.actor, req.params.id, req.params.meetingId, await actingAmbassadorId(app.db, req.actor))
    return reply.type('text/calendar; charset=utf-8').header('content-disposition', `attachment; filename="m2m-${m.id}.ics"`).send(await meetingIcs(m))
  })

  app.patch('/:id/meetings/:meetingId', {
    config: { roles: ['manager'], action: 'meeting.update', etag: 'meeting' },
    schema: {
      description: 'Reschedules, cancels, or records as held a meeting of the engagement (If-Match: the meeting\'s ETag).',
      operationId: 'updateMeeting', tags: ['engagements'], summary: 'Reschedule, cancel, or record a meeting as held (ENG-5)',
      params: MeetingParamsSchema, body: UpdateMeetingBodySchema, response: { 200: MeetingSchema, ...problems('not-found', 'invalid-transition', 'rule-violated') },
    },
  }, async (req) => changeMeeting(app.db, req.actor, req.params.id, req.params.meetingId, req.body, req.headers['if-match']))
}
export default meetings
