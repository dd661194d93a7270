// Routes for /v1/surveys (RPT-2, RPT-3): anonymous survey responses.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { IdParamsSchema, Page, problems } from '../../shared/schemas.ts'
import { CurrentInstrumentQuerySchema, InstrumentSchema, ListInstrumentsQuerySchema, ProposeInstrumentBodySchema, AmbassadorSurveyBodySchema, AmbassadorSurveyResponseSchema, ManagerSurveyBodySchema, ManagerSurveyResponseSchema } from './schemas.ts'
import { approveProposedInstrument, getCurrentInstrument, listInstruments, proposeInstrument, submitAmbassadorSurvey, submitManagerSurvey } from './service.ts'
import { noStore } from '../../shared/http.ts'

/** How often the release job looks at the pending answers (see release.ts). */

/**
 * The idempotency store keeps, per principal, the response it answered: for an anonymous survey
 * that would be the very link RPT-2 forbids. These routes ignore Idempotency-Key (a replay is
 * refused anyway: the token is single use, the evaluation once per engagement).
 */
async function withoutIdempotency(req: FastifyRequest) {
  delete req.headers['idempotency-key']
}

const surveys: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)

  app.post('/manager-responses', {
    config: { roles: ['manager'], action: 'survey.submit-manager' },
    onRequest: withoutIdempotency,
    schema: {
      description: 'The manager answers the anonymous survey with the single-use token they received at closing. The answers are kept with no link to them, the engagement or the token; a used or unknown token is `survey-token-invalid`.',
      operationId: 'submitManagerSurvey', tags: ['surveys'],
      summary: 'The manager answers the anonymous survey with the single-use token from closing (RPT-2); stored with no link to them, the engagement or the token',
      body: ManagerSurveyBodySchema,
      response: { 201: ManagerSurveyResponseSchema, ...problems('survey-token-invalid') },
    },
  }, async (req, reply) => reply.code(201).send(await submitManagerSurvey(app.db, req.actor, req.body)))

  app.post('/ambassador-responses', {
    config: { roles: ['manager'], action: 'survey.submit-ambassador' },
    onRequest: withoutIdempotency,
    schema: {
      description: 'The Ambassador evaluates one of their closed engagements, once; the answers are kept without the engagement or the Ambassador.',
      operationId: 'submitAmbassadorSurvey', tags: ['surveys'],
      summary: 'The Ambassador evaluates a closed engagement once (RPT-3); the answers are stored without the engagement or the Ambassador',
      body: AmbassadorSurveyBodySchema,
      response: { 201: AmbassadorSurveyResponseSchema, ...problems('not-found', 'invalid-transition', 'already-exists') },
    },
  }, async (req, reply) => reply.code(201).send(await submitAmbassadorSurvey(app.db, req.actor, req.body)))

  // ---- Versioned instruments (#15 item 2) ----
  app.get('/instruments/current', {
    config: { roles: ['manager', 'nmno', 'governance', 'iservice'] },
    schema: {
      description: 'The questions of the current manager survey or Ambassador evaluation, typed, in English and French: what a survey form shows.',
      operationId: 'getCurrentSurveyInstrument', tags: ['surveys'],
      summary: 'The current version of the manager survey or the Ambassador evaluation: typed questions in English and French (a token answers the version current when it was issued)',
      querystring: CurrentInstrumentQuerySchema, response: { 200: InstrumentSchema, ...problems() },
    },
  }, async (req) => getCurrentInstrument(app.db, req.query.audience))

  app.get('/instruments', {
    config: { roles: ['nmno', 'governance'] },
    schema: {
      description: 'One page of every version and pending proposal of the survey instruments, for nmno and governance.',
      operationId: 'listSurveyInstruments', tags: ['surveys'], summary: 'Every version and proposal of the instruments (nmno, governance)',
      querystring: ListInstrumentsQuerySchema, response: { 200: Page(InstrumentSchema), ...problems() },
    },
  }, async (req) => listInstruments(app.db, req.query.audience))

  app.post('/instruments', {
    config: { roles: ['nmno'], action: 'survey-instrument.propose' },
    schema: {
      description: 'nmno proposes a new version of an instrument (typed questions in English and French); it stays a proposal until governance approves it.',
      operationId: 'proposeSurveyInstrument', tags: ['surveys'],
      summary: 'nmno proposes a new version (typed questions; version 1’s scored questions kept as they are); it becomes current when governance approves it',
      body: ProposeInstrumentBodySchema, response: { 201: InstrumentSchema, ...problems('payload-too-large', 'unsupported-media-type') },
    },
  }, async (req, reply) => reply.code(201).send(await proposeInstrument(app.db, req.actor, req.body)))

  app.post('/instruments/:id/approval', {
    config: { roles: ['governance'], action: 'survey-instrument.approve' },
    schema: {
      description: 'Governance approves a proposal: it becomes the next version and is current from now on.',
      operationId: 'approveSurveyInstrument', tags: ['surveys'], summary: 'Governance approves a proposed instrument: it becomes the next version, current from now on',
      params: IdParamsSchema, body: Type.Object({}, { additionalProperties: false }), response: { 200: InstrumentSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req) => approveProposedInstrument(app.db, req.actor, req.params.id))
}
export default surveys
