// The policy boundary at the HTTP edge (#13 item 2).
// - At boot: every POST/PUT/PATCH/DELETE route names a registered policy action in `config.action`
//   (typed as Action), so no write route exists outside the policy layer.
// - At run time: each request runs inside its boundary (db/boundary.ts): its handler may authorize
//   only the route's action (and those it lists in `config.alsoAuthorizes`), every write statement
//   must run in a transaction that authorization opened, and a write route that answers 2xx must
//   have authorized its action (or one of those it also lists: one route, two verbs). A breach is a bug: a 500, and nothing written.
import fp from 'fastify-plugin'
import { BoundaryViolation, withinRequest, type RequestBoundary } from '../db/boundary.ts'
import { isAction } from '../policy/authorize.ts'
import type { Action } from '../policy/actions.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The policy action of a write route: its handler must authorize exactly this action. */
    action?: Action
    /** Further actions the handler authorizes in the same request (a route whose work spans two policies). */
    alsoAuthorizes?: readonly Action[]
  }
  interface FastifyRequest {
    policyBoundary?: RequestBoundary
  }
}

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export default fp(
  async (app) => {
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      const config = route.config as { action?: unknown; alsoAuthorizes?: unknown[] } | undefined
      for (const a of config?.alsoAuthorizes ?? []) {
        if (!isAction(a)) throw new Error(`policy-guard: ${methods.join(',')} ${route.url} lists an unknown action in alsoAuthorizes (${String(a)})`)
      }
      if (!methods.some((m) => WRITE.has(m))) return
      if (!isAction(config?.action)) {
        throw new Error(`policy-guard: ${methods.join(',')} ${route.url} has no registered config.action (got ${String(config?.action)})`)
      }
    })

    // Callback style on purpose: the handler must run inside withinRequest for the boundary to hold.
    app.addHook('preHandler', (request, _reply, done) => {
      const { action, alsoAuthorizes } = request.routeOptions.config
      const boundary: RequestBoundary = { route: `${request.method} ${request.routeOptions.url ?? request.url}`, action, also: alsoAuthorizes ?? [], authorized: new Set(), memo: new Map() }
      request.policyBoundary = boundary
      withinRequest(boundary, () => done())
    })

    // Callback style (#18): no promise per request.
    app.addHook('onSend', (request, reply, payload, done) => {
      const boundary = request.policyBoundary
      if (!boundary?.action || !WRITE.has(request.method) || reply.statusCode >= 300) { done(null, payload); return }
      // An Idempotency-Key replay answers what the first request committed: nothing runs again.
      if (reply.getHeader('idempotent-replayed') === 'true') { done(null, payload); return }
      if (![boundary.action, ...boundary.also].some((a) => boundary.authorized.has(a))) {
        done(new BoundaryViolation(`${boundary.route} answered ${reply.statusCode} without authorizing ${[boundary.action, ...boundary.also].join(' or ')}`))
        return
      }
      done(null, payload)
    })
  },
  { name: 'policy-guard' },
)
