// Bearer JWT authentication (AUTH-2) and request.actor. Routes are authenticated unless their
// config says `public: true`; `config.roles` lists the roles that may call the route (403 otherwise).
import fastifyJwt, { type FastifyJWTOptions, type TokenOrHeader } from '@fastify/jwt'
import type { Algorithm } from 'fast-jwt'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { AppError, forbidden } from '../errors/app-error.ts'
import { ROLES, type Actor, type Role } from '../policy/actor.ts'
import { KeySet } from './jwks.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** No authentication (health, OpenAPI, docs). */
    public?: boolean
    /** Roles allowed to call the route; absent: any authenticated principal. */
    roles?: readonly Role[]
    /**
     * A read of identified engagement data (AUD-1): the audit plugin appends an event naming this
     * action once the answer is known (success, or denied for a 404/403). `params.id` is the
     * engagement; `resourceParam` names the param holding the sub-resource id, if any.
     */
    audit?: { action: string; resourceType: string; resourceParam?: string }
  }
  interface FastifyRequest {
    actor: Actor
  }
}

const SUB = /^[A-Za-z0-9._:@-]{1,128}$/

/** The claims read from a verified token (others are ignored). */
type Claims = { sub?: unknown; roles?: unknown; iat?: unknown; exp?: unknown }
const unauthorized = () => new AppError('unauthorized', { en: 'Provide a valid bearer token.', fr: 'Fournissez un jeton porteur valide.' })

const CLOCK_TOLERANCE_S = 30

const authorizationHeaders = (raw: string[]) => {
  let n = 0
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === 13 && raw[i].toLowerCase() === 'authorization') n++
  return n
}

/**
 * `iat`, when present, is a number and not in the future; `exp` is no further away than the
 * longest lifetime the identity provider issues (JWT_MAX_LIFETIME_S), from now and from `iat`: a
 * stolen long-lived token is refused (AUTH-2; fast-jwt checks `exp` and `nbf` themselves).
 */
function plausibleTimes(payload: { iat?: unknown; exp?: unknown }, maxLifetimeS: number): boolean {
  const now = Date.now() / 1000
  if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) return false
  if (payload.exp - now > maxLifetimeS + CLOCK_TOLERANCE_S) return false
  if (payload.iat === undefined) return true
  if (typeof payload.iat !== 'number' || !Number.isFinite(payload.iat)) return false
  return payload.iat <= now + CLOCK_TOLERANCE_S && payload.exp - payload.iat <= maxLifetimeS + CLOCK_TOLERANCE_S
}

const tooMany = () => new AppError('too-many-requests', { en: 'Too many failed authentications from your address; retry later.', fr: 'Trop d’authentifications échouées depuis votre adresse; réessayez plus tard.' })

type Limiter = ReturnType<FastifyInstance['createRateLimit']>

/** Failed authentications per client address (see the onRequest hook). */
class FailureThrottle {
  limiter: Limiter | undefined
  /** Addresses over their budget → when their window ends (ms). Bounded: the oldest go first. */
  private blocked = new Map<string, number>()

  constructor(private readonly max: number, private readonly windowMs: number) {}

  refuseIfBlocked(request: FastifyRequest, reply: FastifyReply) {
    const until = this.blocked.get(request.ip)
    if (until === undefined) return
    const left = until - Date.now()
    if (left <= 0) {
      this.blocked.delete(request.ip)
      return
    }
    reply.header('retry-after', String(Math.ceil(left / 1000)))
    throw tooMany()
  }

  /** Counts one failure; over the budget, the answer becomes a 429 (and the address is remembered). */
  async record(request: FastifyRequest, reply: FastifyReply) {
    if (!this.limiter) return
    let verdict: Awaited<ReturnType<Limiter>>
    try {
      verdict = await this.limiter(request)
    } catch (err) {
      // The store is unreachable: authentication keeps answering 401 rather than failing.
      request.log.warn({ err }, 'auth failure throttle: store unavailable')
      return
    }
    if (verdict.isAllowed || !verdict.isExceeded) return
    const ttl = verdict.ttl && verdict.ttl > 0 ? verdict.ttl : this.windowMs
    if (this.blocked.size >= 10_000) this.blocked.delete(this.blocked.keys().next().value!)
    this.blocked.set(request.ip, Date.now() + ttl)
    request.log.warn({ failures: this.max, windowS: Math.round(this.windowMs / 1000) }, 'too many failed authentications from one address')
    reply.header('retry-after', String(Math.ceil(ttl / 1000)))
    throw tooMany()
  }
}


export default fp<{ config: Readonly<Config> }>(
  async (app, { config }) => {
    const { jwt } = config
    const verify: NonNullable<FastifyJWTOptions['verify']> = {
      algorithms: jwt.algorithms as Algorithm[], // config.ts admits only RS/PS/ES 256-512 (or HS256)
      // A configured issuer or audience must be present, not merely match when present.
      requiredClaims: ['exp', 'sub', ...(jwt.issuer ? ['iss'] : []), ...(jwt.audience ? ['aud'] : [])],
      clockTolerance: CLOCK_TOLERANCE_S * 1000,
      // #18: a token verified once is not verified again (its HMAC or signature) while it is valid:
      // fast-jwt keeps the verdict per token (an LRU of 1000), never past the token's own exp, and
      // the checks below (sub, lifetime, roles) still run on every request.
      cache: 1000,
      ...(jwt.issuer ? { allowedIss: jwt.issuer } : {}),
      ...(jwt.audience ? { allowedAud: jwt.audience } : {}),
    }
    if (jwt.secret) {
      await app.register(fastifyJwt, { secret: jwt.secret, verify })
    } else if (jwt.jwksUrl) {
      const keySet = new KeySet({ url: jwt.jwksUrl, cooldownMs: jwt.jwksCooldownS * 1000 })
      await app.register(fastifyJwt, {
        decode: { complete: true },
        verify,
        // decode.complete: the token comes as { header, payload }.
        secret: (_req: FastifyRequest, token: TokenOrHeader) => {
          const header = 'header' in token ? (token.header as { kid?: unknown; alg?: unknown }) : undefined
          return keySet.publicKey(header?.kid, header?.alg)
        },
      })
    } else {
      throw new Error('auth: neither JWT_SECRET nor JWT_JWKS_URL is configured')
    }

    app.decorateRequest('actor', null as unknown as Actor)

    // AUD-1: a manager's audit pseudonym is made per event by policy/audit.ts (managerPseudonym),
    // scoped to one engagement; there is no pseudonym of the person as a whole to carry here.

    // The interactive documentation (swagger-ui's own routes) is public, like /openapi.json.
    app.addHook('onRoute', (route) => {
      if (route.url === '/docs' || route.url.startsWith('/docs/')) route.config = { ...(route.config ?? {}), public: true }
      // CORS preflights (@fastify/cors's OPTIONS route) never carry credentials; they expose no data.
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      if (methods.length === 1 && methods[0] === 'OPTIONS') route.config = { ...(route.config ?? {}), public: true }
    })

    // #12 item 6: failed authentications are counted per client address in the rate limiter's store
    // (memory, or the shared store when there is one); past AUTH_FAILURE_MAX in the window the address
    // gets 429 before any token work, valid token or not, until the window ends. Other addresses are
    // not affected. The verdict is remembered here until its window ends, so a blocked address costs
    // no store round trip; with a shared store another replica learns it at that address's next failure.
    const failures = new FailureThrottle(config.authFailure.max, config.authFailure.windowS * 1000)
    app.addHook('onReady', async () => {
      // Absent when @fastify/rate-limit is not registered.
      const create = app.createRateLimit?.bind(app)
      if (typeof create !== 'function') throw new Error('auth: @fastify/rate-limit must be registered (plugins/security.ts)')
      failures.limiter = create({
        max: config.authFailure.max,
        timeWindow: config.authFailure.windowS * 1000,
        keyGenerator: (req: FastifyRequest) => `authfail:${req.ip}`,
        allowList: () => false,
      })
    })

    const authenticate = async (request: FastifyRequest) => {
      const header = request.headers.authorization
      if (!header || !/^Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(header)) throw unauthorized()
      // Node keeps the first of two Authorization headers and drops the other: which one a proxy in
      // front would have checked is anyone's guess, so a request carrying two is refused.
      if (authorizationHeaders(request.raw.rawHeaders) > 1) throw unauthorized()
      let payload: Claims | null
      try {
        const verified = await request.jwtVerify<Claims & { header?: unknown; payload?: Claims }>()
        payload = verified?.header && verified?.payload ? verified.payload : verified
      } catch {
        // A 401 never says why a token failed (AUTH-2).
        throw unauthorized()
      }
      if (typeof payload?.sub !== 'string' || !SUB.test(payload.sub)) throw unauthorized()
      if (!plausibleTimes(payload, jwt.maxLifetimeS)) throw unauthorized()
      return { ...payload, sub: payload.sub }
    }

    app.addHook('onRequest', async (request, reply) => {
      const cfg = request.routeOptions.config
      if (cfg.public || !request.routeOptions.url) return
      failures.refuseIfBlocked(request, reply)
      let payload: Claims & { sub: string }
      try {
        payload = await authenticate(request)
      } catch (err) {
        await failures.record(request, reply)
        throw err
      }
      const claimed: unknown = payload.roles
      const roles = new Set<Role>(Array.isArray(claimed) ? (claimed as unknown[]).filter((r): r is Role => (ROLES as readonly unknown[]).includes(r)) : [])
      request.actor = Object.freeze({ sub: payload.sub, roles, requestId: request.id })
      if (cfg.roles && !cfg.roles.some((r) => roles.has(r))) throw forbidden()
    })
  },
  { name: 'auth', dependencies: ['problem'] },
)
