// Configuration: environment variables only (SPEC §5), validated once at start.
// Usable by scripts without Fastify.
import { createHmac, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { envSchema } from 'env-schema'
import { Type, type Static } from 'typebox'

const EnvSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], { default: 'development' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  PGLITE_DIR: Type.String({ minLength: 1, default: './.data/pglite' }),
  PGLITE_SHARED_BUFFERS_MB: Type.Integer({ minimum: 1, maximum: 1024, default: 16 }),
  DB_POOL_MAX: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  DB_STATEMENT_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600000, default: 10000 }),
  DB_ACQUIRE_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60000, default: 3000 }),
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1000, maximum: 600000, default: 30000 }),
  SHUTDOWN_DELAY_MS: Type.Integer({ minimum: 0, maximum: 5000, default: 0 }),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  JWT_JWKS_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  JWT_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
  JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  JWT_MAX_LIFETIME_S: Type.Integer({ minimum: 60, maximum: 604800, default: 43200 }),
  JWT_ALGORITHMS: Type.String({ pattern: '^(RS|PS|ES)(256|384|512)(,(RS|PS|ES)(256|384|512))*$', default: 'RS256' }),
  CORS_ORIGINS: Type.String({ default: '' }),
  AUDIT_KEY: Type.Optional(Type.String({ minLength: 32 })),
  DATA_KEY: Type.Optional(Type.String({ minLength: 32 })),
  STATS_MIN_CELL: Type.Integer({ minimum: 5, maximum: 1000, default: 10 }),
  RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 36500, default: 730 }),
  URGENT_RESPONSE_HOURS: Type.Integer({ minimum: 1, maximum: 120, default: 24 }),
  AMBASSADOR_HOURS_PER_MONTH: Type.Integer({ minimum: 1, maximum: 160, default: 8 }),
  PURGE_DAILY: Type.Boolean({ default: false }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, maximum: 1000000, default: 600 }),
  TRUST_PROXY: Type.String({ default: '', pattern: '^$|^[0-9]{1,2}$|^[0-9A-Fa-f:./]+(,[0-9A-Fa-f:./ ]+)*$' }),
  AUTH_FAILURE_MAX: Type.Integer({ minimum: 1, maximum: 1000000, default: 100 }),
  AUTH_FAILURE_WINDOW_S: Type.Integer({ minimum: 1, maximum: 86400, default: 60 }),
  JWT_JWKS_COOLDOWN_S: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, maximum: 10485760, default: 65536 }),
  WEBHOOK_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 30, default: 8 }),
  WEBHOOK_BACKOFF_BASE_MS: Type.Integer({ minimum: 0, maximum: 3600000, default: 30000 }),
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60000, default: 10000 }),
  METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
  METRICS_HOST: Type.String({ minLength: 1, maxLength: 255, default: '127.0.0.1' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
})
type Env = Static<typeof EnvSchema>

export interface Config {
  env: Env['NODE_ENV']
  port: number
  host: string
  databaseUrl?: string
  pgliteDir: string
  /** pgliteSharedBuffersMb: the embedded database's shared_buffers (PGlite only; default 16). */
  db: { poolMax: number; statementTimeoutMs: number; acquireTimeoutMs: number; pgliteSharedBuffersMb?: number }
  requestTimeoutMs: number
  /** On SIGTERM, how long readiness fails before the server stops accepting (load balancers). */
  shutdownDelayMs: number
  jwt: {
    /** HS256 secret (development and tests). */
    secret?: string
    /** JWKS endpoint of the identity provider (production). */
    jwksUrl?: string
    issuer?: string
    audience?: string
    algorithms: string[]
    /** Longest accepted token lifetime (exp − now, and exp − iat), seconds. */
    maxLifetimeS: number
    /** Least time between two JWKS fetches caused by an unknown `kid`, seconds. */
    jwksCooldownS: number
  }
  corsOrigins: string[]
  /**
   * Key of the audit trail's manager pseudonyms (AUD-1: HMAC-SHA256 of the sub and the engagement id). Required in
   * production; elsewhere derived from the JWT secret (see auditKeyOf).
   */
  auditKey?: string
  /**
   * Root of the data keys (engagement fields sealed with AES-256-GCM, keyed hashes of tokens and
   * receipts; src/shared/crypto.ts). Required in production; elsewhere derived from the JWT secret.
   */
  dataKey?: string
  statsMinCell: number
  retentionDays: number
  /** #14 item 3: an urgent request unanswered this long raises the office's and the manager's notice (reminder at half). */
  urgentResponseHours: number
  /** #14 item 5: an Ambassador past this many hours of M2M time in a month is asked to review their capacity. */
  ambassadorHoursPerMonth: number
  /** Run the retention purge in-process once a day (RET-1); one replica purges at a time. */
  purgeDaily: boolean
  rateLimitMax: number
  /** Fastify's trustProxy: the load balancers whose X-Forwarded-For names the client (a hop count or their addresses); false: none. */
  trustProxy: false | number | string[]
  /** Redis shared by the replicas: the rate-limit counters live there (in memory without it). */
  redisUrl?: string
  /** Failed authentications per client address and window before 429 (no token work then). */
  authFailure: { max: number; windowS: number }
  bodyLimit: number
  logLevel: string
  /**
   * #16 webhooks: a delivery is tried at most maxAttempts times (then `dead`, visible to nmno), the
   * n-th retry after backoffBaseMs × 2^(n-1) (capped at a day), each POST given timeoutMs.
   */
  webhooks: { maxAttempts: number; backoffBaseMs: number; timeoutMs: number }
  /** #16 metrics: Prometheus text on GET /metrics of a listener of its own (0: off), never the API port. */
  metrics: { port: number; host: string }
}

export class ConfigError extends Error {}

/** Reads and validates the environment. Throws ConfigError naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  let e: Env
  try {
    e = envSchema<Env>({ schema: EnvSchema, data: env, dotenv: false })
  } catch (err) {
    throw new ConfigError(`Invalid configuration: ${(err as Error).message}`)
  }
  if (e.NODE_ENV === 'production') {
    if (!e.JWT_JWKS_URL) throw new ConfigError('Invalid configuration: JWT_JWKS_URL is required when NODE_ENV=production')
    if (!e.JWT_ISSUER || !e.JWT_AUDIENCE) throw new ConfigError('Invalid configuration: JWT_ISSUER and JWT_AUDIENCE are required when NODE_ENV=production')
    if (e.JWT_SECRET) throw new ConfigError('Invalid configuration: JWT_SECRET (HS256) must not be set when NODE_ENV=production')
    if (!e.AUDIT_KEY) throw new ConfigError('Invalid configuration: AUDIT_KEY (at least 32 characters) is required when NODE_ENV=production')
    if (!e.DATA_KEY) throw new ConfigError('Invalid configuration: DATA_KEY (at least 32 characters) is required when NODE_ENV=production')
    if (e.DATA_KEY === e.AUDIT_KEY) throw new ConfigError('Invalid configuration: DATA_KEY and AUDIT_KEY must differ')
  }
  const jwksMode = Boolean(e.JWT_JWKS_URL) && !e.JWT_SECRET
  if (jwksMode && !e.AUDIT_KEY) {
    throw new ConfigError('Invalid configuration: AUDIT_KEY (at least 32 characters) is required with JWT_JWKS_URL (there is no JWT secret to derive it from)')
  }
  if (jwksMode && !e.DATA_KEY) {
    throw new ConfigError('Invalid configuration: DATA_KEY (at least 32 characters) is required with JWT_JWKS_URL (there is no JWT secret to derive it from)')
  }
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL || undefined,
    pgliteDir: e.PGLITE_DIR,
    db: { poolMax: e.DB_POOL_MAX, statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS, acquireTimeoutMs: e.DB_ACQUIRE_TIMEOUT_MS, pgliteSharedBuffersMb: e.PGLITE_SHARED_BUFFERS_MB },
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    shutdownDelayMs: e.SHUTDOWN_DELAY_MS,
    jwt: {
      secret: e.JWT_SECRET,
      jwksUrl: e.JWT_JWKS_URL,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      algorithms: jwksMode ? e.JWT_ALGORITHMS.split(',') : ['HS256'],
      maxLifetimeS: e.JWT_MAX_LIFETIME_S,
      jwksCooldownS: e.JWT_JWKS_COOLDOWN_S,
    },
    corsOrigins: e.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    auditKey: e.AUDIT_KEY,
    dataKey: e.DATA_KEY,
    statsMinCell: e.STATS_MIN_CELL,
    retentionDays: e.RETENTION_DAYS,
    urgentResponseHours: e.URGENT_RESPONSE_HOURS,
    ambassadorHoursPerMonth: e.AMBASSADOR_HOURS_PER_MONTH,
    purgeDaily: e.PURGE_DAILY,
    rateLimitMax: e.RATE_LIMIT_MAX,
    redisUrl: e.REDIS_URL || undefined,
    trustProxy: !e.TRUST_PROXY ? false : /^[0-9]+$/.test(e.TRUST_PROXY) ? Number(e.TRUST_PROXY) : e.TRUST_PROXY.split(',').map((a) => a.trim()).filter(Boolean),
    authFailure: { max: e.AUTH_FAILURE_MAX, windowS: e.AUTH_FAILURE_WINDOW_S },
    bodyLimit: e.BODY_LIMIT_BYTES,
    logLevel: e.LOG_LEVEL,
    webhooks: { maxAttempts: e.WEBHOOK_MAX_ATTEMPTS, backoffBaseMs: e.WEBHOOK_BACKOFF_BASE_MS, timeoutMs: e.WEBHOOK_TIMEOUT_MS },
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST },
  })
}

/**
 * Development convenience: with neither JWT_SECRET nor JWT_JWKS_URL, a random secret is generated
 * once under .data/ (next to the embedded database) and shared with `npm run token`.
 */
export function withDevSecret(config: Readonly<Config>): Readonly<Config> {
  if (config.jwt.secret || config.jwt.jwksUrl || config.env === 'production') return config
  const file = devSecretPath(config)
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 })
    chmodSync(file, 0o600)
  }
  const secret = readFileSync(file, 'utf8').trim()
  return Object.freeze({ ...config, jwt: { ...config.jwt, secret } })
}

/** The pseudonym key: AUDIT_KEY, or (outside production) one derived from the JWT secret. */
export function auditKeyOf(config: Readonly<Config>): string {
  if (config.auditKey) return config.auditKey
  if (!config.jwt.secret) throw new ConfigError('Invalid configuration: AUDIT_KEY is required without JWT_SECRET')
  return createHmac('sha256', config.jwt.secret).update('m2m-audit-pseudonym-key').digest('base64url')
}

/** The data-key root: DATA_KEY, or (outside production) one derived from the JWT secret. */
export function dataKeyOf(config: Readonly<Config>): string {
  if (config.dataKey) return config.dataKey
  if (!config.jwt.secret) throw new ConfigError('Invalid configuration: DATA_KEY is required without JWT_SECRET')
  return createHmac('sha256', config.jwt.secret).update('m2m-data-key').digest('base64url')
}

export function devSecretPath(config: Readonly<Config>): string {
  return join(resolve(config.pgliteDir), '..', 'jwt-secret')
}
