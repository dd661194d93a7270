// Boot-time guard: every POST/PUT/PATCH/DELETE route must name a registered policy action in
// `config.action`, so no write route can exist outside the policy layer.
import fp from 'fastify-plugin'
import { isAction } from '../policy/authorize.ts'

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export default fp(
  async (app) => {
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      if (!methods.some((m) => WRITE.has(m))) return
      const action = (route.config as { action?: unknown } | undefined)?.action
      if (!isAction(action)) {
        throw new Error(`policy-guard: ${methods.join(',')} ${route.url} has no registered config.action (got ${String(action)})`)
      }
    })
  },
  { name: 'policy-guard' },
)
