// Routes for /v1/engagements/{id}/meetings (ENG-5): HTTP only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { noStore } from '../../shared/http.ts'
import { actingAmbassadorId } from '../../policy/actor.ts'
import { IdParamsSchema, Page, PageQuerySchema, problems } from '../../shared/schemas.ts'
import { MeetingSchema, CreateMeetingBodySchema, UpdateMeetingBodySchema, MeetingParamsSchema } from './schemas.ts'
import { scheduleMeeting, changeMeeting, listMeetings, getMeeting } from './service.ts'

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
