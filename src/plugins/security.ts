// Security headers, CORS allowlist for iService, rate limiting per principal: official plugins.
import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'

export default fp<{ config: Readonly<Config> }>(
  async (app, { config }) => {
    await app.register(helmet, {
      // The API serves JSON; /docs (swagger-ui) needs its own scripts and styles.
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          frameAncestors: ["'none'"],
        },
      },
      crossOriginResourcePolicy: { policy: 'same-site' },
    })
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
