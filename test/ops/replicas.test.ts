// #12 item 10: scale-out is real. Three replicas (`node --import tsx src/server.ts`) on one
// PostgreSQL database and one Redis, behind HAProxy (round robin, health check on /health/ready):
// the rate limit is one limit across the replicas, the last slot of an Ambassador goes to exactly one
// of 20 concurrent managers, and a rolling restart (SIGTERM, restart, one replica after the other)
// under continuous traffic fails no request. PostgreSQL only; skipped without haproxy or Redis.
import { randomBytes } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import type { App } from '../../src/app.ts'
import { createDatabase } from '../../src/db/database.ts'
import { migrateToLatest } from '../../src/db/migrate.ts'
import { activeAmbassador, as, call, FULL_PROFILE, SERVER_URL, TEST_SECRET, tokenFor } from '../helper.ts'
import { gone, killAll, start, waitFor, type Proc } from './procs.ts'

const LB_PORT = 3879
const PORTS = [3880, 3881, 3882]
const RATE_LIMIT_MAX = 30
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const REQUEST = { language: 'fr', preferredModes: ['phone'], urgency: 'routine', topics: ['return_to_work'], aboutMyEmployee: true }

const haproxy = spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).status === 0
const redis = spawnSync('redis-cli', ['-u', REDIS_URL, 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG'
const skip = !SERVER_URL ? 'PostgreSQL only (TEST_DATABASE_URL)'
  : !haproxy ? 'haproxy is not installed (apt-get install haproxy; .ci/run installs it)'
  : !redis ? `no Redis at ${REDIS_URL} (.ci/run starts one)` : false

/** The test helpers' `call` over real HTTP, through the load balancer. */
function viaHttp(base: string): App {
  return {
    inject: async ({ method, url, headers, payload }: { method: string; url: string; headers: Record<string, string>; payload?: unknown }) => {
      const res = await fetch(base + url, {
        method,
        headers: { ...headers, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: payload !== undefined ? JSON.stringify(payload) : undefined,
      })
      const text = await res.text()
      return { statusCode: res.status, headers: Object.fromEntries(res.headers), json: () => JSON.parse(text) }
    },
  } as unknown as App
}

t.test('three replicas behind HAProxy', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'm2m-replicas-'))
  const name = `m2m_rep_${randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: SERVER_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  const url = new URL(SERVER_URL!)
  url.pathname = `/${name}`
  const procs: Proc[] = []
  t.teardown(async () => {
    killAll(procs.map((p) => p.child.pid!).filter(Boolean))
    await new Promise((r) => setTimeout(r, 300))
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end()
    rmSync(dir, { recursive: true, force: true })
  })
  {
    const { db } = createDatabase({ databaseUrl: url.toString(), pgliteDir: '', db: { poolMax: 2, statementTimeoutMs: 60000, acquireTimeoutMs: 10000 } })
    await migrateToLatest(db)
    await db.destroy()
  }

  const env = (port: number) => ({
    NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: url.toString(), REDIS_URL,
    JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'warn', RATE_LIMIT_MAX: String(RATE_LIMIT_MAX), DB_POOL_MAX: '10',
    // Longer than HAProxy needs to see readiness fail (inter 300 ms × fall 2).
    SHUTDOWN_DELAY_MS: '1500',
  })
  const replicas: Proc[] = []
  const startReplica = (i: number) => {
    const p = start('node', ['--import', 'tsx', 'src/server.ts'], env(PORTS[i]))
    procs.push(p)
    replicas[i] = p
    return waitFor(`http://127.0.0.1:${PORTS[i]}/health/ready`, p)
  }
  await Promise.all(PORTS.map((_, i) => startReplica(i)))

  const cfg = join(dir, 'haproxy.cfg')
  writeFileSync(cfg, `
global
  maxconn 2000
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  # A connection refused or dropped, or a 503 of a closing replica: the request goes to another one.
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response response-timeout 503
frontend api
  bind 127.0.0.1:${LB_PORT}
  default_backend replicas
backend replicas
  balance roundrobin
  option httpchk GET /health/ready
  http-check expect status 200
  http-response set-header x-served-by %s
  default-server inter 300ms fastinter 200ms downinter 300ms fall 2 rise 2
${PORTS.map((p, i) => `  server r${i} 127.0.0.1:${p} check`).join('\n')}
`)
  const check = spawnSync('haproxy', ['-c', '-f', cfg], { encoding: 'utf8' })
  t.equal(check.status, 0, `haproxy accepts the configuration ${check.stderr}`)
  const lb = start('haproxy', ['-db', '-f', cfg], {})
  procs.push(lb)
  const base = `http://127.0.0.1:${LB_PORT}`
  await waitFor(`${base}/health/ready`, lb)
  // Every replica in rotation before the load starts.
  await new Promise((r) => setTimeout(r, 1500))

  await t.test('the rate limit is one limit across the replicas (Redis)', async (t) => {
    const token = tokenFor(as(`REP-RL-${randomBytes(4).toString('hex')}`, 'manager'))
    const statuses: number[] = []
    const servedBy = new Set<string>()
    for (let i = 0; i < RATE_LIMIT_MAX + 15; i++) {
      const res = await fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${token}` } })
      await res.arrayBuffer()
      statuses.push(res.status)
      servedBy.add(res.headers.get('x-served-by') ?? '?')
    }
    t.equal(servedBy.size, 3, `spread over the three replicas (${[...servedBy].join(', ')})`)
    t.equal(statuses.filter((s) => s === 200).length, RATE_LIMIT_MAX, `${RATE_LIMIT_MAX} served, not ${3 * RATE_LIMIT_MAX}`)
    t.equal(statuses.filter((s) => s === 429).length, 15, 'the rest limited')
    t.same(statuses.slice(0, RATE_LIMIT_MAX), Array(RATE_LIMIT_MAX).fill(200), 'limited only after the limit')
  })

  await t.test('the last slot: 20 managers at once through the balancer, exactly one gets it', async (t) => {
    const http = viaHttp(base)
    const amb = await activeAmbassador(http, `REP-A-${randomBytes(3).toString('hex')}`, { capacity: 1 })
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      call(http, { method: 'POST', url: '/v1/engagements', as: as(`REP-M${i}-${randomBytes(3).toString('hex')}`, 'manager'), body: { ambassadorId: amb.id, ...REQUEST } })))
    const codes = results.map((r) => r.status)
    t.equal(codes.filter((c) => c === 201).length, 1, 'one request created')
    t.equal(codes.filter((c) => c === 409).length, 19, 'the others: 409')
    t.ok(results.filter((r) => r.status === 409).every((r) => r.body.code === 'ambassador-unavailable'), 'ambassador-unavailable')
    const admin2 = await call(http, { url: `/v1/ambassadors/${amb.id}`, as: as('N900', 'nmno') })
    t.equal(admin2.body.openEngagements, 1, 'one engagement holds the slot')
  })

  await t.test('rolling restart under load: no failed request', async (t) => {
    let running = true
    let sent = 0
    const failures: string[] = []
    // Reads, and writes (an application to become an Ambassador, 201), which no balancer retries.
    const urls = ['/v1/ambassadors', '/v1/me', 'POST /v1/ambassadors', '/health/ready']
    const worker = async (w: number) => {
      while (running) {
        const path = urls[sent % urls.length]
        const n = sent++
        const write = path.startsWith('POST ')
        try {
          const res = await fetch(base + path.replace('POST ', ''), {
            method: write ? 'POST' : 'GET',
            headers: { authorization: `Bearer ${tokenFor(as(`REP-L${w}-${n}`, 'manager'))}`, ...(write ? { 'content-type': 'application/json' } : {}) },
            body: write ? JSON.stringify({ displayName: `Candidate ${w}-${n}`, ...FULL_PROFILE }) : undefined,
          })
          await res.arrayBuffer()
          if (res.status !== (write ? 201 : 200)) failures.push(`${path}: ${res.status}`)
        } catch (err) {
          failures.push(`${path}: ${(err as Error).message}`)
        }
      }
    }
    const load = Promise.all([0, 1, 2, 3].map(worker))
    const stops: number[] = []
    for (let i = 0; i < PORTS.length; i++) {
      const old = replicas[i]
      const t0 = Date.now()
      old.child.kill('SIGTERM')
      const took = await gone([old.child.pid!], 10_000)
      t.ok(took !== undefined, `replica ${i} exited after SIGTERM`)
      stops.push(Date.now() - t0)
      t.equal((await old.exited).code, 0, `replica ${i} exit code 0`)
      await startReplica(i)
      // Back in rotation (rise 2 × 300 ms) before the next one goes.
      await new Promise((r) => setTimeout(r, 1500))
    }
    running = false
    await load
    t.comment(`rolling restart: ${sent} requests, ${failures.length} failed; SIGTERM → exit per replica: ${stops.join(', ')} ms`)
    t.ok(sent > 100, `${sent} requests during the restart`)
    t.same(failures, [], 'no failed request')
  })

  lb.child.kill('SIGTERM')
  for (const r of replicas) r.child.kill('SIGTERM')
  await Promise.all([lb, ...replicas].map((p) => p.exited))
})
