// `npm run bench`: the #18 targets of the directory (GET /v1/ambassadors, AMB-7) against a real
// PostgreSQL, each as a ratio from interleaved runs in one sitting (median and min–max spread):
//   app / Fastify + @fastify/jwt + the same SQL + the same response schema   target ≥ 0.85
//   app / bare Fastify + the same SQL                                        target ≥ 0.7
//   If-None-Match → 304 / the full 200                                       target ≥ 3
//   GET /v1/engagements/{id} (identified read, audited) / the directory       target ≥ 0.8
// then, in a second phase of the same sitting, the engagement writes against raw transactions
// (one INSERT or UPDATE + one counter UPDATE each, on the app's tables, behind the same Fastify +
// @fastify/jwt: the jwt server of bench/directory-server.ts), at 1 and 16 connections:
//   POST /v1/engagements alone / the raw request                             target ≥ 0.7 (c1), ≥ 0.5 (c16)
//   POST /v1/engagements then POST …/withdraw (If-Match from the 201's ETag) / the raw pair, same targets
// and the statements the app sends per request, per withdrawal and per identified read, counted
// in the server process (BENCH_COUNT_STATEMENTS, bench/directory-server.ts) over sequential calls.
// The writes' load: many managers who accepted the current terms, each request to another write
// Ambassador with room (bench/seed.ts seedWriteLoad); between two write measurements the open
// requests are withdrawn in the database (resetWriteLoad), so none answers 409. Non-2xx answers are
// counted and printed.
// The app and both baselines run in their own processes (bench/directory-server.ts), the load
// generator in this one; the baselines run the app's own directory SQL (imported from the
// ambassadors repository, never copied). Measurement only: loopback, fixed durations, always exits
// 0 unless the setup itself fails.
//   BENCH_DATABASE_URL  server to use (default postgres://postgres@127.0.0.1:5432/postgres);
//                       a database m2m_bench_<random> is created on it and dropped at the end.
//   BENCH_DURATION      seconds per measurement (default 5)
//   BENCH_ROUNDS        interleaved rounds (default 5); the order of the servers rotates each round
//   BENCH_CPU_PROF      a directory: the app server writes a --cpu-prof profile there
//   BENCH_DB_PREFIX     the bench database's name prefix (default m2m_bench_)
//   BENCH_WRITES        0: skip the write phase
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import autocannon, { type Request as LoadRequest, type Result as LoadResult } from 'autocannon'
import { createSigner } from 'fast-jwt'
import pg from 'pg'
import { loadConfig } from '../src/config.ts'
import { createDatabase } from '../src/db/database.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { resetWriteLoad, seedAmbassadors, seedWriteLoad } from './seed.ts'
import { admin, urlFor } from './server.ts'

const DURATION = Number(process.env.BENCH_DURATION || 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5)
const CONNECTIONS = 10
const AMBASSADORS = 300
const SECRET = `bench-${randomBytes(24).toString('hex')}`
// The write rows' load: coprime counts (see seedWriteLoad); 10 slots each, so up to 10 ×
// WRITE_AMBASSADORS requests a measurement before one could be full.
const WRITE_AMBASSADORS = 1000
const WRITE_MANAGERS = 997
const COUNTED_CALLS = 20

interface Measured { rps: number; p99: number; statuses: string; errors: number }

const statusesOf = (r: LoadResult) => Object.entries({ '2xx': r['2xx'], '3xx': r['3xx'], '4xx': r['4xx'], '5xx': r['5xx'] })
  .filter(([, n]) => n > 0).map(([k, n]) => `${k}:${n}`).join(' ')

/**
 * Each measurement once per round, ROUNDS rounds, the order rotating each round (so no server
 * always runs first or last); then the table's header. Returns every round's figures per key.
 */
async function interleaved<K extends string>(measures: Record<K, () => Promise<Measured>>): Promise<Record<K, Measured[]>> {
  const order = Object.keys(measures) as K[]
  const runs = Object.fromEntries(order.map((k) => [k, [] as Measured[]])) as Record<K, Measured[]>
  for (let round = 0; round < ROUNDS; round++) {
    const rotated = [...order.slice(round % order.length), ...order.slice(0, round % order.length)]
    for (const k of rotated) runs[k].push(await measures[k]())
    process.stdout.write(`  round ${round + 1}/${ROUNDS}: ${order.map((k) => `${k} ${runs[k][round].rps.toFixed(0)}`).join(', ')} req/s\n`)
  }
  console.log('')
  console.log('| measurement (req/s) | median | min–max | p99 ms (median) | statuses (all rounds) | errors |')
  console.log('|---|---:|---:|---:|---|---:|')
  return runs
}

async function load(url: string, headers: Record<string, string>): Promise<Measured> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers })
  return { rps: r.requests.average, p99: r.latency.p99, statuses: statusesOf(r), errors: r.errors + r.timeouts }
}

// autocannon's HTTP parser (http-parser-js) waits for a body after a 304 that has no
// Content-Length (correct HTTP: a 304 never has a body), so its connections stall. The 304
// comparison therefore uses this plain keep-alive loop on node:http, for both sides.
async function loadNodeHttp(url: string, headers: Record<string, string>, seconds = DURATION): Promise<Measured> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS })
  const counts: Record<string, number> = {}
  const latencies: number[] = []
  let errors = 0
  const end = Date.now() + seconds * 1000
  const one = () => new Promise<void>((resolve) => {
    const t0 = performance.now()
    const req = http.get(url, { agent, headers }, (res) => {
      res.resume()
      res.on('end', () => {
        const k = `${Math.floor((res.statusCode ?? 0) / 100)}xx`
        counts[k] = (counts[k] ?? 0) + 1
        latencies.push(performance.now() - t0)
        resolve()
      })
    })
    req.on('error', () => { errors++; resolve() })
  })
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => { while (Date.now() < end) await one() }))
  agent.destroy()
  latencies.sort((a, b) => a - b)
  const total = latencies.length
  return {
    rps: total / seconds,
    p99: Math.round(latencies[Math.floor(total * 0.99)] ?? 0),
    statuses: Object.entries(counts).map(([k, n]) => `${k}:${n}`).join(' '),
    errors,
  }
}

interface Server { base: string; stop: () => Promise<void>; statements: () => Promise<number> }

/** One server of bench/directory-server.ts in its own process, listening on a free port. */
function startServer(kind: 'app' | 'jwt' | 'bare', dbUrl: string, profileDir?: string): Promise<Server> {
  const execArgv = ['--import', 'tsx', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])]
  const child = fork(fileURLToPath(new URL('./directory-server.ts', import.meta.url)), [kind], {
    execArgv, env: { ...process.env, BENCH_DB_URL: dbUrl, BENCH_SECRET: SECRET, BENCH_COUNT_STATEMENTS: '1' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`the ${kind} server exited (${code}) before listening`)))
    child.once('message', (m: { port: number }) => {
      child.removeAllListeners('exit')
      resolve({
        base: `http://127.0.0.1:${m.port}`,
        stop: () => new Promise<void>((done) => { child.once('exit', () => done()); child.kill('SIGTERM') }),
        statements: () => new Promise<number>((done) => {
          const on = (r: { statements?: number }) => {
            if (typeof r?.statements !== 'number') return
            child.off('message', on)
            done(r.statements)
          }
          child.on('message', on)
          child.send({ statements: true })
        }),
      })
    })
  })
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** A row of the targets table: its name, the ratios of the rounds (or counts), the target, and what it counts. */
type Row = [string, number[], number | undefined, ('ratio' | 'statements')?]

/** A measurement's row; answers of another status class than `expected` are counted apart (none expected). */
function printMeasured(label: string, runs: Measured[], expected = '2xx') {
  const rps = runs.map((m) => m.rps)
  const statuses = new Map<string, number>()
  for (const m of runs) for (const part of m.statuses.split(' ').filter(Boolean)) {
    const [s, n] = part.split(':')
    statuses.set(s, (statuses.get(s) ?? 0) + Number(n))
  }
  const other = [...statuses].filter(([s]) => s !== expected).reduce((a, [, n]) => a + n, 0)
  console.log(`| ${label} | ${median(rps).toFixed(0)} | ${Math.min(...rps).toFixed(0)}–${Math.max(...rps).toFixed(0)} | ${median(runs.map((m) => m.p99))} | ${[...statuses].map(([s, n]) => `${s}:${n}`).join(' ')}${other ? ` (non-${expected}: ${other})` : ''} | ${runs.reduce((a, m) => a + m.errors, 0)} |`)
}

const REQUEST_BODY = (ambassadorId: string) => JSON.stringify({ ambassadorId, language: 'en', preferredModes: ['video'], urgency: 'routine', topics: ['team_impact'], aboutMyEmployee: true })

/**
 * The engagement writes, app against the raw baseline (the jwt server), at 1 and 16 connections,
 * in interleaved rounds; then the statements per call, counted in each server process.
 */
async function writePhase(app: Server, raw: Server, dbUrl: string, engagementUrl: string, readHeaders: Record<string, string>): Promise<Row[]> {
  const writers = await seedWriteLoad(dbUrl, WRITE_AMBASSADORS, WRITE_MANAGERS)
  const sign = createSigner({ key: SECRET, algorithm: 'HS256', expiresIn: 3600_000 })
  const managers = Array.from({ length: WRITE_MANAGERS }, (_, i) => `Bearer ${sign({ sub: `M-bench-${i}`, roles: ['manager'] })}`)
  let n = 0
  const nextPair = () => { const i = n++; return { authorization: managers[i % WRITE_MANAGERS], ambassadorId: writers[i % WRITE_AMBASSADORS] } }
  const base = { 'content-type': 'application/json', 'accept-language': 'en' }

  // Each connection's context: the manager of its last request, and the request's id and ETag.
  type Ctx = { authorization?: string; id?: string; etag?: string }
  const writeLoad = async (server: Server, connections: number, withdraw: boolean, seconds = DURATION): Promise<Measured> => {
    const request: LoadRequest = {
      method: 'POST', path: '/v1/engagements',
      setupRequest: (req, context) => {
        const ctx = context as Ctx
        const p = nextPair()
        ctx.authorization = p.authorization
        ctx.id = undefined
        return { ...req, headers: { ...req.headers, authorization: p.authorization }, body: REQUEST_BODY(p.ambassadorId) }
      },
      onResponse: (status, body, context, headers) => {
        if (status !== 201) return
        const ctx = context as Ctx
        ctx.id = (JSON.parse(body) as { id: string }).id
        ctx.etag = headers.etag ?? headers.ETag
      },
    }
    const withdrawal: LoadRequest = {
      method: 'POST', path: '/',
      // After a refused request there is nothing to withdraw: the sequence starts again.
      setupRequest: (req, context) => {
        const ctx = context as Ctx
        if (!ctx.id) return undefined
        return { ...req, path: `/v1/engagements/${ctx.id}/withdraw`, headers: { ...req.headers, authorization: ctx.authorization!, 'if-match': ctx.etag! }, body: '{}' }
      },
    }
    const r = await autocannon({ url: server.base, connections, duration: seconds, headers: base, requests: withdraw ? [request, withdrawal] : [request] })
    await resetWriteLoad(dbUrl)
    return { rps: r.requests.average, p99: r.latency.p99, statuses: statusesOf(r), errors: r.errors + r.timeouts }
  }

  // One call of each, checked, before anything is measured.
  for (const [name, s] of [['app', app], ['raw', raw]] as const) {
    const p = nextPair()
    const created = await fetch(`${s.base}/v1/engagements`, { method: 'POST', headers: { ...base, authorization: p.authorization }, body: REQUEST_BODY(p.ambassadorId) })
    if (created.status !== 201) throw new Error(`${name}: POST /v1/engagements answered ${created.status}: ${await created.text()}`)
    const { id } = (await created.json()) as { id: string }
    const withdrawn = await fetch(`${s.base}/v1/engagements/${id}/withdraw`, { method: 'POST', headers: { ...base, authorization: p.authorization, 'if-match': created.headers.get('etag')! }, body: '{}' })
    if (withdrawn.status !== 200) throw new Error(`${name}: the withdrawal answered ${withdrawn.status}: ${await withdrawn.text()}`)
  }
  for (const s of [app, raw]) await writeLoad(s, 16, true, 2) // warm-up

  type WKey = 'appRequest1' | 'rawRequest1' | 'appRequest16' | 'rawRequest16' | 'appPair1' | 'rawPair1' | 'appPair16' | 'rawPair16'
  const measures: Record<WKey, () => Promise<Measured>> = {
    appRequest1: () => writeLoad(app, 1, false), rawRequest1: () => writeLoad(raw, 1, false),
    appRequest16: () => writeLoad(app, 16, false), rawRequest16: () => writeLoad(raw, 16, false),
    appPair1: () => writeLoad(app, 1, true), rawPair1: () => writeLoad(raw, 1, true),
    appPair16: () => writeLoad(app, 16, true), rawPair16: () => writeLoad(raw, 16, true),
  }
  const order = Object.keys(measures) as WKey[]
  console.log(`\nEngagement writes: ${WRITE_MANAGERS} managers, ${WRITE_AMBASSADORS} more Ambassadors (capacity 10), ${DURATION} s a measurement, ${ROUNDS} interleaved rounds`)
  const runs = await interleaved(measures)
  const label: Record<WKey, string> = {
    appRequest1: 'app POST /v1/engagements, 1 connection', rawRequest1: 'raw transaction (INSERT + counter UPDATE), 1 connection',
    appRequest16: 'app POST /v1/engagements, 16 connections', rawRequest16: 'raw transaction, 16 connections',
    appPair1: 'app request + withdrawal, 1 connection', rawPair1: 'raw request + withdrawal, 1 connection',
    appPair16: 'app request + withdrawal, 16 connections', rawPair16: 'raw request + withdrawal, 16 connections',
  }
  for (const k of order) printMeasured(label[k], runs[k])

  // Statements, counted in each server's process over sequential calls (nothing else runs then).
  const perCall = async (s: Server, calls: () => Promise<void>) => {
    const before = await s.statements()
    await calls()
    return ((await s.statements()) - before) / COUNTED_CALLS
  }
  const counts = async (s: Server) => {
    const made: { id: string; etag: string; authorization: string }[] = []
    const request = await perCall(s, async () => {
      for (let i = 0; i < COUNTED_CALLS; i++) {
        const p = nextPair()
        const r = await fetch(`${s.base}/v1/engagements`, { method: 'POST', headers: { ...base, authorization: p.authorization }, body: REQUEST_BODY(p.ambassadorId) })
        if (r.status !== 201) throw new Error(`POST /v1/engagements answered ${r.status} while counting statements`)
        made.push({ id: ((await r.json()) as { id: string }).id, etag: r.headers.get('etag')!, authorization: p.authorization })
      }
    })
    const withdrawal = await perCall(s, async () => {
      for (const m of made) {
        const r = await fetch(`${s.base}/v1/engagements/${m.id}/withdraw`, { method: 'POST', headers: { ...base, authorization: m.authorization, 'if-match': m.etag }, body: '{}' })
        if (r.status !== 200) throw new Error(`the withdrawal answered ${r.status} while counting statements`)
        await r.arrayBuffer()
      }
    })
    return { request, withdrawal }
  }
  const appCounts = await counts(app)
  const rawCounts = await counts(raw)
  const read = await perCall(app, async () => {
    for (let i = 0; i < COUNTED_CALLS; i++) {
      const r = await fetch(engagementUrl, { headers: readHeaders })
      if (r.status !== 200) throw new Error(`GET /v1/engagements/{id} answered ${r.status} while counting statements`)
      await r.arrayBuffer()
    }
  })
  await resetWriteLoad(dbUrl)
  console.log(`\nstatements per call (${COUNTED_CALLS} sequential calls each): request app ${appCounts.request}, raw ${rawCounts.request}; withdrawal app ${appCounts.withdrawal}, raw ${rawCounts.withdrawal}; identified read app ${read}`)

  const ratios = (a: WKey, b: WKey) => runs[a].map((m, i) => (runs[b][i].rps > 0 ? m.rps / runs[b][i].rps : NaN))
  return [
    ['`POST /v1/engagements` alone vs the raw transaction, 1 connection', ratios('appRequest1', 'rawRequest1'), 0.7],
    ['`POST /v1/engagements` alone vs the raw transaction, 16 connections', ratios('appRequest16', 'rawRequest16'), 0.5],
    ['request + withdrawal vs the two raw transactions, 1 connection', ratios('appPair1', 'rawPair1'), 0.7],
    ['request + withdrawal vs the two raw transactions, 16 connections', ratios('appPair16', 'rawPair16'), 0.5],
    [`statements per engagement request (raw: ${rawCounts.request})`, [appCounts.request], 2, 'statements'],
    [`statements per withdrawal (raw: ${rawCounts.withdrawal})`, [appCounts.withdrawal], 2, 'statements'],
    ['statements per identified read `GET /v1/engagements/{id}`', [read], 2, 'statements'],
  ]
}

async function main() {
  const dbName = `${process.env.BENCH_DB_PREFIX || 'm2m_bench_'}${randomBytes(6).toString('hex')}`
  await admin(`CREATE DATABASE ${dbName}`)
  const dbUrl = urlFor(dbName)
  const servers: Server[] = []
  try {
    const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: SECRET, LOG_LEVEL: 'silent', DATABASE_URL: dbUrl })
    const { db } = createDatabase(config)
    await migrateToLatest(db)
    await db.destroy()
    await seedAmbassadors(dbUrl, AMBASSADORS)

    const [app, jwt, bare] = await Promise.all([
      startServer('app', dbUrl, process.env.BENCH_CPU_PROF || undefined), startServer('jwt', dbUrl), startServer('bare', dbUrl),
    ])
    servers.push(app, jwt, bare)
    const appUrl = `${app.base}/v1/ambassadors`

    const token = createSigner({ key: SECRET, algorithm: 'HS256', expiresIn: 3600_000 })({ sub: 'E-bench', roles: ['manager'] })
    const headers = { authorization: `Bearer ${token}`, 'accept-language': 'en' }

    // Sanity checks, and the ETag and the cursor of a deep page.
    const first = await fetch(appUrl, { headers })
    if (first.status !== 200) throw new Error(`GET /v1/ambassadors answered ${first.status}: ${await first.text()}`)
    const etag = first.headers.get('etag')
    const firstBody = (await first.json()) as { items: unknown[]; nextCursor: string | null }
    if (firstBody.items.length !== 20) throw new Error(`expected a full first page, got ${firstBody.items.length} items`)
    for (const [name, s] of [['jwt', jwt], ['bare', bare]] as const) {
      const r = await fetch(`${s.base}/v1/ambassadors`, { headers })
      const body = (await r.json()) as { items: unknown[] }
      if (r.status !== 200 || body.items.length !== 20) throw new Error(`the ${name} baseline answered ${r.status} with ${body.items?.length} items`)
    }
    if ((await fetch(`${jwt.base}/v1/ambassadors`)).status !== 401) throw new Error('the jwt baseline answered without a token')
    if (!etag) throw new Error('the directory sent no ETag')
    const check304 = await fetch(appUrl, { headers: { ...headers, 'if-none-match': etag } })
    if (check304.status !== 304) throw new Error(`If-None-Match answered ${check304.status}, not 304`)
    if (check304.headers.get('content-length') !== null || (await check304.arrayBuffer()).byteLength !== 0) throw new Error('the 304 carries a body')
    let cursor = firstBody.nextCursor
    let pageNo = 1
    let deepCursor = cursor
    while (cursor) {
      deepCursor = cursor
      pageNo++
      const r = await fetch(`${appUrl}?cursor=${encodeURIComponent(cursor)}`, { headers })
      cursor = ((await r.json()) as { nextCursor: string | null }).nextCursor
    }

    // The identified read (GET /v1/engagements/{id}, audited): one engagement of the bench manager
    // with the first listed Ambassador, requested through the API as a manager does.
    const terms = new pg.Client({ connectionString: dbUrl })
    await terms.connect()
    try {
      await terms.query(`INSERT INTO engagement_terms_acceptances (manager_ref, version) SELECT $1, max(version) FROM engagement_terms ON CONFLICT DO NOTHING`, ['E-bench'])
    } finally {
      await terms.end()
    }
    const ambassadorId = (firstBody.items[0] as { id: string }).id
    const created = await fetch(`${app.base}/v1/engagements`, {
      method: 'POST', headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ ambassadorId, language: 'en', preferredModes: ['video'], urgency: 'routine', topics: ['team_impact'], aboutMyEmployee: true }),
    })
    if (created.status !== 201) throw new Error(`POST /v1/engagements answered ${created.status}: ${await created.text()}`)
    const engagementUrl = `${app.base}/v1/engagements/${((await created.json()) as { id: string }).id}`
    if ((await fetch(engagementUrl, { headers })).status !== 200) throw new Error('GET /v1/engagements/{id} did not answer 200')

    console.log(`M2M directory benchmark: ${AMBASSADORS} active Ambassadors, ${CONNECTIONS} connections, ${DURATION} s a measurement, ${ROUNDS} interleaved rounds, PostgreSQL ${dbUrl.replace(/\/\/[^@]*@/, '//')}`)
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, Node ${process.version}\n`)
    // Warm-up (JIT, pools, prepared plans) so the first measurement is not penalised.
    for (const s of servers) await autocannon({ url: `${s.base}/v1/ambassadors`, connections: CONNECTIONS, duration: 2, headers })
    await loadNodeHttp(appUrl, { ...headers, 'if-none-match': etag }, 1)

    type Key = 'app' | 'jwt' | 'bare' | 'full' | 'notModified' | 'deep' | 'engagement'
    const measures: Record<Key, () => Promise<Measured>> = {
      app: () => load(appUrl, headers),
      jwt: () => load(`${jwt.base}/v1/ambassadors`, headers),
      bare: () => load(`${bare.base}/v1/ambassadors`, headers),
      full: () => loadNodeHttp(appUrl, headers),
      notModified: () => loadNodeHttp(appUrl, { ...headers, 'if-none-match': etag }),
      deep: () => load(`${appUrl}?cursor=${encodeURIComponent(deepCursor!)}`, headers),
      engagement: () => load(engagementUrl, headers),
    }
    const order = Object.keys(measures) as Key[]
    const runs = await interleaved(measures)
    const label: Record<Key, string> = {
      app: 'app GET /v1/ambassadors (page 1, manager token)',
      jwt: 'Fastify + @fastify/jwt + same SQL + same response schema',
      bare: 'bare Fastify + same SQL',
      full: 'app full 200 (node:http client)',
      notModified: 'app If-None-Match → 304 (node:http client)',
      deep: `app deep page ${pageNo} via cursor`,
      engagement: 'app GET /v1/engagements/{id} (identified read, audited)',
    }
    for (const k of order) printMeasured(label[k], runs[k], k === 'notModified' ? '3xx' : '2xx')
    console.log('')
    const ratios = (a: Key, b: Key) => runs[a].map((m, i) => (runs[b][i].rps > 0 ? m.rps / runs[b][i].rps : NaN))
    const rows: Row[] = [
      ['`GET /v1/ambassadors` vs Fastify + `@fastify/jwt` + same SQL + same response schema', ratios('app', 'jwt'), 0.85],
      ['`GET /v1/ambassadors` vs bare Fastify + same SQL', ratios('app', 'bare'), 0.7],
      ['`If-None-Match` → 304 vs the full 200', ratios('notModified', 'full'), 3],
      ['`GET /v1/engagements/{id}` (identified read, audited) vs the directory', ratios('engagement', 'app'), 0.8],
      [`deep page ${pageNo} vs page 1 (keyset pagination, ≈ 1 expected)`, ratios('deep', 'app'), undefined],
    ]
    if (process.env.BENCH_WRITES !== '0') rows.push(...(await writePhase(app, jwt, dbUrl, engagementUrl, headers)))
    console.log('')
    console.log('| #18 target | ratio (median) | spread (min–max) | target | |')
    console.log('|---|---:|---:|---:|---|')
    for (const [name, r, target, unit] of rows) {
      const m = median(r)
      if (unit === 'statements') {
        console.log(`| ${name} | ${m.toFixed(2)} | ${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)} | ${target === undefined ? '—' : `≤ ${target}`} | ${target === undefined ? '' : m <= target ? 'met' : 'NOT met'} |`)
        continue
      }
      console.log(`| ${name} | ${m.toFixed(2)}× | ${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)} | ${target === undefined ? '—' : `≥ ${target}×`} | ${target === undefined ? '' : m >= target ? 'met' : 'NOT met'} |`)
    }
  } finally {
    for (const s of servers) await s.stop().catch(() => {})
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((err) => console.error(`could not drop ${dbName}:`, err))
  }
}

try {
  await main()
} catch (err) {
  console.error('bench setup failed:', err)
  process.exitCode = 1
}
