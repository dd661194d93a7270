// Every error becomes an RFC 9457 application/problem+json document, in English or French.
// Internals (stack, SQL, constraint names, values) never reach the client.
import type { Socket } from 'node:net'
import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { AppError } from '../errors/app-error.ts'
import { problemTypes, problemTypeUri, type ProblemCode } from '../errors/problems.ts'
import { negotiateMediaType } from '../shared/http.ts'
import { negotiateLanguage, type Lang } from '../shared/i18n.ts'
import { ProblemSchema } from '../shared/schemas.ts'
import { securityHeaders } from './headers.ts'

declare module 'fastify' {
  interface FastifyRequest {
    lang: Lang
  }
  interface FastifyContextConfig {
    /** The media types the route's success answers can take (from its response schema; 406 otherwise). */
    produces?: readonly string[]
  }
}

const FASTIFY_CODES: Record<string, ProblemCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed-body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed-body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'malformed-body',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported-media-type',
  FST_ERR_NOT_FOUND: 'not-found',
}

// PostgreSQL classes that mean "the database is unavailable or too slow", not "a bug" (and a
// deadlock or serialization failure still there after inTransaction's retries: retry later).
const PG_UNAVAILABLE = /^(08|53|57P0|57014|40P01|40001)/

function isDatabaseUnavailable(thrown: unknown): boolean {
  if (!thrown || typeof thrown !== 'object') return false
  const err = thrown as { code?: unknown; message?: unknown }
  if (typeof err.code === 'string' && PG_UNAVAILABLE.test(err.code)) return true
  if (typeof err.code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(err.code)) return true
  const m = typeof err.message === 'string' ? err.message : ''
  return m.includes('timeout exceeded when trying to connect') || m.includes('Connection terminated') || m.includes('Query read timeout') ||
    m.includes('not queryable') || m.includes('connection has been discarded')
}

const GENERIC_DETAIL: Partial<Record<ProblemCode, { en: string; fr: string }>> = {
  'validation-failed': { en: 'Some fields are missing, unknown or invalid: see errors.', fr: 'Des champs sont manquants, inconnus ou invalides : voir errors.' },
  'malformed-body': { en: 'The body is not valid JSON.', fr: 'Le corps n’est pas du JSON valide.' },
  'unsupported-media-type': { en: 'Send application/json.', fr: 'Envoyez application/json.' },
  'payload-too-large': { en: 'The body exceeds the size limit.', fr: 'Le corps dépasse la taille permise.' },
  'not-found': { en: 'The requested resource does not exist.', fr: 'La ressource demandée n’existe pas.' },
  'too-many-requests': { en: 'Slow down and retry later.', fr: 'Ralentissez et réessayez plus tard.' },
  'internal-error': { en: 'An unexpected error occurred. Quote the request id when reporting it.', fr: 'Une erreur inattendue s’est produite. Citez l’identifiant de la requête en la signalant.' },
  'service-unavailable': { en: 'The database is unavailable; retry shortly.', fr: 'La base de données est indisponible; réessayez sous peu.' },
  unauthorized: { en: 'Provide a valid bearer token.', fr: 'Fournissez un jeton porteur valide.' },
  'request-timeout': { en: 'The request body did not arrive in time.', fr: 'Le corps de la requête n’est pas arrivé à temps.' },
  'uri-too-long': { en: 'A path segment is too long.', fr: 'Un segment du chemin est trop long.' },
  'not-acceptable': { en: 'This resource is available as application/json only (statistics also as text/csv, some as image/svg+xml).', fr: 'Cette ressource n’existe qu’en application/json (les statistiques aussi en text/csv, certaines en image/svg+xml).' },
}

/** A body was announced (Content-Length > 0 or chunked) and has not fully arrived. */
const bodyPending = (request: FastifyRequest) => {
  const h = request.raw.headers
  // A parsed body has arrived (light-my-request's requests have no `complete`).
  return request.body === undefined && !request.raw.complete && ((h['content-length'] !== undefined && h['content-length'] !== '0') || h['transfer-encoding'] !== undefined)
}

const SHORT_BODY = { en: 'The body is shorter than its Content-Length.', fr: 'Le corps est plus court que son Content-Length.' }

/**
 * The request's body had not fully arrived when the error happened: the client is slow, sent less
 * than its Content-Length, or went away. That is the client's doing (400/408), never the database's,
 * even when the socket error reads ECONNRESET.
 */
function clientBodyProblem(e: FastifyError, request?: FastifyRequest): AppError | undefined {
  if (e.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return new AppError('malformed-body', SHORT_BODY)
  if (!request || !bodyPending(request)) return undefined
  if (e.code === 'FST_ERR_HANDLER_TIMEOUT') return new AppError('request-timeout', GENERIC_DETAIL['request-timeout'])
  if (e.code === 'ECONNRESET' || e.code === 'ECONNABORTED' || e.message === 'aborted' || request.raw.destroyed) return new AppError('malformed-body', SHORT_BODY)
  return undefined
}

function toAppError(err: FastifyError | AppError | Error, request?: FastifyRequest): AppError {
  if (err instanceof AppError) return err
  const e = err as FastifyError
  const fromBody = clientBodyProblem(e, request)
  if (fromBody) return fromBody
  if (e.validation) {
    const where = e.validationContext ?? 'body'
    const errors = e.validation.map((v) => {
      const extra = v.params?.additionalProperty ?? v.params?.missingProperty
      const path = `/${where}${v.instancePath ?? ''}${typeof extra === 'string' && extra ? `/${extra}` : ''}`
      return { path, message: v.message ?? 'is invalid' }
    })
    return new AppError('validation-failed', GENERIC_DETAIL['validation-failed'], { errors })
  }
  const mapped = e.code ? FASTIFY_CODES[e.code] : undefined
  if (mapped) return new AppError(mapped, GENERIC_DETAIL[mapped])
  if (isDatabaseUnavailable(e)) return new AppError('service-unavailable', GENERIC_DETAIL['service-unavailable'])
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500
  if (status === 429) return new AppError('too-many-requests', GENERIC_DETAIL['too-many-requests'])
  if (status === 413) return new AppError('payload-too-large', GENERIC_DETAIL['payload-too-large'])
  if (status === 415) return new AppError('unsupported-media-type', GENERIC_DETAIL['unsupported-media-type'])
  if (status === 404) return new AppError('not-found', GENERIC_DETAIL['not-found'])
  if (status === 406) return new AppError('not-acceptable', GENERIC_DETAIL['not-acceptable'])
  if (status === 408) return new AppError('request-timeout', GENERIC_DETAIL['request-timeout'])
  if (status === 414) return new AppError('uri-too-long', GENERIC_DETAIL['uri-too-long'])
  if (status === 401) return new AppError('unauthorized', GENERIC_DETAIL.unauthorized)
  if (status === 400) return new AppError('malformed-body', GENERIC_DETAIL['malformed-body'])
  if (status === 503) return new AppError('service-unavailable', GENERIC_DETAIL['service-unavailable'])
  return new AppError('internal-error', GENERIC_DETAIL['internal-error'])
}

const MAX_ERRORS = 100

export function sendProblem(request: FastifyRequest, reply: FastifyReply, err: AppError) {
  const lang: Lang = request.lang ?? 'en'
  // Extensions first: a standard member (status, type, code…) is never overridden by one.
  const body: Record<string, unknown> = {
    ...(err.extensions ?? {}),
    type: problemTypeUri(err.code),
    title: problemTypes[err.code].title[lang],
    status: err.status,
    ...(err.detail ? { detail: err.detail[lang] } : {}),
    // Bounded as the Problem schema says (shared/schemas.ts): a long path or a body with thousands
    // of unknown fields does not make an answer of the same size.
    instance: request.url.split('?')[0].slice(0, 2048),
    code: err.code,
    requestId: request.id,
    ...(err.errors ? { errors: err.errors.slice(0, MAX_ERRORS).map((e) => ({ path: e.path.slice(0, 2048), message: e.message.slice(0, 2048) })) } : {}),
  }
  // RFC 6750 §3: a 401 names the scheme it wants.
  if (err.status === 401) reply.header('www-authenticate', 'Bearer realm="m2m-network"')
  // The rest of a body that never arrived is not read: the connection is not reused.
  if (err.status === 408 || err.status === 414 || (err.status === 400 && bodyPending(request))) reply.header('connection', 'close')
  return reply
    .code(err.status)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .header('content-language', lang)
    .header('cache-control', 'no-store')
    .send(JSON.stringify(body))
}

export default fp(
  async (app) => {
    app.addSchema(ProblemSchema)
    app.decorateRequest('lang', 'en')

    // Callback style (#18): no promise per request.
    app.addHook('onRequest', (request, _reply, done) => {
      const lang = negotiateLanguage(request.headers['accept-language'])
      if (!lang) {
        done(new AppError('invalid-header', { en: 'Accept-Language is malformed.', fr: 'L’en-tête Accept-Language est mal formé.' }, { errors: [{ path: '/headers/accept-language', message: 'malformed' }] }))
        return
      }
      request.lang = lang
      done()
    })

    // 406 (RFC 9110 §15.5.7): an Accept header that excludes every type the route produces is
    // refused before any other work. What a route produces is read from its response schema.
    app.addHook('onRoute', (route) => {
      if (route.config?.produces) return
      const produces = producedTypes(route)
      if (produces.length) route.config = { ...(route.config ?? {}), produces }
    })
    app.addHook('onRequest', (request, _reply, done) => {
      const produces = request.routeOptions.config?.produces
      if (!produces || !request.routeOptions.url || request.headers.accept === undefined) { done(); return }
      done(negotiateMediaType(request.headers.accept, produces) ? undefined : new AppError('not-acceptable', GENERIC_DETAIL['not-acceptable']))
    })

    // A NUL character (U+0000) in any string of the query, the path or the body is refused: no
    // text field means one, and PostgreSQL cannot store it (text and jsonb refuse it with a 500).
    app.addHook('preValidation', async (request) => {
      const errors: { path: string; message: string }[] = []
      findNul(request.params, '/params', errors)
      findNul(request.query, '/querystring', errors)
      findNul(request.body, '/body', errors)
      if (errors.length) throw new AppError('validation-failed', NUL_DETAIL, { errors })
    })

    app.setErrorHandler((err: FastifyError, request, reply) => {
      const appErr = toAppError(err, request)
      if (appErr.status >= 500) {
        request.log.error({ err }, 'request failed')
      } else if (!(err instanceof AppError)) {
        // The client's fault: one line without a stack.
        request.log.info({ code: appErr.code, cause: err.code ?? err.name }, 'request refused')
      }
      return sendProblem(request, reply, appErr)
    })

    app.setNotFoundHandler((request, reply) => sendProblem(request, reply, new AppError('not-found', GENERIC_DETAIL['not-found'])))
  },
  { name: 'problem' },
)

const NUL_DETAIL = { en: 'Text must not contain the NUL character (U+0000).', fr: 'Le texte ne doit pas contenir le caractère NUL (U+0000).' }

function findNul(value: unknown, path: string, errors: { path: string; message: string }[], depth = 0): void {
  if (errors.length >= 10 || depth > 32) return
  if (typeof value === 'string') {
    if (value.includes('\u0000')) errors.push({ path, message: 'must not contain U+0000' })
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => findNul(v, `${path}/${i}`, errors, depth + 1))
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1').replaceAll('\u0000', '\\u0000')}`
      if (k.includes('\u0000')) errors.push({ path: p, message: 'must not contain U+0000' })
      else findNul(v, p, errors, depth + 1)
    }
  }
}

/** The media types of a route's 2xx answers with a body: the `content` keys, JSON otherwise. */
function producedTypes(route: RouteOptions): string[] {
  if (route.url === '/docs' || route.url.startsWith('/docs/')) return []
  const response = route.schema?.response as Record<string, { content?: unknown } | null | undefined> | undefined
  if (!response) return ['application/json']
  const types = new Set<string>()
  for (const [status, entry] of Object.entries(response)) {
    if (!/^2(\d\d|XX)$/i.test(status) || status === '204') continue
    if (entry && typeof entry === 'object' && entry.content && typeof entry.content === 'object') {
      for (const t of Object.keys(entry.content)) types.add(t)
    } else {
      types.add('application/json')
    }
  }
  return [...types]
}

/**
 * Fastify's `frameworkErrors`: a path parameter over maxParamLength (414) or a URL that is not
 * valid percent-encoding (400), found by the router before any hook runs. Answered as a problem,
 * with the security headers, logged at info.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  request.lang = negotiateLanguage(request.headers['accept-language']) ?? 'en'
  const appErr = err.code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? new AppError('uri-too-long', GENERIC_DETAIL['uri-too-long'])
    : new AppError('validation-failed', { en: 'The URL is not valid.', fr: 'L’URL n’est pas valide.' }, { errors: [{ path: '/url', message: 'is not a valid URL' }] })
  request.log.info({ code: appErr.code, cause: err.code }, 'request refused')
  reply.headers(securityHeaders()).header('x-request-id', request.id)
  return sendProblem(request, reply, appErr)
}

/**
 * Node's `clientError` (an unparsable request line or header, headers over the size limit, a
 * request not received within REQUEST_TIMEOUT_MS): a problem written to the socket, which closes.
 */
export function clientErrorHandler(this: { log: { info: (o: object, m: string) => void } }, err: NodeJS.ErrnoException, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const code: ProblemCode = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request-timeout'
    : err.code === 'HPE_HEADER_OVERFLOW' ? 'headers-too-large'
    : err.code === 'HPE_URI_TOO_LONG' ? 'uri-too-long' : 'malformed-body'
  const status = problemTypes[code].status
  const body = JSON.stringify({
    type: problemTypeUri(code),
    title: problemTypes[code].title.en,
    status,
    ...(code === 'malformed-body' ? { detail: 'The request could not be parsed as HTTP/1.1.' } : GENERIC_DETAIL[code] ? { detail: GENERIC_DETAIL[code].en } : {}),
    code,
  })
  this.log.info({ code, cause: err.code }, 'client error')
  if (socket.writable) {
    const headers = {
      ...securityHeaders(),
      'content-type': 'application/problem+json; charset=utf-8',
      'content-language': 'en',
      'cache-control': 'no-store',
      'content-length': String(Buffer.byteLength(body)),
      connection: 'close',
    }
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`)
  }
  socket.destroy()
}
