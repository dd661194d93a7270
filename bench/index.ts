// `npm run bench`: the #18 targets of the directory (GET /v1/ambassadors, AMB-7) against a real
// PostgreSQL, each as a ratio from interleaved runs in one sitting (median and min–max spread):
//   app / Fastify + @fastify/jwt + the same SQL + the same response schema   target ≥ 0.85
//   app / bare Fastify + the same SQL                                        target ≥ 0.7
//   If-None-Match → 304 / the full 200                                       target ≥ 3
//   GET /v1/engagements/{id} (identified read, audited) / the directory       target ≥ 0.8
// The app and both baselines run in their own processes (bench/directory-server.ts), the load
// generator in this one; the baselines run the app's own directory SQL (imported from the
// ambassadors repository, never copied). Measurement only: loopback, fixed durations, always exits
// 0 unless the setup itself fails.
//   BENCH_DATABASE_URL  server to use (default postgres://postgres@127.0.0.1:5432/postgres);
//                       a database m2m_bench_<random> is created on it and dropped at the end.
//   BENCH_DURATION      seconds per measurement (default 5)
//   BENCH_ROUNDS        interleaved rounds (default 5); the order of the servers rotates each round
//   BENCH_CPU_PROF      a directory: the app server writes a --cpu-prof profile there
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { createSigner } from 'fast-jwt'
import pg from 'pg'
import { loadConfig } from '../src/config.ts'
import { createDatabase } from '../src/db/database.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { seedAmbassadors } from './seed.ts'
import { admin, urlFor } from './server.ts'

const DURATION = Number(process.env.BENCH_DURATION || 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5)
const CONNECTIONS = 10
const AMBASSADORS = 300
const SECRET = `bench-${randomBytes(24).toString('hex')}`

interface Measured { rps: number; p99: number; statuses: string; errors: number }

async function load(url: string, headers: Record<string, string>): Promise<Measured> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers })
  const statuses = Object.entries({ '2xx': r['2xx'], '3xx': r['3xx'], '4xx': r['4xx'], '5xx': r['5xx'] })
    .filter(([, n]) => n > 0).map(([k, n]) => `${k}:${n}`).join(' ')
  return { rps: r.requests.average, p99: r.latency.p99, statuses, errors: r.errors + r.timeouts }
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

interface Server { base: string; stop: () => Promise<void> }

/** One server of bench/directory-server.ts in its own process, listening on a free port. */
function startServer(kind: 'app' | 'jwt' | 'bare', dbUrl: string, profileDir?: string): Promise<Server> {
  const execArgv = ['--import', 'tsx', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])]
  const child = fork(fileURLToPath(new URL('./directory-server.ts', import.meta.url)), [kind], {
    execArgv, env: { ...process.env, BENCH_DB_URL: dbUrl, BENCH_SECRET: SECRET }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`the ${kind} server exited (${code}) before listening`)))
    child.once('message', (m: { port: number }) => {
      child.removeAllListeners('exit')
      resolve({
        base: `http://127.0.0.1:${m.port}`,
        stop: () => new Promise<void>((done) => { child.once('exit', () => done()); child.kill('SIGTERM') }),
      })
    })
  })
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

async function main() {
  const dbName = `m2m_bench_${randomBytes(6).toString('hex')}`
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
    const runs: Record<Key, Measured[]> = { app: [], jwt: [], bare: [], full: [], notModified: [], deep: [], engagement: [] }
    for (let round = 0; round < ROUNDS; round++) {
      const rotated = [...order.slice(round % order.length), ...order.slice(0, round % order.length)]
      for (const k of rotated) runs[k].push(await measures[k]())
      process.stdout.write(`  round ${round + 1}/${ROUNDS}: ${order.map((k) => `${k} ${runs[k][round].rps.toFixed(0)}`).join(', ')} req/s\n`)
    }

    console.log('')
    console.log('| measurement (req/s) | median | min–max | p99 ms (median) | statuses (all rounds) | errors |')
    console.log('|---|---:|---:|---:|---|---:|')
    const label: Record<Key, string> = {
      app: 'app GET /v1/ambassadors (page 1, manager token)',
      jwt: 'Fastify + @fastify/jwt + same SQL + same response schema',
      bare: 'bare Fastify + same SQL',
      full: 'app full 200 (node:http client)',
      notModified: 'app If-None-Match → 304 (node:http client)',
      deep: `app deep page ${pageNo} via cursor`,
      engagement: 'app GET /v1/engagements/{id} (identified read, audited)',
    }
    for (const k of order) {
      const rps = runs[k].map((m) => m.rps)
      const statuses = new Map<string, number>()
      for (const m of runs[k]) for (const part of m.statuses.split(' ').filter(Boolean)) {
        const [s, n] = part.split(':')
        statuses.set(s, (statuses.get(s) ?? 0) + Number(n))
      }
      console.log(`| ${label[k]} | ${median(rps).toFixed(0)} | ${Math.min(...rps).toFixed(0)}–${Math.max(...rps).toFixed(0)} | ${median(runs[k].map((m) => m.p99))} | ${[...statuses].map(([s, n]) => `${s}:${n}`).join(' ')} | ${runs[k].reduce((a, m) => a + m.errors, 0)} |`)
    }
    console.log('')
    const ratios = (a: Key, b: Key) => runs[a].map((m, i) => (runs[b][i].rps > 0 ? m.rps / runs[b][i].rps : NaN))
    const rows: [string, number[], number | undefined][] = [
      ['`GET /v1/ambassadors` vs Fastify + `@fastify/jwt` + same SQL + same response schema', ratios('app', 'jwt'), 0.85],
      ['`GET /v1/ambassadors` vs bare Fastify + same SQL', ratios('app', 'bare'), 0.7],
      ['`If-None-Match` → 304 vs the full 200', ratios('notModified', 'full'), 3],
      ['`GET /v1/engagements/{id}` (identified read, audited) vs the directory', ratios('engagement', 'app'), 0.8],
      [`deep page ${pageNo} vs page 1 (keyset pagination, ≈ 1 expected)`, ratios('deep', 'app'), undefined],
    ]
    console.log('| #18 target | ratio (median) | spread (min–max) | target | |')
    console.log('|---|---:|---:|---:|---|')
    for (const [name, r, target] of rows) {
      const m = median(r)
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
