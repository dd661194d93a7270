// Routes for /v1/concerns (#14 item 1): HTTP only. Any signed-in employee may call the write
// routes; the policy decides who may raise what (403), and a concern the caller may not see is 404.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { noStore } from '../../shared/http.ts'
import { Page, PageQuerySchema, problems } from '../../shared/schemas.ts'
import {
  ConcernMessageBodySchema, ConcernMessageSchema, ConcernParamsSchema, ConcernSchema, ConcernTransitionBodySchema,
  CreateConcernBodySchema, ListConcernsQuerySchema,
} from './schemas.ts'
import { concernMessages, getConcern, listConcerns, postConcernMessage, raiseConcern, transitionConcern } from './service.ts'

const concerns: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)

  app.post('', {
    config: { action: 'concern.raise', etag: { kind: 'concern', ifMatch: false } },
    schema: {
      description: 'Raises a concern with the National M2M Network Office; the office sees it de-identified and follows it up in a private thread with the raiser.',
      operationId: 'raiseConcern', tags: ['concerns'],
      summary: 'Raise a concern with the National M2M Network Office: an Ambassador (improper use, a manager’s breach of confidentiality, a confidentiality question, a supervisor conflict, other), a manager (the conduct of their engagement’s Ambassador), a supervisor (a conflict with an Ambassador they supervise). The office is told de-identified.',
      body: CreateConcernBodySchema,
      response: { 201: ConcernSchema, ...problems('not-found', 'identifying-text') },
    },
  }, async (req, reply) => reply.code(201).send(await raiseConcern(app.db, req.actor, req.body)))

  app.get('', {
    schema: {
      description: 'One page of concerns: the caller\'s own; nmno every concern and governance the escalated ones, de-identified.',
      operationId: 'listConcerns', tags: ['concerns'],
      summary: 'The caller’s own concerns; nmno: every concern, de-identified; governance: the escalated ones, de-identified',
      querystring: ListConcernsQuerySchema, response: { 200: Page(ConcernSchema), ...problems('invalid-cursor') },
    },
  }, async (req) => listConcerns(app.db, req.actor, req.query))

  app.get('/:id', {
    config: { etag: 'concern' },
    schema: {
      description: 'One concern: the raiser\'s view, or the office\'s de-identified view; 404 for anyone else.',
      operationId: 'getConcern', tags: ['concerns'], summary: 'One concern: the raiser’s view, or the office’s de-identified view',
      params: ConcernParamsSchema, response: { 200: ConcernSchema, ...problems('not-found') },
    },
  }, async (req) => getConcern(app.db, req.actor, req.params.id))

  app.post('/:id/transitions', {
    config: { roles: ['nmno'], action: 'concern.transition', etag: 'concern' },
    schema: {
      description: 'nmno acknowledges, resolves (with an outcome) or escalates a concern to governance; the raiser is told.',
      operationId: 'transitionConcern', tags: ['concerns'],
      summary: 'nmno moves a concern: open → acknowledged → resolved {outcome}, or escalated to governance; the raiser is told',
      params: ConcernParamsSchema, body: ConcernTransitionBodySchema,
      response: { 200: ConcernSchema, ...problems('not-found', 'invalid-transition', 'identifying-text') },
    },
  }, async (req) => transitionConcern(app.db, req.actor, req.params.id, req.body, req.headers['if-match']))

  app.post('/:id/messages', {
    config: { action: 'concern.message' },
    schema: {
      description: 'Adds a message to the private thread of a concern (its raiser or nmno).',
      operationId: 'postConcernMessage', tags: ['concerns'], summary: 'A message of the private thread between the raiser and the office',
      params: ConcernParamsSchema, body: ConcernMessageBodySchema,
      response: { 201: ConcernMessageSchema, ...problems('not-found', 'invalid-transition', 'identifying-text') },
    },
  }, async (req, reply) => reply.code(201).send(await postConcernMessage(app.db, req.actor, req.params.id, req.body.text)))

  app.get('/:id/messages', {
    schema: {
      description: 'The private thread of a concern, oldest first, for its raiser and nmno.',
      operationId: 'listConcernMessages', tags: ['concerns'], summary: 'The private thread of a concern, oldest first (the raiser and nmno)',
      params: ConcernParamsSchema, querystring: PageQuerySchema, response: { 200: Page(ConcernMessageSchema), ...problems('not-found', 'invalid-cursor') },
    },
  }, async (req) => concernMessages(app.db, req.actor, req.params.id, req.query))
}
export default concerns
