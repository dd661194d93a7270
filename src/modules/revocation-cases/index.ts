// Routes for /v1/revocation-cases (REV-1…REV-7) and POST /v1/ambassadors/{id}/reinstatement
// (REV-5): HTTP only; the service decides. Case data is never cached.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParamsSchema, Page, problems } from '../../shared/schemas.ts'
import { AmbassadorRecordSchema, type AmbassadorRecord } from '../ambassadors/schemas.ts'
import { getAmbassador, recordEtag } from '../ambassadors/service.ts'
import {
  CreateRevocationCaseBodySchema, DecisionBodySchema, FindingsBodySchema, ListRevocationCasesQuerySchema, ReinstatementBodySchema,
  RevocationCaseSchema, RevocationCaseViewSchema,
} from './schemas.ts'
import { decideRevocationCase, getRevocationCase, listRevocationCases, openRevocationCase, presentFindings, reinstateAmbassador } from './service.ts'
import { noStore } from '../../shared/http.ts'

const revocationCases: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)

  app.post('', {
    config: { location: true, roles: ['nmno'], action: 'revocation-case.open', etag: { kind: 'revocation-case', ifMatch: false } },
    schema: {
      description: 'nmno opens a revocation case against an Ambassador, with grounds from the closed list and a summary naming no manager; `interimSuspension` suspends the Ambassador at once.',
      operationId: 'openRevocationCase', tags: ['revocation-cases'],
      summary: 'nmno opens a revocation case with grounds from the closed list and a summary naming no manager; interimSuspension suspends at once (REV-1, REV-2, REV-4)',
      body: CreateRevocationCaseBodySchema,
      response: { 201: RevocationCaseSchema, ...problems('not-found', 'already-exists', 'invalid-transition', 'identifying-text', 'payload-too-large', 'unsupported-media-type', 'idempotency-key-reused', 'idempotency-in-progress') },
    },
  }, async (req, reply) => {
    const view = await openRevocationCase(app.db, req.actor, req.body)
    return reply.code(201).header('location', `/v1/revocation-cases/${view.id}`).send(view)
  })

  app.get('', {
    config: { roles: ['manager', 'nmno', 'governance'] },
    schema: {
      description: 'One page of revocation cases, newest first: every case for nmno and governance; the Ambassador their own (status, grounds, decision).',
      operationId: 'listRevocationCases', tags: ['revocation-cases'],
      summary: 'Revocation cases, newest first: every case for nmno and governance; the Ambassador their own (status, grounds, decision) (REV-7)',
      querystring: ListRevocationCasesQuerySchema,
      response: { 200: Page(RevocationCaseViewSchema), ...problems('invalid-cursor') },
    },
  }, async (req) => listRevocationCases(app.db, req.actor, req.query))

  app.get('/:id', {
    config: { roles: ['manager', 'nmno', 'governance'], etag: 'revocation-case' },
    schema: {
      description: 'One case: all of it for nmno and governance; its status, grounds and decision for the Ambassador concerned; 404 for anyone else.',
      operationId: 'getRevocationCase', tags: ['revocation-cases'],
      summary: 'One case: the whole case for nmno and governance; status, grounds and decision for the Ambassador it is about; 404 for everyone else (REV-7)',
      params: IdParamsSchema,
      response: { 200: RevocationCaseViewSchema, ...problems('not-found') },
    },
  }, async (req) => getRevocationCase(app.db, req.actor, req.params.id))

  app.post('/:id/findings', {
    config: { roles: ['nmno'], action: 'revocation-case.present-findings', etag: 'revocation-case' },
    schema: {
      description: 'nmno presents the investigation\'s findings to governance, which may then decide.',
      operationId: 'presentRevocationFindings', tags: ['revocation-cases'],
      summary: 'nmno presents the investigation’s findings to governance: investigating → findings_presented (REV-2)',
      params: IdParamsSchema, body: FindingsBodySchema,
      response: { 200: RevocationCaseSchema, ...problems('not-found', 'invalid-transition', 'identifying-text', 'payload-too-large', 'unsupported-media-type') },
    },
  }, async (req) => presentFindings(app.db, req.actor, req.params.id, req.body.findings, req.headers['if-match']))

  app.post('/:id/decision', {
    config: { roles: ['governance'], action: 'revocation-case.decide', etag: 'revocation-case' },
    schema: {
      description: 'Governance decides a case after the findings: revoke, suspend until reinstated, or no action. A suspension or revocation takes effect at once: out of the directory, no new requests, open engagements need a transfer.',
      operationId: 'decideRevocationCase', tags: ['revocation-cases'],
      summary: 'Governance decides after the findings (REV-2, REV-3): `revoke` (final; refused with 422 when personal_health is the only ground), '
        + '`suspend` (no end date: the suspension lasts until nmno reinstates the Ambassador, REV-5, because return depends on an assessment '
        + 'that wellness is re-established, not on a date), or `no_action` (lifts an interim suspension). Suspension and revocation take effect '
        + 'at once (REV-4): out of the directory, no new requests, no access to engagements, every open engagement transfer_required. '
        + '`effectiveAt` records when the decision took effect (past or now, never future).',
      params: IdParamsSchema, body: DecisionBodySchema,
      response: { 200: RevocationCaseSchema, ...problems('not-found', 'invalid-transition', 'revocation-not-permitted', 'rule-violated') },
    },
  }, async (req) => decideRevocationCase(app.db, req.actor, req.params.id, req.body, req.headers['if-match']))
}
export default revocationCases

/** POST /v1/ambassadors/{id}/reinstatement, registered under the /v1/ambassadors prefix. */
export const reinstatementRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/:id/reinstatement', {
    config: { roles: ['nmno'], action: 'ambassador.reinstate', etag: 'ambassador' },
    schema: {
      description: 'nmno reinstates a suspended Ambassador: active again, in the same term. A revoked Ambassador is never reinstated.',
      operationId: 'reinstateAmbassador', tags: ['ambassadors'],
      summary: 'nmno reinstates a suspended Ambassador once wellness is re-established: active again, same term (REV-5). Never from revoked.',
      params: IdParamsSchema, body: ReinstatementBodySchema,
      response: { 200: AmbassadorRecordSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req, reply) => {
    await reinstateAmbassador(app.db, req.actor, req.params.id, req.headers['if-match'])
    const { view, version } = await getAmbassador(app.db, req.actor, req.params.id, req.lang)
    return reply.header('etag', recordEtag(version)).header('cache-control', 'no-store').send(view as AmbassadorRecord)
  })
}
