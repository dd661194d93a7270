// Routes for /v1/program (#15 item 1): the pilot's milestones (Annex C).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { noStore } from '../../shared/http.ts'
import { IdParamsSchema, Page, problems } from '../../shared/schemas.ts'
import { CreateMilestoneBodySchema, ListMilestonesQuerySchema, MilestoneSchema, UpdateMilestoneBodySchema } from './schemas.ts'
import { createMilestone, editMilestone, getMilestone, listMilestones } from './service.ts'

const STAFF = ['nmno', 'governance'] as const

const program: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)

  app.post('/milestones', {
    config: { location: true, roles: STAFF, action: 'milestone.create', etag: { kind: 'milestone', ifMatch: false } },
    schema: {
      description: 'nmno or governance adds a milestone of the pilot; an overdue one appears in governance\'s tasks.',
      operationId: 'createProgramMilestone', tags: ['program'], summary: 'A milestone of the pilot (Annex C), by nmno or governance; overdue ones appear in governance’s tasks',
      body: CreateMilestoneBodySchema, response: { 201: MilestoneSchema, ...problems('identifying-text', 'payload-too-large', 'unsupported-media-type') },
    },
  }, async (req, reply) => {
    const view = await createMilestone(app.db, req.actor, req.body)
    return reply.code(201).header('location', `/v1/program/milestones/${view.id}`).send(view)
  })

  app.get('/milestones', {
    config: { roles: STAFF },
    schema: {
      description: 'One page of the pilot\'s milestones, oldest first; filter by status or overdue.',
      operationId: 'listProgramMilestones', tags: ['program'], summary: 'The pilot’s milestones, oldest first; filters status and overdue',
      querystring: ListMilestonesQuerySchema, response: { 200: Page(MilestoneSchema), ...problems('invalid-cursor') },
    },
  }, async (req) => listMilestones(app.db, req.query))

  app.get('/milestones/:id', {
    config: { roles: STAFF, etag: 'milestone' },
    schema: { description: 'One milestone with its ETag.', operationId: 'getProgramMilestone', tags: ['program'], summary: 'One milestone', params: IdParamsSchema, response: { 200: MilestoneSchema, ...problems('not-found') } },
  }, async (req) => getMilestone(app.db, req.params.id))

  app.patch('/milestones/:id', {
    config: { roles: STAFF, action: 'milestone.update', etag: 'milestone' },
    schema: {
      description: 'Changes a milestone\'s title, due date, status or note (If-Match: its ETag).',
      operationId: 'updateProgramMilestone', tags: ['program'], summary: 'Change a milestone’s title, due date, status or note',
      params: IdParamsSchema, body: UpdateMilestoneBodySchema, response: { 200: MilestoneSchema, ...problems('not-found', 'identifying-text', 'payload-too-large', 'unsupported-media-type') },
    },
  }, async (req) => editMilestone(app.db, req.actor, req.params.id, req.body, req.headers['if-match']))
}
export default program
