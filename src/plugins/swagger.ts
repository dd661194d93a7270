// OpenAPI 3.1 generated from the route schemas; served at /openapi.json, browsable at /docs, and
// committed as openapi/openapi.json by `npm run openapi` (a test checks the two agree).
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { problemTypes, problemTypeUri } from '../errors/problems.ts'

const problemList = Object.entries(problemTypes)
  .map(([code, p]) => `| \`${code}\` | ${p.status} | ${p.title.en} / ${p.title.fr} | ${problemTypeUri(code as keyof typeof problemTypes)} |`)
  .join('\n')

export const API_DESCRIPTION = `Manager to Manager (M2M) Network: confidential support between managers for mental health.

Authentication: \`Authorization: Bearer <JWT>\`; roles come from the \`roles\` claim
(manager, nmno, governance, hr_analyst, iservice). Acting as an Ambassador is decided by the service,
from its own records, on every request.

Errors are RFC 9457 \`application/problem+json\` documents whose \`title\` and \`detail\` follow
\`Accept-Language\` (en, fr). Problem codes:

| code | status | title | type |
|---|---|---|---|
${problemList}
`

export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: 'M2M Network API', version: '1.0.0', description: API_DESCRIPTION },
        servers: [{ url: '/' }],
        components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
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
          { name: 'webhooks', description: 'Content-free webhooks for iService and relays: ids and kind only, signed per Standard Webhooks, from a transactional outbox (#16)' },
          { name: 'retention', description: 'Purge of identifying data after retention, or at once on the manager’s request (RET-1…3)' },
        ],
      },
      // Fastify's swagger marks every body required; a body that may be null (or omitted) is not.
      transformObject: (doc) => {
        const openapiObject = 'openapiObject' in doc ? doc.openapiObject : doc.swaggerObject
        type Operation = { requestBody?: { required?: boolean; content?: Record<string, { schema?: { anyOf?: ({ type?: unknown } | null)[] } } | undefined> } } | null
        for (const ops of Object.values(openapiObject.paths ?? {}) as Record<string, Operation>[]) {
          for (const op of Object.values(ops)) {
            const schema = op?.requestBody?.content?.['application/json']?.schema
            if (schema?.anyOf?.some((s) => s?.type === 'null')) op!.requestBody!.required = false
          }
        }
        return openapiObject
      },
      refResolver: { buildLocalReference: (json, _base, _fragment, i) => (json.$id as string) || `def-${i}` },
    })
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { docExpansion: 'list' } })
    app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger())
  },
  { name: 'swagger' },
)
