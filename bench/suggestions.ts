// `npm run bench:suggestions` (part of `npm run bench`): GET /v1/ambassadors/suggestions (#16 item 1)
// at 2,000 active Ambassadors, against a real PostgreSQL, over HTTP, one request at a time.
// Target: p95 under 20 ms. Measurement only: exits 0 unless the setup fails.
//   BENCH_DATABASE_URL  server to use (default postgres://postgres@127.0.0.1:5432/postgres); a
//                       database <BENCH_DB_PREFIX>_<random> is created on it and dropped at the end.
//   BENCH_DB_PREFIX     default m2m_bench_suggestions
//   BENCH_PORT          port to listen on (default 0: any free port)
//   BENCH_REQUESTS      requests measured (default 1000, after 200 of warm-up)
// The data: 2,000 Ambassadors (bench/seed.ts), a third of them with some of their capacity taken,
// 500 conflict declarations, and a 4,000-line reporting snapshot in which the caller sits under a
// 6-level chain with Ambassadors above and below (the conflict walk has work to do).
import { randomBytes } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import pg from 'pg'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createDatabase } from '../src/db/database.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { seedAmbassadors } from './seed.ts'
import { admin, urlFor } from './server.ts'

const AMBASSADORS = 2000
const REQUESTS = Number(process.env.BENCH_REQUESTS || 1000)
const SECRET = `bench-${randomBytes(24).toString('hex')}`
const CALLER = 'E-bench-caller'

async function seedConflicts(url: string) {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    await c.query(`UPDATE ambassadors SET open_engagements = 1 + (hashtext(employee_ref) & 1) WHERE hashtext(employee_ref) % 3 = 0`)
    await c.query(`INSERT INTO conflict_declarations (ambassador_id, employee_ref, kind, declarer_ref, declarer_role)
      SELECT id, 'E-other-' || (row_number() OVER ()), 'other', employee_ref, 'ambassador' FROM ambassadors ORDER BY id LIMIT 495`)
    await c.query(`INSERT INTO conflict_declarations (ambassador_id, employee_ref, kind, declarer_ref, declarer_role)
      SELECT id, $1, 'close_friend', $1, 'manager' FROM ambassadors ORDER BY id DESC LIMIT 5`, [CALLER])
    // Everyone reports to someone: E1000xx under E1000(xx/10) … a forest of depth ~4, and the caller
    // under a chain of six with an Ambassador at the top, and three Ambassadors under the caller.
    await c.query(`INSERT INTO reporting_lines (employee_ref, supervisor_ref, org_unit)
      SELECT 'E' || (100000 + i), CASE WHEN i >= 10 THEN 'E' || (100000 + i / 10) END, 'Unit ' || (i % 40) FROM generate_series(0, 3999) i`)
    await c.query(`INSERT INTO reporting_lines (employee_ref, supervisor_ref, org_unit) VALUES
      ($1, 'C1', 'Ops'), ('C1', 'C2', 'Ops'), ('C2', 'C3', 'Ops'), ('C3', 'C4', 'Ops'), ('C4', 'C5', 'Ops'), ('C5', 'E100007', 'Ops')`, [CALLER])
    await c.query(`UPDATE reporting_lines SET supervisor_ref = $1 WHERE employee_ref IN ('E101500', 'E101501', 'E101502')`, [CALLER])
    await c.query('VACUUM ANALYZE')
  } finally {
    await c.end()
  }
}

async function main() {
  const dbName = `${process.env.BENCH_DB_PREFIX || 'm2m_bench_suggestions'}_${randomBytes(6).toString('hex')}`
  await admin(`CREATE DATABASE ${dbName}`)
  const dbUrl = urlFor(dbName)
  let app: Awaited<ReturnType<typeof buildApp>> | undefined
  try {
    const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: SECRET, LOG_LEVEL: 'silent', DATABASE_URL: dbUrl, RATE_LIMIT_MAX: '1000000' })
    const { db } = createDatabase(config)
    await migrateToLatest(db)
    await seedAmbassadors(dbUrl, AMBASSADORS)
    await seedConflicts(dbUrl)
    app = await buildApp({ config, db })
    app.addHook('onClose', async () => db.destroy())
    const base = await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_PORT || 0) })
    const token = createSigner({ key: SECRET, algorithm: 'HS256', expiresIn: 3600_000 })({ sub: CALLER, roles: ['manager'] })
    const headers = { authorization: `Bearer ${token}`, 'accept-language': 'en' }
    const queries = [
      'language=en&modes=phone&topics=return_to_work&topics=team_impact',
      'language=fr&modes=video&modes=email&topics=crisis',
      'urgency=urgent&topics=grief_and_loss&topics=substance_use&topics=workplace_conflict',
      'language=en',
    ]
    const first = await fetch(`${base}/v1/ambassadors/suggestions?${queries[0]}`, { headers })
    if (first.status !== 200) throw new Error(`suggestions answered ${first.status}: ${await first.text()}`)
    const body = (await first.json()) as { items: { score: number }[] }
    if (body.items.length !== 10) throw new Error(`expected 10 suggestions, got ${body.items.length}`)

    const one = async (i: number) => {
      const t0 = performance.now()
      const r = await fetch(`${base}/v1/ambassadors/suggestions?${queries[i % queries.length]}`, { headers })
      await r.arrayBuffer()
      if (r.status !== 200) throw new Error(`status ${r.status}`)
      return performance.now() - t0
    }
    for (let i = 0; i < 200; i++) await one(i)
    const times: number[] = []
    for (let i = 0; i < REQUESTS; i++) times.push(await one(i))
    times.sort((a, b) => a - b)
    const at = (p: number) => times[Math.min(times.length - 1, Math.floor(times.length * p))]
    console.log(`M2M suggestions benchmark: ${AMBASSADORS} active Ambassadors, ${REQUESTS} sequential requests over HTTP, PostgreSQL ${dbUrl.replace(/\/\/[^@]*@/, '//')}`)
    console.log(`  p50 ${at(0.5).toFixed(2)} ms   p95 ${at(0.95).toFixed(2)} ms   p99 ${at(0.99).toFixed(2)} ms   max ${at(1).toFixed(2)} ms`)
    console.log(`  p95 target < 20 ms: ${at(0.95) < 20 ? 'met' : 'NOT met'}`)
  } finally {
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
