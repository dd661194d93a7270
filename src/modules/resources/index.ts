// Routes for /v1/resources (ENG-7): the referral catalogue. Read by every principal, curated by nmno.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParamsSchema, Page, problems } from '../../shared/schemas.ts'
import { CreateResourceBodySchema, ListResourcesQuerySchema, ResourceSchema, UpdateResourceBodySchema } from './schemas.ts'
import { createResource, editResource, getResource, listCatalogue } from './service.ts'

const resources: FastifyPluginAsyncTypebox = async (app) => {
  app.get('', {
    config: { roles: ['manager', 'nmno', 'governance', 'hr_analyst', 'iservice'] },
    schema: {
      description: 'The catalogue of resources an Ambassador can refer a manager to (EAP, Peer Support Program…), in the caller\'s language with both translations.',
      operationId: 'listResources', tags: ['resources'],
      summary: 'The resource catalogue for referrals (ENG-7): EAP, Peer Support Program, … in the caller’s language, with both translations',
      querystring: ListResourcesQuerySchema,
      response: { 200: Page(ResourceSchema), ...problems('invalid-cursor') },
    },
  }, async (req, reply) => {
    reply.header('content-language', req.lang).header('vary', 'Accept-Language, Authorization').header('cache-control', 'private, no-cache')
    return listCatalogue(app.db, req.actor, req.lang, req.query)
  })

  app.get('/:id', {
    config: { roles: ['manager', 'nmno', 'governance', 'hr_analyst', 'iservice'], etag: 'resource' },
    schema: {
      description: 'One resource of the catalogue, with its ETag; a retired resource answers 404 except to nmno.',
      operationId: 'getResource', tags: ['resources'], summary: 'One resource of the catalogue, with its ETag; a retired one for nmno only',
      params: IdParamsSchema, response: { 200: ResourceSchema, ...problems('not-found') },
    },
  }, async (req, reply) => {
    reply.header('content-language', req.lang).header('vary', 'Accept-Language, Authorization').header('cache-control', 'private, no-cache')
    return getResource(app.db, req.actor, req.lang, req.params.id)
  })

  app.post('', {
    config: { location: true, roles: ['nmno'], action: 'resource.create', etag: { kind: 'resource', ifMatch: false } },
    schema: {
      description: 'nmno adds a resource to the referral catalogue, named and described in English and French.',
      operationId: 'createResource', tags: ['resources'], summary: 'Add a resource to the catalogue (nmno)',
      body: CreateResourceBodySchema,
      response: { 201: ResourceSchema, ...problems('already-exists', 'payload-too-large', 'unsupported-media-type') },
    },
  }, async (req, reply) => {
    const view = await createResource(app.db, req.actor, req.lang, req.body)
    return reply.code(201).header('location', `/v1/resources/${view.id}`).header('content-language', req.lang).send(view)
  })

  app.patch('/:id', {
    config: { roles: ['nmno'], action: 'resource.update', etag: 'resource' },
    schema: {
      description: 'nmno edits a resource or retires it (`active: false`); its slug never changes.',
      operationId: 'updateResource', tags: ['resources'], summary: 'Edit or retire (active: false) a resource (nmno); the slug never changes',
      params: IdParamsSchema, body: UpdateResourceBodySchema,
      response: { 200: ResourceSchema, ...problems('not-found', 'payload-too-large', 'unsupported-media-type') },
    },
  }, async (req, reply) => {
    reply.header('content-language', req.lang)
    return editResource(app.db, req.actor, req.lang, req.params.id, req.body, req.headers['if-match'])
  })
}
export default resources
