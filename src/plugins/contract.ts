// What a client needs beyond the route schemas, added to the OpenAPI document by one transform
// (plugins/swagger.ts) from what every route already declares, so that a new route gets it without
// writing it (#16 part 3):
// - request headers as parameters: X-Request-Id and Accept-Language everywhere, Idempotency-Key on
//   every authenticated POST (plugins/idempotency.ts), If-None-Match where `config.ifNoneMatch`
//   (If-Match comes from `config.etag`: plugins/preconditions.ts);
// - response headers where they are sent: X-Request-Id and CORS on every answer, the rate-limit
//   headers (@fastify/rate-limit) on the 2xx and 4xx of rate-limited routes, Retry-After on 429,
//   Location on the 201 of `config.location` routes, Idempotent-Replayed on authenticated POSTs;
// - the problems every route can answer: 406 (Accept), 413 and 415 (a body), 429 (rate limit);
// - an operation description, from the route's own `description` and what its config says
//   (roles, ETag, idempotency, audit);
// - `format: int32|int64` on every integer, from its bounds.
import type { FastifyContextConfig } from 'fastify'
import { problemTypes, type ProblemCode } from '../errors/problems.ts'
import { IF_MATCH_PATTERN } from '../shared/etag.ts'
import { rateLimitExempt } from './security.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's 201 answer names the created resource in `Location` (documented on the 201). */
    location?: boolean
    /** A conditional GET: `If-None-Match` with the ETag of an earlier answer gives 304 (documented). */
    ifNoneMatch?: boolean
  }
}

export interface RouteFacts { url: string; methods: string[]; config: FastifyContextConfig; hasBody: boolean }

const INT32_MAX = 2 ** 31 - 1
const int = (minimum: number, maximum: number) => ({ type: 'integer', format: 'int32', minimum, maximum })
export const REQUEST_ID_PATTERN = '^[A-Za-z0-9._:-]{1,128}$'

/** components.headers: the response headers, referenced from each response that carries them. */
export const RESPONSE_HEADERS = {
  'X-Request-Id': {
    description: 'The request id: the X-Request-Id you sent when valid (1–128 of A-Z a-z 0-9 . _ : -), a generated UUID otherwise. It is in the logs and in every problem (`requestId`): quote it when reporting one.',
    schema: { type: 'string', minLength: 1, maxLength: 128, pattern: REQUEST_ID_PATTERN },
  },
  'Access-Control-Allow-Origin': {
    description: 'CORS: the request’s Origin, when it is in the allowlist (CORS_ORIGINS); absent otherwise.',
    schema: { type: 'string', format: 'uri', maxLength: 2048 },
  },
  'X-RateLimit-Limit': {
    description: 'Requests allowed per principal per minute (RATE_LIMIT_MAX). Sent on every answer the limiter counted (every authenticated request that reached validation).',
    schema: int(0, INT32_MAX),
  },
  'X-RateLimit-Remaining': { description: 'Requests left in the current minute.', schema: int(0, INT32_MAX) },
  'X-RateLimit-Reset': { description: 'Seconds until the current window ends.', schema: int(0, 86_400) },
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: int(0, 86_400) },
  Location: { description: 'The path of the created resource.', schema: { type: 'string', format: 'uri-reference', maxLength: 2048 } },
  'Idempotent-Replayed': {
    description: '`true` when this is the stored answer of an earlier request with the same Idempotency-Key (nothing was done again).',
    schema: { type: 'string', enum: ['true'] },
  },
  ETag: {
    description: 'The entity tag of what was answered: send it back in If-None-Match (or If-Match to change the resource).',
    schema: { type: 'string', maxLength: 64, pattern: String.raw`^(W/)?"[\x21\x23-\x7E]*"$` },
  },
} as const

/** components.parameters: the request headers the API reads. */
export const REQUEST_HEADER_PARAMETERS = {
  XRequestId: {
    name: 'X-Request-Id', in: 'header', required: false,
    description: 'Your correlation id (1–128 of A-Z a-z 0-9 . _ : -): kept as the request id (logs, audit, problems) and echoed. Another value is replaced by a generated id, not refused. Make it opaque: no names.',
    schema: { type: 'string', maxLength: 1024, pattern: '^[\\x20-\\x7e]*$' },
  },
  AcceptLanguage: {
    name: 'Accept-Language', in: 'header', required: false,
    description: 'en (default) or fr: the language of problems and of translated fields (Content-Language). A malformed header is a 400 `invalid-header`.',
    schema: { type: 'string', maxLength: 512, pattern: '^[A-Za-z0-9*,;=. \\t-]*$' },
  },
  IdempotencyKey: {
    name: 'Idempotency-Key', in: 'header', required: false,
    description: 'Makes the POST safe to retry: a replay with the same key and body answers the stored answer (Idempotent-Replayed: true) for 24 hours; the same key with another body is 422 `idempotency-key-reused`, a replay while the first runs is 409 `idempotency-in-progress`. Keys are per principal.',
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]{1,255}$' },
  },
  IfNoneMatch: {
    name: 'If-None-Match', in: 'header', required: false,
    description: 'The ETag of an earlier answer: 304 without a body when nothing changed.',
    schema: { type: 'string', maxLength: 1024, pattern: IF_MATCH_PATTERN },
  },
} as const

type Schema = Record<string, unknown>
type Response = { description?: string; headers?: Record<string, unknown>; content?: unknown; $ref?: string }
type Operation = {
  operationId?: string; summary?: string; description?: string; security?: unknown[]
  parameters?: unknown[]; responses?: Record<string, Response>
  requestBody?: { required?: boolean; content?: Record<string, { schema?: { anyOf?: ({ type?: unknown } | null)[] } } | undefined> }
}

const METHODS = new Set(['get', 'put', 'post', 'patch', 'delete'])
const WITH_BODY = new Set(['put', 'post', 'patch', 'delete'])
const ref = (kind: 'headers' | 'parameters', name: string) => ({ $ref: `#/components/${kind}/${name}` })
const problemResponse = (code: ProblemCode) => ({
  description: `Problem: \`${code}\` (${problemTypes[code].title.en})`,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
})


export function documentClientContract<D extends object>(original: D, routes: ReadonlyMap<string, RouteFacts>): D {
  // A copy: the route schemas the document was made from are never changed.
  const doc = structuredClone(original) as D & { paths?: Record<string, unknown> }
  for (const [path, item] of Object.entries(doc.paths ?? {}) as [string, Record<string, Operation | undefined>][]) {
    for (const [method, op] of Object.entries(item)) {
      if (!op || !METHODS.has(method)) continue
      const facts = op.operationId ? routes.get(op.operationId) : undefined
      const config = facts?.config ?? {}
      const isPublic = config.public === true || (Array.isArray(op.security) && op.security.length === 0)
      const limited = !rateLimitExempt(path)
      const idempotent = method === 'post' && !isPublic

      // Fastify's swagger marks every body required; a body that may be null (or omitted) is not.
      const bodySchema = op.requestBody?.content?.['application/json']?.schema
      if (bodySchema?.anyOf?.some((s) => s?.type === 'null')) op.requestBody!.required = false

      const parameters = (op.parameters ??= [])
      parameters.push(ref('parameters', 'XRequestId'), ref('parameters', 'AcceptLanguage'))
      if (idempotent) parameters.push(ref('parameters', 'IdempotencyKey'))
      if (config.ifNoneMatch) parameters.push(ref('parameters', 'IfNoneMatch'))

      const responses = (op.responses ??= {})
      responses['406'] ??= problemResponse('not-acceptable')
      if (WITH_BODY.has(method)) {
        responses['413'] ??= problemResponse('payload-too-large')
        responses['415'] ??= problemResponse('unsupported-media-type')
      }
      if (limited) responses['429'] ??= problemResponse('too-many-requests')
      else delete responses['429']
      for (const [status, response] of Object.entries(responses)) {
        if (response.$ref) continue
        const headers: Record<string, unknown> = {}
        if (config.ifNoneMatch && (status === '200' || status === '304')) headers.ETag = ref('headers', 'ETag')
        if (status === '201' && config.location) headers.Location = ref('headers', 'Location')
        if (status === '429') headers['Retry-After'] = ref('headers', 'Retry-After')
        if (limited && /^[24]/.test(status)) {
          for (const h of ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']) headers[h] = ref('headers', h)
        }
        if (idempotent && /^[24]/.test(status)) headers['Idempotent-Replayed'] = ref('headers', 'Idempotent-Replayed')
        headers['X-Request-Id'] = ref('headers', 'X-Request-Id')
        headers['Access-Control-Allow-Origin'] = ref('headers', 'Access-Control-Allow-Origin')
        response.headers = { ...headers, ...(response.headers ?? {}) }
      }
      op.description = describe(op, method, config, isPublic)
      // Responses in status order, as a reader expects them.
      op.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)))
    }
  }
  const components = ((doc as { components?: Record<string, unknown> }).components ??= {})
  components.headers = structuredClone(RESPONSE_HEADERS)
  components.parameters = structuredClone(REQUEST_HEADER_PARAMETERS)
  formatIntegers(doc)
  return doc
}

/** The operation's description: its own first, then what its configuration tells a client. */
function describe(op: Operation, method: string, config: FastifyContextConfig, isPublic: boolean): string {
  const lines: string[] = []
  if (op.description) lines.push(op.description.trim())
  if (isPublic) lines.push('Public: no token needed.')
  else if (config.roles?.length) lines.push(`Who may call: ${config.roles.map((r) => `\`${r}\``).join(', ')} (the token’s \`roles\`); any other caller gets 403.`)
  else lines.push('Who may call: any authenticated principal.')
  if (config.etag) {
    const writes = method !== 'get' && !(typeof config.etag === 'object' && config.etag.ifMatch === false)
    if (writes) lines.push('Optimistic concurrency: send the ETag you read as If-Match; 412 `precondition-failed` when the resource changed since.')
    else if (method === 'get') lines.push('The answer carries the resource’s ETag (send it as If-Match to change it).')
    else lines.push('The answer carries the new resource’s ETag.')
  }
  if (config.location) lines.push('The 201 answer names the created resource in Location.')
  if (method === 'post' && !isPublic) lines.push('Safe to retry with an Idempotency-Key.')
  if (config.audit) lines.push('Audited read: the audit trail records who read it (AUD-1).')
  return lines.join('\n\n')
}

/** format int32 (or int64 when its bounds need it) on every integer schema of the document. */
function formatIntegers(node: unknown): void {
  if (Array.isArray(node)) { for (const n of node) formatIntegers(n); return }
  if (!node || typeof node !== 'object') return
  const s = node as Schema
  const isInteger = s.type === 'integer' || (Array.isArray(s.type) && s.type.includes('integer'))
  if (isInteger && s.format === undefined) {
    const min = typeof s.minimum === 'number' ? s.minimum : -Infinity
    const max = typeof s.maximum === 'number' ? s.maximum : Infinity
    s.format = min >= -(2 ** 31) && max <= INT32_MAX ? 'int32' : 'int64'
  }
  for (const v of Object.values(s)) formatIntegers(v)
}
