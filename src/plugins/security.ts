// CORS allowlist for iService, rate limiting per principal: official plugins (security headers: plugins/headers.ts).
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'
import type { Config } from '../config.ts'

/**
 * The rate-limit counters' Redis (REDIS_URL), so that the limit holds across replicas. A Redis that
 * is down or hung never fails nor holds a request: commands are not queued while disconnected,
 * time out after a second, and the limiter lets the request through (skipOnError).
 */
async function rateLimitRedis(app: FastifyInstance, url: string): Promise<Redis> {
  // Loaded only when REDIS_URL is set (#18: start time and memory of a single replica).
  const { Redis } = await import('ioredis')
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 1000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  })
  let lastWarning = 0
  redis.on('error', (err) => {
    // One line a minute at most while Redis is away; the limit is per replica meanwhile.
    if (Date.now() - lastWarning < 60_000) return
    lastWarning = Date.now()
    app.log.warn({ err: { type: 'RedisError', code: (err as { code?: string }).code, message: err.message } }, 'rate-limit store unavailable: requests are not counted across replicas')
  })
  app.addHook('onClose', async () => { redis.disconnect() })
  return redis
}

/** The routes the rate limiter lets through (the probes): no counters, no 429 (also for the contract). */
export const rateLimitExempt = (url: string) => url.startsWith('/health/')

export default fp<{ config: Readonly<Config> }>(
  async (app, { config }) => {
    await app.register(cors, {
      origin: config.corsOrigins.length ? config.corsOrigins : false,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      // The request and answer headers the contract documents (plugins/contract.ts): a browser client
      // may send X-Request-Id and read the rate-limit counters.
      allowedHeaders: ['Authorization', 'Content-Type', 'Accept-Language', 'If-Match', 'If-None-Match', 'Idempotency-Key', 'X-Request-Id'],
      exposedHeaders: ['ETag', 'Location', 'X-Request-Id', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Idempotent-Replayed', 'Content-Language'],
      maxAge: 600,
    })
    await app.register(rateLimit, {
      global: true,
      max: config.rateLimitMax,
      timeWindow: '1 minute',
      // After authentication (onRequest), so the key is the principal, not a shared proxy address.
      hook: 'preValidation',
      keyGenerator: (req) => (req.actor ? `p:${req.actor.sub}` : `ip:${req.ip}`),
      allowList: (req) => rateLimitExempt(req.routeOptions.url ?? ''),
      ...(config.redisUrl ? { redis: await rateLimitRedis(app, config.redisUrl), nameSpace: 'm2m:rate-limit:', skipOnError: true } : {}),
    })
  },
  { name: 'security', dependencies: ['auth'] },
)
