// Routes for /v1/consents (the manager's decisions and the statement text) and, through
// engagementConsentRoutes, /v1/engagements/{id}/consents: HTTP only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { Id, IdParamsSchema, Page, PageQuerySchema, problems } from '../../shared/schemas.ts'
import {
  ConsentSchema, DraftConsentBodySchema, EmptyBodySchema, GrantConsentBodySchema,
  StatementQuerySchema, StatementSchema,
} from './schemas.ts'
import { consentOf, consentStatement, consentsOf, draftConsent, grantConsent, withdrawConsent } from './service.ts'
import { noStore } from '../../shared/http.ts'

const consents: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)

  app.get('/statement', {
    config: { roles: ['manager'] },
    schema: {
      description: 'The text of the consent statement in the language asked for (`language`, English by default), with its version and hash: the manager reads it before granting (the grant names that version).',
      operationId: 'getConsentStatement', tags: ['consents'],
      summary: 'The consent statement a manager agrees to when granting (current version unless asked; CNS-4)',
      querystring: StatementQuerySchema, response: { 200: StatementSchema, ...problems('not-found') },
    },
  }, async (req) => consentStatement(app.db, req.query.language, req.query.version))

  app.post('/:id/grant', {
    config: { roles: ['manager'], action: 'consent.grant', etag: 'consent' },
    schema: {
      description: 'The manager grants a pending consent by typing their full name and agreeing to the statement version they read; from then on it covers the disclosures it names until it expires or is withdrawn.',
      operationId: 'grantConsent', tags: ['consents'],
      summary: 'The manager grants a pending consent: typed full name and explicit agreement to the statement version (CNS-1)',
      params: IdParamsSchema, body: GrantConsentBodySchema,
      response: { 200: ConsentSchema, ...problems('not-found', 'invalid-transition', 'rule-violated') },
    },
  }, async (req) => grantConsent(app.db, req.actor, req.params.id, req.body, req.headers['if-match']))

  app.post('/:id/withdraw', {
    config: { roles: ['manager'], action: 'consent.withdraw', etag: 'consent' },
    schema: {
      description: 'The manager withdraws a granted consent, or refuses a pending one: from that instant it covers no disclosure.',
      operationId: 'withdrawConsent', tags: ['consents'],
      summary: 'The manager withdraws a consent (or refuses a pending one): it authorizes nothing from that instant (CNS-1)',
      params: IdParamsSchema, body: EmptyBodySchema,
      response: { 200: ConsentSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req) => withdrawConsent(app.db, req.actor, req.params.id, req.headers['if-match']))
}
export default consents

/** /v1/engagements/{id}/consents (registered under that prefix by app.ts). */
export const engagementConsentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)
  app.post('/:id/consents', {
    config: { roles: ['manager'], action: 'consent.create', etag: { kind: 'consent', ifMatch: false } },
    schema: {
      description: 'Drafts a consent naming who receives or provides what information and why; nothing is authorized until the manager grants it (POST /v1/consents/{id}/grant).',
      operationId: 'draftConsent', tags: ['consents'],
      summary: 'The assigned Ambassador or the manager drafts a consent; it awaits the manager’s grant (CNS-1)',
      params: IdParamsSchema, body: DraftConsentBodySchema,
      response: { 201: ConsentSchema, ...problems('not-found', 'invalid-transition', 'limit-reached') },
    },
  }, async (req, reply) => reply.code(201).send(await draftConsent(app.db, req.actor, req.params.id, req.body)))

  app.get('/:id/consents', {
    config: { roles: ['manager'], audit: { action: 'consent.list', resourceType: 'consent' } },
    schema: {
      description: 'One page of the engagement\'s consents and their states, for its manager and its assigned Ambassador; 404 for anyone else.',
      operationId: 'listConsents', tags: ['consents'], summary: 'The engagement’s consents (manager and assigned Ambassador only)',
      params: IdParamsSchema, querystring: PageQuerySchema, response: { 200: Page(ConsentSchema), ...problems('not-found', 'invalid-cursor') },
    },
  }, async (req) => consentsOf(app.db, req.actor, req.params.id, req.query))

  app.get('/:id/consents/:consentId', {
    config: { roles: ['manager'], audit: { action: 'consent.read', resourceType: 'consent', resourceParam: 'consentId' }, etag: 'consent' },
    schema: {
      description: 'One consent with its ETag, to send as If-Match when granting or withdrawing it; 404 for anyone but the manager and the assigned Ambassador.',
      operationId: 'getConsent', tags: ['consents'], summary: 'One consent, with its ETag for If-Match on grant and withdraw (manager and assigned Ambassador only)',
      params: Type.Object({ id: Id, consentId: Id }, { additionalProperties: false }), response: { 200: ConsentSchema, ...problems('not-found') },
    },
  }, async (req) => consentOf(app.db, req.actor, req.params.id, req.params.consentId))

}
