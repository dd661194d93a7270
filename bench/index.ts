// `npm run bench`: throughput of the directory (GET /v1/ambassadors, AMB-7) against a real
// PostgreSQL, compared with a minimal Fastify route that runs the same SQL through raw `pg`.
// Measurement only: loopback, fixed durations, always exits 0 unless the setup itself fails.
//   BENCH_DATABASE_URL  server to use (default postgres://postgres@127.0.0.1:5432/postgres);
//                       a database m2m_bench_<random> is created on it and dropped at the end.
//   BENCH_DURATION      seconds per measurement (default 5)
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import autocannon from 'autocannon'
import { createSigner } from 'fast-jwt'
import Fastify, { type FastifyInstance } from 'fastify'
import pg from 'pg'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createDatabase } from '../src/db/database.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { seedAmbassadors } from './seed.ts'
import { admin, urlFor } from './server.ts'

const DURATION = Number(process.env.BENCH_DURATION || 5)
const CONNECTIONS = 10
const AMBASSADORS = 300
const SECRET = `bench-${randomBytes(24).toString('hex')}`

// Copied from src/modules/ambassadors/repository.ts (DIRECTORY_SQL is not exported). The
// eligibleForMe clause ($5) is reduced to its employee_ref part: the benchmark passes $5 = NULL,
// where the app's clause short-circuits the same way.
const DIRECTORY_SQL = `SELECT id, display_name, bio_en, bio_fr, languages, modes, topics, open_engagements < capacity AS available FROM ambassadors
  WHERE status = 'active' AND term_end > now()
  AND ($1::text IS NULL OR $1 = ANY(languages))
  AND ($2::text IS NULL OR $2 = ANY(modes))
  AND ($3::text IS NULL OR $3 = ANY(topics))
  AND ($4::boolean IS NOT TRUE OR open_engagements < capacity)
  AND ($5::text IS NULL OR employee_ref <> $5)
  AND ($6::text IS NULL OR (display_name, id) > ($6::text, $7::uuid))
  ORDER BY display_name, id LIMIT $8`

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
async function loadNodeHttp(url: string, headers: Record<string, string>): Promise<Measured> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS })
  const counts: Record<string, number> = {}
  const latencies: number[] = []
  let errors = 0
  const end = Date.now() + DURATION * 1000
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
    rps: total / DURATION,
    p99: Math.round(latencies[Math.floor(total * 0.99)] ?? 0),
    statuses: Object.entries(counts).map(([k, n]) => `${k}:${n}`).join(' '),
    errors,
  }
}

async function main() {
  const dbName = `m2m_bench_${randomBytes(6).toString('hex')}`
  await admin(`CREATE DATABASE ${dbName}`)
  const dbUrl = urlFor(dbName)
  let app: Awaited<ReturnType<typeof buildApp>> | undefined
  let baseline: FastifyInstance | undefined
  let pool: pg.Pool | undefined
  try {
    const config = loadConfig({
      NODE_ENV: 'test', JWT_SECRET: SECRET, LOG_LEVEL: 'silent', DATABASE_URL: dbUrl,
      RATE_LIMIT_MAX: '1000000', // the schema's maximum: the rate limit must not shape the numbers
    })
    const { db } = createDatabase(config)
    await migrateToLatest(db)
    await seedAmbassadors(dbUrl, AMBASSADORS)

    app = await buildApp({ config, db })
    app.addHook('onClose', async () => db.destroy())
    const appBase = await app.listen({ host: '127.0.0.1', port: 0 })

    pool = new pg.Pool({ connectionString: dbUrl, max: config.db.poolMax })
    const p = pool
    const b: FastifyInstance = Fastify({ logger: false })
    baseline = b
    b.get('/v1/ambassadors', async (req) => {
      const q = req.query as { limit?: string }
      const limit = Math.min(Math.max(Number(q.limit) || 20, 1), 100)
      const { rows } = await p.query(DIRECTORY_SQL, [null, null, null, null, null, null, null, limit + 1])
      const page = rows.slice(0, limit)
      return {
        items: page.map((r: any) => ({ id: r.id, displayName: r.display_name, bio: r.bio_en ?? r.bio_fr, languages: r.languages, modes: r.modes, topics: r.topics, available: r.available })),
        nextCursor: rows.length > limit ? `${page[page.length - 1].display_name}|${page[page.length - 1].id}` : null,
      }
    })
    const baseBase = await b.listen({ host: '127.0.0.1', port: 0 })

    const token = createSigner({ key: SECRET, algorithm: 'HS256', expiresIn: 3600_000 })({ sub: 'E-bench', roles: ['manager'] })
    const headers = { authorization: `Bearer ${token}`, 'accept-language': 'en' }

    // Sanity checks, and the ETag and the cursor of a deep page.
    const first = await fetch(`${appBase}/v1/ambassadors`, { headers })
    if (first.status !== 200) throw new Error(`GET /v1/ambassadors answered ${first.status}: ${await first.text()}`)
    const etag = first.headers.get('etag')
    const firstBody = (await first.json()) as { items: unknown[]; nextCursor: string | null }
    if (firstBody.items.length !== 20) throw new Error(`expected a full first page, got ${firstBody.items.length} items`)
    const baseCheck = await fetch(`${baseBase}/v1/ambassadors`)
    if (baseCheck.status !== 200) throw new Error(`baseline answered ${baseCheck.status}`)
    if (!etag) throw new Error('the directory sent no ETag')
    const check304 = await fetch(`${appBase}/v1/ambassadors`, { headers: { ...headers, 'if-none-match': etag } })
    if (check304.status !== 304) throw new Error(`If-None-Match answered ${check304.status}, not 304`)
    let cursor = firstBody.nextCursor
    let pageNo = 1
    let deepCursor = cursor
    while (cursor) {
      deepCursor = cursor
      pageNo++
      const r = await fetch(`${appBase}/v1/ambassadors?cursor=${encodeURIComponent(cursor)}`, { headers })
      cursor = ((await r.json()) as { nextCursor: string | null }).nextCursor
    }

    console.log(`M2M directory benchmark: ${AMBASSADORS} active Ambassadors, ${CONNECTIONS} connections, ${DURATION} s each, PostgreSQL ${dbUrl.replace(/\/\/[^@]*@/, '//')}\n`)
    // Warm-up (JIT, pools, prepared plans) so the first measurement is not penalised.
    await autocannon({ url: `${appBase}/v1/ambassadors`, connections: CONNECTIONS, duration: 2, headers })
    await autocannon({ url: `${baseBase}/v1/ambassadors`, connections: CONNECTIONS, duration: 2, headers })
    const rows: [string, Measured][] = []
    const run = async (label: string, url: string, h: Record<string, string>, how = load) => {
      process.stdout.write(`  measuring ${label}…\n`)
      const m = await how(url, h)
      rows.push([label, m])
      return m
    }
    const appFull = await run('app  GET /v1/ambassadors (page 1)', `${appBase}/v1/ambassadors`, headers)
    const base = await run('baseline raw pg, same SQL (page 1)', `${baseBase}/v1/ambassadors`, headers)
    const fullNode = await run('app  full listing (node:http client)', `${appBase}/v1/ambassadors`, headers, loadNodeHttp)
    const notModified = await run('app  If-None-Match → 304 (node:http client)', `${appBase}/v1/ambassadors`, { ...headers, 'if-none-match': etag }, loadNodeHttp)
    const deep = await run(`app  deep page ${pageNo} via cursor`, `${appBase}/v1/ambassadors?cursor=${encodeURIComponent(deepCursor!)}`, headers)

    console.log('')
    console.log('| measurement | req/s | p99 ms | statuses | errors |')
    console.log('|---|---:|---:|---|---:|')
    for (const [label, m] of rows) console.log(`| ${label} | ${m.rps.toFixed(0)} | ${m.p99} | ${m.statuses} | ${m.errors} |`)
    console.log('')
    const ratio = (a: number, b: number) => (b > 0 ? a / b : NaN)
    const r1 = ratio(appFull.rps, base.rps)
    const r2 = ratio(notModified.rps, fullNode.rps)
    const r3 = ratio(deep.rps, appFull.rps)
    console.log(`app / baseline            ${r1.toFixed(2)}  (target ≥ 0.85) ${r1 >= 0.85 ? 'met' : 'NOT met'}`)
    console.log(`304 / full listing        ${r2.toFixed(2)}  (target ≥ 3) ${r2 >= 3 ? 'met' : 'NOT met'}`)
    console.log(`deep page ${pageNo} / page 1      ${r3.toFixed(2)}  (keyset pagination: ≈ 1 expected)`)
  } finally {
    await baseline?.close().catch(() => {})
    await pool?.end().catch(() => {})
    await app?.close().catch(() => {})
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((err) => console.error(`could not drop ${dbName}:`, err))
  }
}

try {
  await main()
} catch (err) {
  console.error('bench setup failed:', err)
  process.exitCode = 1
}
