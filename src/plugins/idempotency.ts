// Idempotency-Key on POST (SPEC §4): a replay with the same key and body returns the original
// response; the same key with another body is 422 `idempotency-key-reused`; a replay while the first
// request is still running is 409 `idempotency-in-progress`. Keys are per principal; 5xx answers are
// not kept, so the client may retry them.
import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import fp from 'fastify-plugin'
import { AppError } from '../errors/app-error.ts'
import { keyedHash, openServer, sealServer } from '../shared/crypto.ts'

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: { principalHash: string; key: string }
  }
}

const KEY = /^[\x21-\x7e]{1,255}$/
const REPLAYED_HEADERS = ['location', 'etag', 'content-language']
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

// #11 finding 4: a stored answer can hold a secret (the survey token in a closed engagement's
// view) and confidential text (a goal): it is kept sealed under a DATA_KEY-derived key, and opened
// for the replay, which therefore answers exactly what the first request answered. The ids it
// names are kept as keyed hashes (mentions), so the purge still finds the answers of an engagement.
const BODY_PURPOSE = 'idempotency-body'
const UUIDS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi
export const mentionOf = (id: string) => keyedHash('idempotency-mention', id.toLowerCase())
const mentionsIn = (body: string) => [...new Set((body.match(UUIDS) ?? []).map(mentionOf))]

export default fp(
  async (app) => {
    app.addHook('preHandler', async (request, reply) => {
      if (request.method !== 'POST') return
      const header = request.headers['idempotency-key']
      if (header === undefined || !request.actor) return
      if (typeof header !== 'string' || !KEY.test(header)) {
        throw new AppError('invalid-header', { en: 'Idempotency-Key must be 1–255 visible ASCII characters.', fr: 'Idempotency-Key doit compter de 1 à 255 caractères ASCII visibles.' }, { errors: [{ path: '/headers/idempotency-key', message: 'malformed' }] })
      }
      // The principal is kept as a hash: the store never names who called.
      const principalHash = sha256(`principal:${request.actor.sub}`)
      const requestHash = sha256(JSON.stringify([request.routeOptions.url, request.params ?? {}, request.body ?? null]))
      const inserted = await app.db.insertInto('idempotencyKeys')
        .values({ principalHash, key: header, requestHash })
        .onConflict((oc) => oc.doNothing())
        .returning('key').executeTakeFirst()
      if (inserted) {
        request.idempotency = { principalHash, key: header }
        return
      }
      const prior = await app.db.selectFrom('idempotencyKeys').selectAll()
        .where('principalHash', '=', principalHash).where('key', '=', header).where('expiresAt', '>', sql<Date>`now()`)
        .executeTakeFirst()
      if (!prior) {
        // Expired but not yet purged: start afresh.
        await app.db.deleteFrom('idempotencyKeys').where('principalHash', '=', principalHash).where('key', '=', header)
          .where('expiresAt', '<=', sql<Date>`now()`).execute()
        const retaken = await app.db.insertInto('idempotencyKeys').values({ principalHash, key: header, requestHash })
          .onConflict((oc) => oc.doNothing()).returning('key').executeTakeFirst()
        if (!retaken) throw new AppError('idempotency-in-progress', retryDetail)
        request.idempotency = { principalHash, key: header }
        return
      }
      if (prior.requestHash !== requestHash) {
        throw new AppError('idempotency-key-reused', { en: 'This Idempotency-Key was used for a different request.', fr: 'Cette clé Idempotency-Key a servi à une autre requête.' })
      }
      if (prior.statusCode === null) throw new AppError('idempotency-in-progress', retryDetail)
      for (const [name, value] of Object.entries(prior.headers as Record<string, string>)) reply.header(name, value)
      reply.header('idempotent-replayed', 'true').header('cache-control', 'no-store')
      if (prior.contentType) reply.header('content-type', prior.contentType)
      return reply.code(prior.statusCode).send(prior.body ? openServer(BODY_PURPOSE, prior.body) : '')
    })

    app.addHook('onSend', async (request, reply, payload) => {
      const idem = request.idempotency
      if (!idem) return payload
      request.idempotency = undefined
      const where = (q: any) => q.where('principalHash', '=', idem.principalHash).where('key', '=', idem.key)
      if (reply.statusCode >= 500) {
        await where(app.db.deleteFrom('idempotencyKeys')).execute()
        return payload
      }
      const headers: Record<string, string> = {}
      for (const h of REPLAYED_HEADERS) {
        const v = reply.getHeader(h)
        if (typeof v === 'string') headers[h] = v
      }
      const body = typeof payload === 'string' ? payload : payload == null ? '' : String(payload)
      await where(app.db.updateTable('idempotencyKeys').set({
        statusCode: reply.statusCode,
        contentType: String(reply.getHeader('content-type') ?? ''),
        headers: JSON.stringify(headers),
        body: body ? sealServer(BODY_PURPOSE, body) : '',
        mentions: mentionsIn(body),
      })).execute()
      return payload
    })
  },
  { name: 'idempotency', dependencies: ['db', 'auth'] },
)

const retryDetail = { en: 'The first request with this Idempotency-Key is still being processed; retry shortly.', fr: 'La première requête avec cette clé Idempotency-Key est encore en cours; réessayez sous peu.' }
