// #12 item 10: with REDIS_URL the rate limit is one limit across replicas (the counters live in
// Redis); without it each replica counts on its own. A Redis that is down never fails a request.
import { randomUUID } from 'node:crypto'
import { connect, createServer } from 'node:net'
import t from 'tap'
import { as, build, call } from '../helper.ts'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

async function redisAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const s = connect(Number(port || 6379), hostname)
    s.setTimeout(1000, () => { s.destroy(); resolve(false) })
    s.once('error', () => resolve(false))
    s.once('connect', () => s.write('PING\r\n'))
    s.once('data', (d) => { s.destroy(); resolve(String(d).startsWith('+PONG')) })
  })
}

const redisUp = await redisAnswers(REDIS_URL)

t.test('with REDIS_URL, two replicas share one limit', { skip: !redisUp && `no Redis at ${REDIS_URL} (.ci/run starts one)` }, async (t) => {
  const env = { RATE_LIMIT_MAX: '4', REDIS_URL }
  const [a, b] = [await build(t, { env }), await build(t, { env })]
  // Until a replica's Redis client has connected, the limiter lets requests through uncounted
  // (skipOnError: its answer says 4 remaining); on a loaded machine that can outlast the requests
  // below. Counted, a principal's first request leaves 3.
  for (const { app } of [a, b]) {
    for (let tries = 0; ; tries++) {
      const probe = await call(app, { url: '/v1/me', as: as(`RLR-warm-${randomUUID()}`, 'manager') })
      if (probe.headers['x-ratelimit-remaining'] === '3') break
      if (tries > 100) throw new Error('the rate limit never reached Redis')
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  const me = as(`RLR-${randomUUID()}`, 'manager')
  const statuses: number[] = []
  for (let i = 0; i < 8; i++) statuses.push((await call(i % 2 ? b.app : a.app, { url: '/v1/me', as: me })).status)
  t.same(statuses, [200, 200, 200, 200, 429, 429, 429, 429], 'the 5th request is limited, whichever replica answers it')
  const limited = await call(a.app, { url: '/v1/me', as: me })
  t.equal(limited.body.code, 'too-many-requests')
  t.ok(limited.headers['retry-after'], 'retry-after is set')
  t.equal((await call(b.app, { url: '/v1/me', as: as(`RLR-${randomUUID()}`, 'manager') })).status, 200, 'another principal is not limited')
})

t.test('without REDIS_URL, each replica counts on its own (in memory)', async (t) => {
  const env = { RATE_LIMIT_MAX: '4' }
  const [a, b] = [await build(t, { env }), await build(t, { env })]
  // Until a replica's Redis client has connected, the limiter lets requests through uncounted
  // (skipOnError: its answer says 4 remaining); on a loaded machine that can outlast the requests
  // below. Counted, a principal's first request leaves 3.
  for (const { app } of [a, b]) {
    for (let tries = 0; ; tries++) {
      const probe = await call(app, { url: '/v1/me', as: as(`RLR-warm-${randomUUID()}`, 'manager') })
      if (probe.headers['x-ratelimit-remaining'] === '3') break
      if (tries > 100) throw new Error('the rate limit never reached Redis')
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  const me = as(`RLM-${randomUUID()}`, 'manager')
  const statuses: number[] = []
  for (let i = 0; i < 8; i++) statuses.push((await call(i % 2 ? b.app : a.app, { url: '/v1/me', as: me })).status)
  t.same(statuses, [200, 200, 200, 200, 200, 200, 200, 200], '4 per replica')
  t.equal((await call(a.app, { url: '/v1/me', as: me })).status, 429, 'then each replica limits')
})

t.test('a Redis that is down fails no request and does not stop the process', async (t) => {
  // Nothing listens on port 1: every command fails at once.
  const { app } = await build(t, { env: { RATE_LIMIT_MAX: '4', REDIS_URL: 'redis://127.0.0.1:1' } })
  const me = as(`RLD-${randomUUID()}`, 'manager')
  for (let i = 0; i < 6; i++) {
    const res = await call(app, { url: '/v1/me', as: me })
    t.equal(res.status, 200, `request ${i + 1} served`)
  }
  t.equal((await call(app, { url: '/health/ready' })).status, 200, 'still ready')
})

t.test('a Redis that accepts connections but never answers holds no request', async (t) => {
  const hung = createServer(() => { /* accept, never answer */ })
  await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r))
  t.teardown(() => { hung.close() })
  const port = (hung.address() as { port: number }).port
  const { app } = await build(t, { env: { RATE_LIMIT_MAX: '4', REDIS_URL: `redis://127.0.0.1:${port}` } })
  const me = as(`RLH-${randomUUID()}`, 'manager')
  for (let i = 0; i < 3; i++) {
    const res = await call(app, { url: '/v1/me', as: me })
    t.equal(res.status, 200, `request ${i + 1} served`)
  }
})
