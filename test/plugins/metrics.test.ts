// #16 part 3: Prometheus metrics on a listener of their own (METRICS_PORT): request rate and latency
// by route pattern, pool usage, job runs, the webhook outbox's backlog; no label holds an id.
import t from 'tap'
import { jobs, runJob } from '../../src/jobs/index.ts'
import { startMetricsServer } from '../../src/plugins/metrics.ts'
import { NMNO, activeAmbassador, as, build, call, testConfig, usingServer } from '../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['phone'], urgency: 'routine', topics: ['crisis'], aboutMyEmployee: true }
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i

/** The metrics listener on a free port of this helper's range (47200-47299). */
async function listen(app: Parameters<typeof startMetricsServer>[0]) {
  const start = Math.floor(Math.random() * 100)
  for (let i = 0; i < 100; i++) {
    const port = 47200 + ((start + i) % 100)
    try {
      await startMetricsServer(app, { port, host: '127.0.0.1' })
      return `http://127.0.0.1:${port}`
    } catch (err) {
      if ((err as { code?: string }).code !== 'EADDRINUSE') throw err
    }
  }
  throw new Error('no free port')
}

/** Every sample line: name, labels, value. */
function samples(text: string) {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(l)
    if (!m) throw new Error(`not a sample line: ${l}`)
    const labels: Record<string, string> = {}
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v
    return { name: m[1], labels, value: Number(m[3]) }
  })
}

t.test('GET /metrics: route patterns, pool, job runs, outbox backlog; no id in any label', async (t) => {
  const { app, db } = await build(t)
  const base = await listen(app)
  const amb = await activeAmbassador(app, 'MT01')
  const manager = as('MTM1', 'manager')
  await call(app, { method: 'POST', url: '/v1/webhooks', as: NMNO, body: { url: 'https://relay.example.org/hook', events: ['*'] } })
  const e = (await call(app, { method: 'POST', url: '/v1/engagements', as: manager, body: { ambassadorId: amb.id, ...REQUEST } })).body.id
  // Routes with ids in their URLs, found and not; a URL no route has; a refusal.
  t.equal((await call(app, { url: `/v1/engagements/${e}`, as: manager })).status, 200)
  t.equal((await call(app, { url: `/v1/engagements/${crypto.randomUUID()}`, as: manager })).status, 404)
  t.equal((await call(app, { url: `/v1/ambassadors/${amb.id}`, as: manager })).status, 200)
  t.equal((await call(app, { url: `/v1/no-such-thing/${crypto.randomUUID()}/MTM1` })).status, 404)
  t.equal((await call(app, { url: `/v1/engagements/${e}` })).status, 401)
  // Job runs: one that works, then the same period again (another replica's: skipped).
  const reminders = jobs(testConfig()).find((j) => j.name === 'reminders')!
  await runJob(app, db, reminders)
  await runJob(app, db, reminders)
  const failing = { name: 'failing-job', everyMs: 1000, periodMs: 1000, run: async () => { throw new Error('boom') } }
  await runJob(app, db, failing)

  t.equal((await app.inject({ url: '/metrics' })).statusCode, 404, 'not on the API’s port')
  const res = await fetch(`${base}/metrics`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
  const text = await res.text()
  const all = samples(text)
  const names = new Set(all.map((s) => s.name))
  for (const n of ['m2m_http_requests_total', 'm2m_http_request_duration_seconds_bucket', 'm2m_http_request_duration_seconds_sum', 'm2m_db_pool_connections', 'm2m_job_runs_total', 'm2m_webhook_outbox']) {
    t.ok(names.has(n), `${n} is exported`)
  }
  const requests = all.filter((s) => s.name === 'm2m_http_requests_total')
  const routes = new Set(requests.map((s) => s.labels.route))
  t.ok(routes.has('/v1/engagements/:id'), 'the route pattern, not the URL')
  t.ok(routes.has('/v1/ambassadors/:id'))
  t.ok(routes.has('unmatched'), 'a URL no route has')
  t.equal(requests.filter((s) => s.labels.route === '/v1/engagements/:id').reduce((n, s) => n + s.value, 0), 3, 'three requests on that pattern')
  t.same(requests.find((s) => s.labels.route === '/v1/engagements/:id' && s.labels.status_code === '401')?.labels.method, 'GET')
  const pool = Object.fromEntries(all.filter((s) => s.name === 'm2m_db_pool_connections').map((s) => [s.labels.state, s.value]))
  if (usingServer) t.same(Object.keys(pool).sort(), ['idle', 'max', 'total', 'waiting'], 'the pg pool')
  else t.same(pool, { max: 1, total: 1 }, 'PGlite: one connection')
  const runs = Object.fromEntries(all.filter((s) => s.name === 'm2m_job_runs_total').map((s) => [`${s.labels.job}:${s.labels.outcome}`, s.value]))
  t.same(runs, { 'reminders:idle': 1, 'reminders:skipped': 1, 'failing-job:failed': 1 })
  const outbox = Object.fromEntries(all.filter((s) => s.name === 'm2m_webhook_outbox').map((s) => [s.labels.status, s.value]))
  t.same(outbox, { pending: 1, dead: 0 }, 'the engagement request is waiting to be sent')

  const ids = [e, amb.id, amb.me.sub, manager.sub, NMNO.sub]
  const values = all.flatMap((s) => Object.values(s.labels))
  t.same(values.filter((v) => UUID.test(v) || ids.some((id) => v.includes(id))), [], 'no label value holds an id')
  t.notMatch(text, UUID, 'no UUID anywhere in the scrape')

  t.equal((await fetch(`${base}/other`)).status, 404)
  t.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 404)
})

t.test('METRICS_PORT: off by default', async (t) => {
  t.same(testConfig().metrics, { port: 0, host: '127.0.0.1' })
  t.same(testConfig({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metrics, { port: 9464, host: '0.0.0.0' })
})
