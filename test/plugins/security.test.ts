// SPEC §4: security headers, CORS allowlist for iService, rate limiting per principal.
import t from 'tap'
import { as, build, call } from '../helper.ts'

t.test('§4 security headers on every answer', async (t) => {
  const { app } = await build(t)
  for (const url of ['/health/live', '/v1/me', '/v1/nope']) {
    const res = await call(app, { url, as: as('E1', 'manager') })
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${url}: nosniff`)
    t.match(res.headers['content-security-policy'], /frame-ancestors 'none'/, `${url}: CSP`)
    t.match(res.headers['strict-transport-security'], /max-age=\d+/, `${url}: HSTS`)
    t.equal(res.headers['x-frame-options'], 'SAMEORIGIN', `${url}: x-frame-options`)
    t.equal(res.headers['cross-origin-resource-policy'], 'same-site', `${url}: CORP`)
    t.notOk(res.headers['x-powered-by'], `${url}: no x-powered-by`)
    t.match(res.headers['x-request-id'], /^[0-9a-f-]{36}$/, `${url}: x-request-id`)
  }
  const me = await call(app, { url: '/v1/me', as: as('E1', 'manager') })
  t.equal(me.headers['cache-control'], 'no-store', 'identified data is not cached')
})

t.test('§4 CORS: only the configured origins', async (t) => {
  const { app } = await build(t, { env: { CORS_ORIGINS: 'https://iservice.example' } })
  const preflight = (origin: string) => app.inject({
    method: 'OPTIONS', url: '/v1/ambassadors',
    headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
  })
  const allowed = await preflight('https://iservice.example')
  t.equal(allowed.headers['access-control-allow-origin'], 'https://iservice.example')
  t.match(String(allowed.headers['access-control-allow-headers']), /Authorization/i)
  t.match(String(allowed.headers['access-control-allow-headers']), /X-Request-Id/i, 'a browser client may send its X-Request-Id')
  const other = await preflight('https://evil.example')
  t.notOk(other.headers['access-control-allow-origin'], 'another origin gets no allow-origin')
  const simple = await call(app, { url: '/v1/ambassadors', as: as('E1', 'manager'), headers: { origin: 'https://iservice.example' } })
  t.equal(simple.headers['access-control-allow-origin'], 'https://iservice.example')
  t.match(String(simple.headers['access-control-expose-headers']), /ETag/)
  for (const h of ['X-Request-Id', 'X-RateLimit-Remaining', 'Retry-After', 'Idempotent-Replayed']) t.match(String(simple.headers['access-control-expose-headers']), h, `${h} is readable by a browser client`)
  const simpleOther = await call(app, { url: '/v1/ambassadors', as: as('E1', 'manager'), headers: { origin: 'https://evil.example' } })
  t.notOk(simpleOther.headers['access-control-allow-origin'])
})

t.test('§4 CORS: no origin is allowed when CORS_ORIGINS is empty', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'OPTIONS', url: '/v1/ambassadors', headers: { origin: 'https://iservice.example', 'access-control-request-method': 'GET' } })
  t.notOk(res.headers['access-control-allow-origin'])
})

t.test('§4 rate limiting is per principal', async (t) => {
  const { app } = await build(t, { env: { RATE_LIMIT_MAX: '3' } })
  const a = as('RL1', 'manager')
  const b = as('RL2', 'manager')
  for (let i = 1; i <= 3; i++) t.equal((await call(app, { url: '/v1/me', as: a })).status, 200, `request ${i} of one principal`)
  const limited = await call(app, { url: '/v1/me', as: a })
  t.equal(limited.status, 429)
  t.equal(limited.body.code, 'too-many-requests')
  t.match(limited.headers['content-type'], /^application\/problem\+json/)
  t.ok(limited.headers['retry-after'], 'retry-after is set')
  t.equal((await call(app, { url: '/v1/me', as: b })).status, 200, 'another principal still gets 200')
  t.equal((await call(app, { url: '/health/live' })).status, 200, 'health is not rate limited')
  const fr = await call(app, { url: '/v1/me', as: a, headers: { 'accept-language': 'fr' } })
  t.equal(fr.status, 429)
  t.equal(fr.body.title, 'Trop de requêtes')
})
