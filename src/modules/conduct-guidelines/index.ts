// The versioned Guidelines of Conduct (Annex E; version 1 ships with the first migration).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { PageQuerySchema, problems } from '../../shared/schemas.ts'
import { GuidelinesSchema, PendingAcceptanceSchema, PublishGuidelinesBodySchema } from './schemas.ts'
import { getCurrentGuidelines, listPendingAcceptances, publishGuidelines } from './service.ts'

const conductGuidelines: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/current', {
    schema: {
      description: 'The current Guidelines of Conduct, in English and French, with their version and hash.',
      operationId: 'getCurrentConductGuidelines', tags: ['conduct-guidelines'], summary: 'The current Guidelines of Conduct, in English and French',
      response: { 200: GuidelinesSchema, ...problems() },
    },
  }, async () => getCurrentGuidelines(app.db))

  app.get('/current/pending-acceptances', {
    config: { roles: ['nmno'] },
    schema: {
      description: 'One page of the active Ambassadors who have not accepted the current Guidelines of Conduct, for nmno to follow up.',
      operationId: 'listPendingGuidelinesAcceptances', tags: ['conduct-guidelines'], summary: 'Active Ambassadors who have not accepted the current version (nmno)',
      querystring: PageQuerySchema, response: { 200: PendingAcceptanceSchema, ...problems('invalid-cursor') },
    },
  }, async (req, reply) => {
    reply.header('cache-control', 'no-store')
    return listPendingAcceptances(app.db, req.query)
  })

  app.post('', {
    config: { roles: ['nmno'], action: 'guidelines.publish' },
    schema: {
      description: 'nmno publishes a new version of the Guidelines of Conduct; every active Ambassador gets a task to accept it.',
      operationId: 'publishConductGuidelines', tags: ['conduct-guidelines'], summary: 'Publish a new version (nmno); active Ambassadors are asked to accept it',
      body: PublishGuidelinesBodySchema,
      response: { 201: GuidelinesSchema, ...problems('payload-too-large', 'unsupported-media-type') },
    },
  }, async (req, reply) => reply.code(201).send(await publishGuidelines(app.db, req.actor, req.body.text)))
}
export default conductGuidelines
