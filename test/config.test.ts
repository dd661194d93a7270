// SPEC §5 and AUTH-2: configuration comes only from the environment and is validated at start.
import t, { type Test } from 'tap'
import { ConfigError, loadConfig } from '../src/config.ts'

const PROD = { NODE_ENV: 'production', JWT_JWKS_URL: 'https://idp.example/.well-known/jwks.json', JWT_ISSUER: 'https://idp.example', JWT_AUDIENCE: 'm2m-api', AUDIT_KEY: 'k'.repeat(40), DATA_KEY: 'd'.repeat(40) }

function refuses(t: Test, env: Record<string, string>, naming: RegExp, why: string) {
  let caught: unknown
  try {
    loadConfig(env)
  } catch (err) {
    caught = err
  }
  t.ok(caught instanceof ConfigError, `${why}: ConfigError`)
  t.match((caught as Error | undefined)?.message, naming, `${why}: the message names the variable`)
}

t.test('AUTH-2 production refuses to start without real key configuration', async (t) => {
  refuses(t, { NODE_ENV: 'production', JWT_ISSUER: 'https://idp.example', JWT_AUDIENCE: 'm2m-api' }, /JWT_JWKS_URL/, 'no JWKS URL')
  refuses(t, { ...PROD, JWT_SECRET: 'a'.repeat(48) }, /JWT_SECRET/, 'an HS256 secret is refused in production')
  refuses(t, { NODE_ENV: 'production', JWT_JWKS_URL: PROD.JWT_JWKS_URL }, /JWT_ISSUER/, 'no issuer or audience')
  const { AUDIT_KEY: _key, ...noAuditKey } = PROD
  refuses(t, noAuditKey, /AUDIT_KEY/, 'no pseudonym key for the audit trail (AUD-1)')
  refuses(t, { ...PROD, AUDIT_KEY: 'short' }, /AUDIT_KEY/, 'a short pseudonym key')
  refuses(t, { ...noAuditKey, NODE_ENV: 'test' }, /AUDIT_KEY/, 'JWKS outside production: no secret to derive the pseudonym key from')
  const { DATA_KEY: _dk, ...noDataKey } = PROD
  refuses(t, noDataKey, /DATA_KEY/, 'no data key for sealed fields (CONF-5, RET-1)')
  refuses(t, { ...PROD, DATA_KEY: 'short' }, /DATA_KEY/, 'a short data key')
  refuses(t, { ...PROD, DATA_KEY: PROD.AUDIT_KEY }, /DATA_KEY/, 'one key for two purposes')
  refuses(t, { ...noDataKey, NODE_ENV: 'test' }, /DATA_KEY/, 'JWKS outside production: no secret to derive the data key from')
  const c = loadConfig(PROD)
  t.equal(c.env, 'production')
  t.same(c.jwt.algorithms, ['RS256'], 'asymmetric algorithms only')
  t.equal(c.jwt.secret, undefined)
})

t.test('AUTH-2 the accepted algorithms are explicit: HS256 in development, asymmetric with JWKS', async (t) => {
  t.same(loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(40) }).jwt.algorithms, ['HS256'])
  t.same(loadConfig({ ...PROD, JWT_ALGORITHMS: 'ES256,RS256' }).jwt.algorithms, ['ES256', 'RS256'])
  refuses(t, { ...PROD, JWT_ALGORITHMS: 'HS256' }, /JWT_ALGORITHMS/, 'HS256 cannot be configured for JWKS')
  refuses(t, { ...PROD, JWT_ALGORITHMS: 'none' }, /JWT_ALGORITHMS/, 'none cannot be configured')
  refuses(t, { NODE_ENV: 'test', JWT_SECRET: 'short' }, /JWT_SECRET/, 'a short secret is refused')
})

t.test('RPT-4 STATS_MIN_CELL below 5 is refused at start', async (t) => {
  refuses(t, { NODE_ENV: 'test', STATS_MIN_CELL: '4' }, /STATS_MIN_CELL/, 'STATS_MIN_CELL=4')
  t.equal(loadConfig({ NODE_ENV: 'test', STATS_MIN_CELL: '5' }).statsMinCell, 5)
  t.equal(loadConfig({ NODE_ENV: 'test' }).statsMinCell, 10, 'default 10')
})

t.test('§5 a bad value is refused with a message naming the variable', async (t) => {
  refuses(t, { NODE_ENV: 'test', PORT: 'abc' }, /PORT/, 'PORT=abc')
  refuses(t, { NODE_ENV: 'test', PORT: '70000' }, /PORT/, 'PORT out of range')
  refuses(t, { NODE_ENV: 'staging' }, /NODE_ENV/, 'unknown NODE_ENV')
  refuses(t, { NODE_ENV: 'test', DATABASE_URL: 'mysql://x' }, /DATABASE_URL/, 'not a PostgreSQL URL')
  refuses(t, { NODE_ENV: 'test', RETENTION_DAYS: '0' }, /RETENTION_DAYS/, 'RETENTION_DAYS=0')
  refuses(t, { NODE_ENV: 'test', LOG_LEVEL: 'loud' }, /LOG_LEVEL/, 'unknown LOG_LEVEL')
})

t.test('§5 defaults and parsing', async (t) => {
  const c = loadConfig({ NODE_ENV: 'test', CORS_ORIGINS: ' https://iservice.example , https://b.example,' })
  t.equal(c.port, 3000)
  t.equal(c.host, '127.0.0.1')
  t.equal(c.bodyLimit, 65536)
  t.equal(c.retentionDays, 730)
  t.same(c.corsOrigins, ['https://iservice.example', 'https://b.example'])
  t.ok(Object.isFrozen(c), 'the configuration is frozen')
})
