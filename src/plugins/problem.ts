// Every error becomes an RFC 9457 application/problem+json document, in English or French.
// Internals (stack, SQL, constraint names, values) never reach the client.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { AppError } from '../errors/app-error.ts'
import { problemTypes, problemTypeUri, type ProblemCode } from '../errors/problems.ts'
import { negotiateLanguage, type Lang } from '../shared/i18n.ts'
import { ProblemSchema } from '../shared/schemas.ts'

declare module 'fastify' {
  interface FastifyRequest {
    lang: Lang
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

function isDatabaseUnavailable(err: any): boolean {
  if (!err || typeof err !== 'object') return false
  if (typeof err.code === 'string' && PG_UNAVAILABLE.test(err.code)) return true
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(err.code)) return true
  const m = String(err.message ?? '')
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
}

function toAppError(err: FastifyError | AppError | Error): AppError {
  if (err instanceof AppError) return err
  const e = err as FastifyError
  if (e.validation) {
    const where = e.validationContext ?? 'body'
    const errors = e.validation.map((v) => {
      const extra = (v.params as any)?.additionalProperty ?? (v.params as any)?.missingProperty
      const path = `/${where}${v.instancePath ?? ''}${extra ? `/${extra}` : ''}`
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
  if (status === 406) return new AppError('not-acceptable')
  if (status === 401) return new AppError('unauthorized', GENERIC_DETAIL.unauthorized)
  if (status === 400) return new AppError('malformed-body', GENERIC_DETAIL['malformed-body'])
  if (status === 503) return new AppError('service-unavailable', GENERIC_DETAIL['service-unavailable'])
  return new AppError('internal-error', GENERIC_DETAIL['internal-error'])
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, err: AppError) {
  const lang: Lang = request.lang ?? 'en'
  const body: Record<string, unknown> = {
    type: problemTypeUri(err.code),
    title: problemTypes[err.code].title[lang],
    status: err.status,
    ...(err.detail ? { detail: err.detail[lang] } : {}),
    instance: request.url.split('?')[0],
    code: err.code,
    requestId: request.id,
    ...(err.errors ? { errors: err.errors } : {}),
    ...(err.extensions ?? {}),
  }
  // RFC 6750 §3: a 401 names the scheme it wants.
  if (err.status === 401) reply.header('www-authenticate', 'Bearer realm="m2m-network"')
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

    app.addHook('onRequest', async (request) => {
      const lang = negotiateLanguage(request.headers['accept-language'])
      if (!lang) {
        throw new AppError('invalid-header', { en: 'Accept-Language is malformed.', fr: 'L’en-tête Accept-Language est mal formé.' }, { errors: [{ path: '/headers/accept-language', message: 'malformed' }] })
      }
      request.lang = lang
    })

    app.setErrorHandler((err: FastifyError, request, reply) => {
      const appErr = toAppError(err)
      if (appErr.status >= 500) {
        request.log.error({ err }, 'request failed')
      } else if (!(err instanceof AppError)) {
        request.log.info({ code: appErr.code }, 'request refused')
      }
      return sendProblem(request, reply, appErr)
    })

    app.setNotFoundHandler((request, reply) => sendProblem(request, reply, new AppError('not-found', GENERIC_DETAIL['not-found'])))
  },
  { name: 'problem' },
)
