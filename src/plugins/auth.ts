// Bearer JWT authentication (AUTH-2) and request.actor. Routes are authenticated unless their
// config says `public: true`; `config.roles` lists the roles that may call the route (403 otherwise).
import fastifyJwt from '@fastify/jwt'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import buildGetJwks from 'get-jwks'
import type { Config } from '../config.ts'
import { AppError } from '../errors/app-error.ts'
import { ROLES, type Actor, type Role } from '../policy/actor.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** No authentication (health, OpenAPI, docs). */
    public?: boolean
    /** Roles allowed to call the route; absent: any authenticated principal. */
    roles?: readonly Role[]
    /** The policy action of a write route (plugins/policy-guard). */
    action?: string
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
const unauthorized = () => new AppError('unauthorized', { en: 'Provide a valid bearer token.', fr: 'Fournissez un jeton porteur valide.' })

const CLOCK_TOLERANCE_S = 30

const authorizationHeaders = (raw: string[]) => {
  let n = 0
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 13 && raw[i]!.toLowerCase() === 'authorization') n++
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

export const forbidden = () => new AppError('forbidden', { en: 'Your role does not give access to this.', fr: 'Votre rôle ne donne pas accès à ceci.' })

export default fp<{ config: Readonly<Config> }>(
  async (app, { config }) => {
    const { jwt } = config
    const verify: any = {
      algorithms: jwt.algorithms,
      // A configured issuer or audience must be present, not merely match when present.
      requiredClaims: ['exp', 'sub', ...(jwt.issuer ? ['iss'] : []), ...(jwt.audience ? ['aud'] : [])],
      clockTolerance: CLOCK_TOLERANCE_S * 1000,
      ...(jwt.issuer ? { allowedIss: jwt.issuer } : {}),
      ...(jwt.audience ? { allowedAud: jwt.audience } : {}),
    }
    if (jwt.secret) {
      await app.register(fastifyJwt, { secret: jwt.secret, verify })
    } else if (jwt.jwksUrl) {
      const url = new URL(jwt.jwksUrl)
      const getJwks = buildGetJwks({ jwksPath: url.pathname, max: 50, ttl: 10 * 60_000 })
      await app.register(fastifyJwt, {
        decode: { complete: true },
        verify,
        secret: (_req: FastifyRequest, token: any) =>
          getJwks.getPublicKey({ domain: url.origin, kid: token?.header?.kid, alg: token?.header?.alg }),
      } as any)
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

    app.addHook('onRequest', async (request) => {
      const cfg = request.routeOptions.config
      if (cfg.public || !request.routeOptions.url) return
      const header = request.headers.authorization
      if (!header || !/^Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(header)) throw unauthorized()
      // Node keeps the first of two Authorization headers and drops the other: which one a proxy in
      // front would have checked is anyone's guess, so a request carrying two is refused.
      if (authorizationHeaders(request.raw.rawHeaders) > 1) throw unauthorized()
      let payload: any
      try {
        const verified: any = await request.jwtVerify()
        payload = verified?.header && verified?.payload ? verified.payload : verified
      } catch {
        // A 401 never says why a token failed (AUTH-2).
        throw unauthorized()
      }
      if (typeof payload?.sub !== 'string' || !SUB.test(payload.sub)) throw unauthorized()
      if (!plausibleTimes(payload, jwt.maxLifetimeS)) throw unauthorized()
      const claimed: unknown = payload.roles
      const roles = new Set<Role>(Array.isArray(claimed) ? (claimed.filter((r) => (ROLES as readonly string[]).includes(r)) as Role[]) : [])
      request.actor = Object.freeze({ sub: payload.sub, roles, requestId: request.id })
      if (cfg.roles && !cfg.roles.some((r) => roles.has(r))) throw forbidden()
    })
  },
  { name: 'auth', dependencies: ['problem'] },
)
