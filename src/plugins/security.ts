// CORS allowlist for iService, rate limiting per principal: official plugins (security headers: plugins/headers.ts).
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'

export default fp<{ config: Readonly<Config> }>(
  async (app, { config }) => {
    await app.register(cors, {
      origin: config.corsOrigins.length ? config.corsOrigins : false,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Accept-Language', 'If-Match', 'If-None-Match', 'Idempotency-Key'],
      exposedHeaders: ['ETag', 'Location', 'X-Request-Id', 'Retry-After'],
      maxAge: 600,
    })
    await app.register(rateLimit, {
      global: true,
      max: config.rateLimitMax,
      timeWindow: '1 minute',
      // After authentication (onRequest), so the key is the principal, not a shared proxy address.
      hook: 'preValidation',
      keyGenerator: (req) => (req.actor ? `p:${req.actor.sub}` : `ip:${req.ip}`),
      allowList: (req) => req.routeOptions.url?.startsWith('/health/') ?? false,
    })
  },
  { name: 'security', dependencies: ['auth'] },
)
