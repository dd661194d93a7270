// Routes for /v1/conflict-declarations (COI-1): HTTP only; the service decides. Identified data:
// never cached.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParamsSchema, Page, problems } from '../../shared/schemas.ts'
import { ConflictDeclarationSchema, CreateConflictDeclarationBodySchema, ListConflictDeclarationsQuerySchema } from './schemas.ts'
import { declareConflict, listConflictDeclarations, withdrawConflictDeclaration } from './service.ts'

const conflictDeclarations: FastifyPluginAsyncTypebox = async (app) => {
  app.post('', {
    config: { location: true, roles: ['manager', 'nmno'], action: 'conflict-declaration.create' },
    schema: {
      description: 'Records a conflict of interest between an Ambassador and an employee; from then on they are never paired. The declared employee never sees it.',
      operationId: 'declareConflictOfInterest', tags: ['conflict-declarations'],
      summary: 'Declare a conflict of interest: an active Ambassador about any employee, a manager about an Ambassador, nmno either way (COI-1). Never visible to the employee declared.',
      body: CreateConflictDeclarationBodySchema,
      response: { 201: ConflictDeclarationSchema, ...problems('not-found', 'already-exists', 'rule-violated', 'limit-reached', 'payload-too-large', 'unsupported-media-type') },
    },
  }, async (req, reply) => {
    const view = await declareConflict(app.db, req.actor, req.body)
    return reply.code(201).header('location', `/v1/conflict-declarations/${view.id}`).header('cache-control', 'no-store').send(view)
  })

  app.get('', {
    config: { roles: ['manager', 'nmno'] },
    schema: {
      description: 'One page of the declarations the caller made, newest first; nmno sees every declaration.',
      operationId: 'listConflictDeclarations', tags: ['conflict-declarations'],
      summary: 'The declarations the caller made, newest first (nmno: all of them)',
      querystring: ListConflictDeclarationsQuerySchema,
      response: { 200: Page(ConflictDeclarationSchema), ...problems('invalid-cursor') },
    },
  }, async (req, reply) => {
    reply.header('cache-control', 'no-store')
    return listConflictDeclarations(app.db, req.actor, req.query)
  })

  app.delete('/:id', {
    config: { roles: ['manager', 'nmno'], action: 'conflict-declaration.delete' },
    schema: {
      description: 'Withdraws a declaration (its declarer, or nmno): 204; 404 for anyone else.',
      operationId: 'withdrawConflictDeclaration', tags: ['conflict-declarations'],
      summary: 'Withdraw a declaration (its declarer, or nmno)',
      params: IdParamsSchema,
      response: { 204: { description: 'Withdrawn', type: 'null' }, ...problems('not-found') },
    },
  }, async (req, reply) => {
    await withdrawConflictDeclaration(app.db, req.actor, req.params.id)
    return reply.code(204).header('cache-control', 'no-store').send(null)
  })
}
export default conflictDeclarations
