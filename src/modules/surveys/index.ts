// Routes for /v1/surveys (RPT-2, RPT-3): anonymous survey responses.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { problems } from '../../shared/schemas.ts'
import { AmbassadorSurveyBodySchema, AmbassadorSurveyResponseSchema, ManagerSurveyBodySchema, ManagerSurveyResponseSchema } from './schemas.ts'
import { submitAmbassadorSurvey, submitManagerSurvey } from './service.ts'
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
      operationId: 'submitAmbassadorSurvey', tags: ['surveys'],
      summary: 'The Ambassador evaluates a closed engagement once (RPT-3); the answers are stored without the engagement or the Ambassador',
      body: AmbassadorSurveyBodySchema,
      response: { 201: AmbassadorSurveyResponseSchema, ...problems('not-found', 'invalid-transition', 'already-exists') },
    },
  }, async (req, reply) => reply.code(201).send(await submitAmbassadorSurvey(app.db, req.actor, req.body)))
}
export default surveys
