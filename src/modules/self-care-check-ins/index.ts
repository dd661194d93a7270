// Routes for /v1/me/self-care-check-ins (#14 item 5): HTTP only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { noStore } from '../../shared/http.ts'
import { Page, PageQuerySchema, problems } from '../../shared/schemas.ts'
import { CheckInSchema, CreateCheckInBodySchema } from './schemas.ts'
import { checkIn, ownCheckIns } from './service.ts'

const selfCareCheckIns: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)
  app.post('', {
    config: { roles: ['manager'], action: 'self-care.check-in' },
    schema: {
      description: 'An active Ambassador records a private self-care check-in; asking for contact gives the office a task naming only the designated contact.',
      operationId: 'recordSelfCareCheckIn', tags: ['me'],
      summary: 'An active Ambassador records a self-care check-in, private to them; with wantsContact the National M2M Network Office gets a task naming the designated contact, and nothing else',
      body: CreateCheckInBodySchema, response: { 201: CheckInSchema, ...problems('not-found') },
    },
  }, async (req, reply) => reply.code(201).send(await checkIn(app.db, req.actor, req.body)))

  app.get('', {
    config: { roles: ['manager'] },
    schema: {
      description: 'The caller\'s own self-care check-ins, oldest first; no one else can read them.',
      operationId: 'listMySelfCareCheckIns', tags: ['me'], summary: 'The Ambassador’s own check-ins, oldest first',
      querystring: PageQuerySchema, response: { 200: Page(CheckInSchema), ...problems('not-found', 'invalid-cursor') },
    },
  }, async (req) => ownCheckIns(app.db, req.actor, req.query))
}
export default selfCareCheckIns
