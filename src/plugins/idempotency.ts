// Idempotency-Key on POST (SPEC §4): a replay with the same key and body returns the original
// response; the same key with another body is 422 `idempotency-key-reused`; a replay while the first
// request is still running is 409 `idempotency-in-progress`. Keys are per principal; 5xx and 408 answers are
// not kept, so the client may retry them.
//
// #12 item 2: the answer of a write is stored in the write's own transaction, which commits only
// once the answer is known (src/db/tx.ts, held commit). The only "in progress" marker is an advisory
// lock of that transaction: it ends with it, so after a crash a key is either answered with what
// was committed or free to run again, never "in progress" for a day. A refusal (4xx, nothing
// written) is stored after the rollback.
import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { AppError } from '../errors/app-error.ts'
import type { Db } from '../db/database.ts'
import { withHeldCommit, type HeldCommit, type Trx } from '../db/tx.ts'
import { mentionOf, openServer, sealServer } from '../shared/crypto.ts'

interface KeyedRequest { principalHash: string; key: string; requestHash: string; scope: HeldCommit; inProgress?: boolean }

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: KeyedRequest
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
const mentionsIn = (body: string) => [...new Set((body.match(UUIDS) ?? []).map(mentionOf))]

export default fp(
  async (app, opts: { requestTimeoutMs?: number }) => {
    const holdMs = opts.requestTimeoutMs ?? 30_000

    // Callback style on purpose: the handler must run inside withHeldCommit for inTransaction to see it.
    app.addHook('preHandler', (request, reply, done) => {
      prepare(request, reply).then((keyed) => {
        if (reply.sent) return
        if (!keyed) return done()
        request.idempotency = keyed
        withHeldCommit(keyed.scope, () => done())
      }, (err) => done(err))
    })

    async function prepare(request: FastifyRequest, reply: FastifyReply): Promise<KeyedRequest | undefined> {
      if (request.method !== 'POST') return
      const header = request.headers['idempotency-key']
      if (header === undefined || !request.actor) return
      if (typeof header !== 'string' || !KEY.test(header)) {
        throw new AppError('invalid-header', { en: 'Idempotency-Key must be 1–255 visible ASCII characters.', fr: 'Idempotency-Key doit compter de 1 à 255 caractères ASCII visibles.' }, { errors: [{ path: '/headers/idempotency-key', message: 'malformed' }] })
      }
      // The principal is kept as a hash: the store never names who called.
      const principalHash = sha256(`principal:${request.actor.sub}`)
      const requestHash = sha256(JSON.stringify([request.routeOptions.url, request.params ?? {}, request.body ?? null]))
      const prior = await app.db.selectFrom('idempotencyKeys').selectAll()
        .where('principalHash', '=', principalHash).where('key', '=', header).where('expiresAt', '>', sql<Date>`now()`)
        .executeTakeFirst()
      if (prior && prior.statusCode !== null) {
        if (prior.requestHash !== requestHash) throw reused()
        for (const [name, value] of Object.entries(prior.headers)) reply.header(name, value)
        reply.header('idempotent-replayed', 'true').header('cache-control', 'no-store')
        if (prior.contentType) reply.header('content-type', prior.contentType)
        reply.code(prior.statusCode).send(prior.body ? openServer(BODY_PURPOSE, prior.body) : '')
        return
      }
      const keyed: KeyedRequest = {
        principalHash, key: header, requestHash,
        scope: {
          holdMs,
          // First statement of the write's transaction: the key's lock, then a last look at the
          // store (a twin request may have committed since the look above).
          async begin(trx) {
            const { locked } = (await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${KEY_LOCK_CLASS}, hashtext(${principalHash + header})) AS locked`.execute(trx)).rows[0]
            const twin = locked && await trx.selectFrom('idempotencyKeys').select(['requestHash', 'statusCode', 'expiresAt'])
              .where('principalHash', '=', principalHash).where('key', '=', header).executeTakeFirst()
            // A row without an answer is a marker left by an earlier version (before #12): stale.
            if (!locked || (twin && twin.statusCode !== null && twin.expiresAt > new Date())) {
              keyed.inProgress = true
              if (twin && twin.requestHash !== requestHash) throw reused()
              throw new AppError('idempotency-in-progress', retryDetail)
            }
            if (twin) await trx.deleteFrom('idempotencyKeys').where('principalHash', '=', principalHash).where('key', '=', header).execute()
          },
        },
      }
      return keyed
    }

    // A write that failed after its work was done (a later step threw): nothing it did is kept,
    // and the rollback happens before anything else (the audit trail's onError) needs a connection.
    app.addHook('onError', async (request) => {
      const scope = request.idempotency?.scope
      if (!scope) return
      const held = scope.held
      scope.closed = true // what runs from here on (the audit trail's events) is not the request's write
      if (!held) return
      held.settle({ rollback: true })
      await held.settled.catch(() => {})
    })

    // #18: callback style, so that a request without a key (every read) costs no promise here.
    app.addHook('onSend', (request, reply, payload, done) => {
      if (!request.idempotency) { done(null, payload); return }
      answerKeyed(request, reply, payload).then((p) => done(null, p), done)
    })
    const answerKeyed = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const keyed = request.idempotency!
      request.idempotency = undefined
      const record = answerOf(keyed, reply, payload)
      const held = keyed.scope.held
      // Answered with a failure while the handler still works (its timeout): whatever it would
      // still write is refused, so the key stays free and truthful. Otherwise what runs from here
      // on (an audit event on the way out) is an ordinary transaction.
      const notAnAnswer = reply.statusCode >= 500 || reply.statusCode === 408
      if (!held && notAnAnswer) keyed.scope.abandoned = true
      else if (!held) keyed.scope.closed = true
      if (held) {
        if (reply.statusCode < 400) {
          held.settle({ commit: (trx) => store(trx, record, true) })
          // A failed commit becomes the answer (a 503 for a lost database), instead of a success that did not happen.
          if (await held.settled === 'rolled-back') throw new AppError('service-unavailable', timedOut)
          return payload
        }
        held.settle({ rollback: true })
        await held.settled.catch(() => {})
      }
      // A failure or a timeout is no answer to keep: the client may retry it.
      if (!notAnAnswer && !keyed.inProgress) await store(app.db, record, false)
      return payload
    }
  },
  { name: 'idempotency', dependencies: ['db', 'auth'] },
)

// The two-key form of advisory locks: a key space apart from the single-key locks of the jobs.
const KEY_LOCK_CLASS = 0x1de0

type Answer = { principalHash: string; key: string; requestHash: string; statusCode: number; contentType: string; headers: string; body: string; mentions: string[] }

function answerOf(keyed: KeyedRequest, reply: FastifyReply, payload: unknown): Answer {
  const headers: Record<string, string> = {}
  for (const h of REPLAYED_HEADERS) {
    const v = reply.getHeader(h)
    if (typeof v === 'string') headers[h] = v
  }
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a serialized answer: a string or a Buffer
  const body = typeof payload === 'string' ? payload : payload == null ? '' : String(payload)
  return {
    principalHash: keyed.principalHash, key: keyed.key, requestHash: keyed.requestHash,
    statusCode: reply.statusCode, contentType: String(reply.getHeader('content-type') ?? ''),
    headers: JSON.stringify(headers), body: body ? sealServer(BODY_PURPOSE, body) : '', mentions: mentionsIn(body),
  }
}

/** The committed write's answer replaces anything stored meanwhile; a refusal never replaces an answer. */
async function store(db: Trx | Db, answer: Answer, wins: boolean) {
  await db.insertInto('idempotencyKeys').values(answer)
    .onConflict((oc) => wins
      ? oc.columns(['principalHash', 'key']).doUpdateSet({ requestHash: answer.requestHash, statusCode: answer.statusCode, contentType: answer.contentType, headers: answer.headers, body: answer.body, mentions: answer.mentions, createdAt: sql`now()`, expiresAt: sql`now() + interval '24 hours'` })
      : oc.doNothing())
    .execute()
}

const reused = () => new AppError('idempotency-key-reused', { en: 'This Idempotency-Key was used for a different request.', fr: 'Cette clé Idempotency-Key a servi à une autre requête.' })
const retryDetail = { en: 'The first request with this Idempotency-Key is still being processed; retry shortly.', fr: 'La première requête avec cette clé Idempotency-Key est encore en cours; réessayez sous peu.' }
const timedOut = { en: 'The write took too long to answer and was not kept; retry with the same Idempotency-Key.', fr: 'L’écriture a trop tardé à répondre et n’a pas été conservée; réessayez avec la même clé Idempotency-Key.' }
