// `npm run bench:embedded` (part of `npm run bench`): the embedded default (PGlite) against a
// PostgreSQL server on the directory (GET /v1/ambassadors, 20 of 300, a manager's token): the same
// app, the same seed, interleaved rounds, median and spread of the ratio (#18: ≥ 0.5×, or the README
// says what the embedded default is for). Measurement only.
//   BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres): a database
//   m2m_bench_embedded_<random> is created on it and dropped; PGlite lives in a temporary directory.
//   BENCH_DURATION (s per measurement, default 5), BENCH_ROUNDS (default 3)
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { createSigner } from 'fast-jwt'
import { sql } from 'kysely'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createDatabase, type Db } from '../src/db/database.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { seedAmbassadors } from './seed.ts'
import { admin, urlFor } from './server.ts'

const DURATION = Number(process.env.BENCH_DURATION || 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3)
const CONNECTIONS = 10
const AMBASSADORS = 300
const SECRET = `bench-${randomBytes(24).toString('hex')}`

const name = `m2m_bench_embedded_${randomBytes(4).toString('hex')}`
const dir = mkdtempSync(join(tmpdir(), 'm2m-embedded-'))
await admin(`CREATE DATABASE ${name}`)
const apps: Array<{ close(): Promise<unknown> }> = []
try {
  const base = { NODE_ENV: 'test', JWT_SECRET: SECRET, LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '1000000' }
  const pgConfig = loadConfig({ ...base, DATABASE_URL: urlFor(name) })
  const liteConfig = loadConfig({ ...base, PGLITE_DIR: join(dir, 'db') })
  const pgDb = createDatabase(pgConfig).db
  const liteDb = createDatabase(liteConfig).db
  await migrateToLatest(pgDb)
  await migrateToLatest(liteDb)
  await seedAmbassadors(urlFor(name), AMBASSADORS)
  await copyAmbassadors(pgDb, liteDb)

  const listen = async (config: typeof pgConfig, db: Db) => {
    const app = await buildApp({ config, db })
    app.addHook('onClose', async () => db.destroy())
    apps.push(app)
    return `${await app.listen({ host: '127.0.0.1', port: 0 })}/v1/ambassadors`
  }
  const urls = { PostgreSQL: await listen(pgConfig, pgDb), PGlite: await listen(liteConfig, liteDb) }
  const token = createSigner({ key: SECRET, algorithm: 'HS256', expiresIn: 3600_000 })({ sub: 'E-bench', roles: ['manager'] })
  const headers = { authorization: `Bearer ${token}`, 'accept-language': 'en' }
  for (const url of Object.values(urls)) {
    const r = await fetch(url, { headers })
    const body = (await r.json()) as { items?: unknown[] }
    if (r.status !== 200 || body.items?.length !== 20) throw new Error(`${url} answered ${r.status} with ${body.items?.length} items`)
    await autocannon({ url, connections: CONNECTIONS, duration: 2, headers })
  }
  const ratios: number[] = []
  const rps: Record<string, number[]> = { PostgreSQL: [], PGlite: [] }
  for (let i = 0; i < ROUNDS; i++) {
    const round: Record<string, number> = {}
    for (const [db, url] of Object.entries(urls)) {
      const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers })
      round[db] = r.requests.average
      rps[db].push(r.requests.average)
    }
    ratios.push(round.PGlite / round.PostgreSQL)
  }
  const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2 }
  console.log(`embedded: GET /v1/ambassadors (20 of ${AMBASSADORS}), ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${DURATION} s`)
  for (const [db, xs] of Object.entries(rps)) console.log(`  ${db.padEnd(10)} ${median(xs).toFixed(0)} req/s (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`)
  const r = median(ratios)
  console.log(`  PGlite / PostgreSQL  ${r.toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}; target ≥ 0.5×, or the README says what the embedded default is for)`)
} finally {
  for (const app of apps) await app.close().catch(() => {})
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  rmSync(dir, { recursive: true, force: true })
}

/** The seeded Ambassadors, copied row for row into the embedded database. */
async function copyAmbassadors(from: Db, to: Db) {
  const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ambassadors`.execute(from)
  for (const row of rows) {
    const cols = Object.keys(row)
    await sql`INSERT INTO ambassadors (${sql.join(cols.map((c) => sql.ref(c)))}) VALUES (${sql.join(cols.map((c) => row[c]))})`.execute(to)
  }
}
