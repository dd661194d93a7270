// OpenAPI 3.1 generated from the route schemas; served at /openapi.json, browsable at /docs, and
// committed as openapi/openapi.json by `npm run openapi` (a test checks the two agree).
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { problemTypes, problemTypeUri } from '../errors/problems.ts'
import { documentClientContract, type RouteFacts } from './contract.ts'

const problemList = Object.entries(problemTypes)
  .map(([code, p]) => `| \`${code}\` | ${p.status} | ${p.title.en} / ${p.title.fr} | ${problemTypeUri(code as keyof typeof problemTypes)} |`)
  .join('\n')

export const API_DESCRIPTION = `Manager to Manager (M2M) Network: confidential support between managers for mental health.

Authentication: \`Authorization: Bearer <JWT>\`; roles come from the \`roles\` claim
(manager, nmno, governance, hr_analyst, iservice). Acting as an Ambassador is decided by the service,
from its own records, on every request.

Every answer carries \`X-Request-Id\`: the one you sent (1–128 of A-Z a-z 0-9 . _ : -), or a generated
UUID. Writes accept \`Idempotency-Key\` (POST) and \`If-Match\` (the ETag you read); the rate limit is per
principal (\`X-RateLimit-*\`, \`Retry-After\` on 429).

Errors are RFC 9457 \`application/problem+json\` documents whose \`title\` and \`detail\` follow
\`Accept-Language\` (en, fr). Problem codes:

| code | status | title | type |
|---|---|---|---|
${problemList}
`

const SERVER = {
  url: '/',
  description: 'The deployment serving this document (production, staging or local): each serves its own copy at /openapi.json',
  // An internal API: iService and the organisation's own staff, behind its identity provider.
  'x-internal': true,
}

export default fp(
  async (app) => {
    // What the document needs from each route besides its schema (roles, ETag, idempotency…),
    // read by documentClientContract (plugins/contract.ts) under the route's operationId.
    const routes = new Map<string, RouteFacts>()
    app.addHook('onRoute', (route) => {
      const operationId = route.schema?.operationId
      if (!operationId) return
      const methods = [route.method].flat()
      routes.set(operationId, { url: route.url, methods, config: route.config ?? {}, hasBody: Boolean(route.schema?.body) })
    })
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: 'M2M Network API', version: '1.0.0', description: API_DESCRIPTION, contact: { name: 'National M2M Network Office' } },
        servers: [SERVER],
        components: {
          securitySchemes: {
            bearerAuth: {
              type: 'http', scheme: 'bearer', bearerFormat: 'JWT',
              description: 'A JWT from the organisation’s identity provider, verified per RFC8725: the algorithm is pinned (RS/PS/ES 256–512 through JWKS; HS256 in development only), `none` is refused, `exp` and `sub` are required, issuer and audience are checked when configured, and a token living longer than JWT_MAX_LIFETIME_S is refused. Roles come from the `roles` claim.',
            },
          },
        },
        security: [{ bearerAuth: [] }],
        tags: [
          { name: 'health', description: 'Liveness and readiness' },
          { name: 'me', description: 'The caller: identity, tasks, inbox' },
          { name: 'ambassadors', description: 'Ambassadors: selection, directory, training, term' },
          { name: 'conduct-guidelines', description: 'Versioned Guidelines of Conduct (Annex E)' },
          { name: 'notifications', description: 'The National M2M Network Office inbox' },
          { name: 'conflict-declarations', description: 'Conflict-of-interest declarations, visible only to their declarer and nmno (COI-1)' },
          { name: 'org', description: 'The reporting-lines snapshot used for conflict of interest (COI-2)' },
          { name: 'resources', description: 'The resource catalogue for referrals (ENG-7)' },
          { name: 'engagements', description: 'A manager and the Ambassador they picked: request, answer, stages' },
          { name: 'consents', description: 'Informed consent and disclosures: nothing is released without one, or one of three exceptions (CNS-1…4)' },
          { name: 'crisis', description: 'Crisis escalations: designated contact, follow-up, self-care debrief (CRS-1…3)' },
          { name: 'reports', description: 'Per-interaction statistical reports: enumerations and numbers only (RPT-1)' },
          { name: 'surveys', description: 'Anonymous surveys of managers and Ambassadors (RPT-2, RPT-3)' },
          { name: 'stats', description: 'Anonymized statistics with small-cell suppression (RPT-4)' },
          { name: 'revocation-cases', description: 'Suspension, revocation and reinstatement of Ambassadors (REV-1…7)' },
          { name: 'audit', description: 'The append-only, hash-chained audit trail and its verification (AUD-1…3)' },
          { name: 'engagement-terms', description: 'The versioned terms a manager accepts before requesting an Ambassador' },
          { name: 'concerns', description: 'Concerns about an Ambassador or an engagement, raised to the National M2M Network Office' },
          { name: 'governance', description: 'The governance body: reviews, meetings, recommendations, decisions and released comments' },
          { name: 'program', description: 'Program milestones and their progress' },
          { name: 'webhooks', description: 'Content-free webhooks for iService and relays: ids and kind only, signed per Standard Webhooks, from a transactional outbox (#16)' },
          { name: 'retention', description: 'Purge of identifying data after retention, or at once on the manager’s request (RET-1…3)' },
        ],
      },
      transformObject: (doc) => documentClientContract('openapiObject' in doc ? doc.openapiObject : doc.swaggerObject, routes),
      refResolver: { buildLocalReference: (json, _base, _fragment, i) => (json.$id as string) || `def-${i}` },
    })
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { docExpansion: 'list' } })
    app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger())
  },
  { name: 'swagger' },
)
