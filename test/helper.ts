// Test support: build(t) gives a ready app on its own database — a database cloned from a migrated
// template on the server named by TEST_DATABASE_URL, or a fresh in-memory PGlite otherwise.
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { PGlite } from '@electric-sql/pglite'
import { createSigner } from 'fast-jwt'
import { sql } from 'kysely'
import pg from 'pg'
import tap, { type Test } from 'tap'
import { buildApp, type App } from '../src/app.ts'
import { loadConfig, type Config } from '../src/config.ts'
import { createDatabase, type Db } from '../src/db/database.ts'
import { MIGRATIONS_DIR, migrateToLatest } from '../src/db/migrate.ts'

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123456789'
export const SERVER_URL = process.env.TEST_DATABASE_URL || undefined
export const usingServer = Boolean(SERVER_URL)

export function testConfig(env: Record<string, string> = {}): Readonly<Config> {
  return loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '1000000', ...env })
}

function urlFor(database: string) {
  const u = new URL(SERVER_URL!)
  u.pathname = `/${database}`
  return u.toString()
}

let templateName: string | undefined

async function ensureTemplate(admin: pg.Client): Promise<string> {
  if (templateName) return templateName
  const h = createHash('sha256')
  for (const f of readdirSync(MIGRATIONS_DIR).sort()) h.update(f).update(readFileSync(join(MIGRATIONS_DIR, f)))
  h.update(takeSeed.toString()) // the template holds the snapshot a reset puts back (see serverDatabase)
  const name = `m2m_tpl_${h.digest('hex').slice(0, 16)}`
  await admin.query('SELECT pg_advisory_lock(727272)')
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (exists.rowCount === 0) {
      await admin.query(`DROP DATABASE IF EXISTS ${name}_wip WITH (FORCE)`)
      await admin.query(`CREATE DATABASE ${name}_wip`)
      const { db } = createDatabase({ databaseUrl: urlFor(`${name}_wip`), pgliteDir: '', db: { poolMax: 2, statementTimeoutMs: 60000, acquireTimeoutMs: 10000 } })
      await migrateToLatest(db)
      await takeSeed(db)
      await db.destroy()
      await admin.query(`ALTER DATABASE ${name}_wip RENAME TO ${name}`)
    }
  } finally {
    await admin.query('SELECT pg_advisory_unlock(727272)')
  }
  templateName = name
  return name
}

let pgliteDump: Promise<Blob> | undefined

/**
 * The embedded database's migrated template: a dump of a PGlite data directory after every
 * migration, with the snapshot a reset puts back (takeSeed) already taken, kept in the system's
 * temporary folder under the hash of the migrations and shared by every test file, so a test's
 * database loads it (about a second) instead of running initdb and every migration (the PostgreSQL
 * run clones a template database the same way). The hash names every migration, so a loaded
 * template never needs migrating.
 */
function pgliteTemplate(): Promise<Blob> {
  pgliteDump ??= (async () => {
    const h = createHash('sha256')
    for (const f of readdirSync(MIGRATIONS_DIR).sort()) h.update(f).update(readFileSync(join(MIGRATIONS_DIR, f)))
    h.update(readFileSync(new URL('../package-lock.json', import.meta.url)))
    h.update(readFileSync(new URL(import.meta.url))) // this file: how the seed snapshot is taken
    const file = join(tmpdir(), `m2m-pglite-template-${h.digest('hex').slice(0, 16)}.tar`)
    if (existsSync(file)) return new Blob([readFileSync(file)])
    const { db, pglite } = createDatabase({ pgliteDir: '', inMemory: true, db: { poolMax: 1, statementTimeoutMs: 60000, acquireTimeoutMs: 10000 } })
    await migrateToLatest(db)
    await takeSeed(db)
    // Uncompressed: a test file loads it faster than it would gunzip it.
    const dump = await (await pglite!.dumpDataDir('none')).arrayBuffer()
    await db.destroy()
    const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`
    writeFileSync(partial, Buffer.from(dump))
    renameSync(partial, file) // atomic: a concurrent test file reads a whole dump or none
    return new Blob([dump])
  })()
  return pgliteDump
}

/**
 * A PGLITE_DIR holding the migrated template, for a test that starts a real server on the embedded
 * database and is not about its first start (initdb and every migration: seconds of CPU).
 */
export async function migratedPgliteDir(dir: string): Promise<string> {
  const pglite = new PGlite({ dataDir: dir, loadDataDir: await pgliteTemplate() })
  await pglite.waitReady
  await pglite.close()
  return dir
}

// ---- Embedded databases reused within a test file (#13 item 9) ----
// Loading the template into a new PGlite costs seconds; emptying one whose test is over costs a
// few milliseconds. A test file's PGlite goes back to an idle list at its test's teardown and the
// next build() of the file takes it back as the template left it: every table emptied and its
// migration-seeded rows put back, every sequence where the template had it, the session reset.
// An instance whose schema a test changed (a function, a trigger, a temporary table) is not
// reused. PGLITE_FRESH=1 loads the template for every build, as before.

interface Reusable { db: Db; seed: Seed }
interface Seed { shape: string; tables: string[]; seeded: { table: string; columns: string }[]; sequences: { name: string; value: string; called: boolean }[] }

const idlePglites: Reusable[] = []
let closingIdle = false
const SEED_SCHEMA = 'm2m_test_seed'

/** What a test must not have changed for its database to be reused: relations, triggers, functions, their states. */
async function schemaShape(db: Db): Promise<string> {
  const r = await sql<{ shape: string }>`SELECT md5(coalesce(string_agg(x, ',' ORDER BY x), '')) AS shape FROM (
      SELECT c.oid::regclass::text || ':' || c.relkind::text AS x FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', ${SEED_SCHEMA})
      UNION ALL SELECT tgrelid::regclass::text || '.' || tgname || ':' || tgenabled::text FROM pg_trigger
      UNION ALL SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')) s`.execute(db)
  return r.rows[0].shape
}

/** Taken once, on the freshly migrated template, and kept in it: what a reset puts back. */
async function takeSeed(db: Db): Promise<void> {
  const tables = (await sql<{ name: string }>`SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
    WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`.execute(db)).rows.map((r) => r.name)
  await sql`CREATE SCHEMA ${sql.id(SEED_SCHEMA)}`.execute(db)
  const seeded: Seed['seeded'] = []
  for (const [i, table] of tables.entries()) {
    const columns = (await sql<{ columns: string }>`SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) AS columns FROM pg_attribute
      WHERE attrelid = ${table}::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''`.execute(db)).rows[0].columns
    const copy = `${SEED_SCHEMA}.t${i}`
    await sql.raw(`CREATE TABLE ${copy} AS SELECT ${columns} FROM ${table}`).execute(db)
    const n = (await sql.raw<{ n: number }>(`SELECT count(*)::int AS n FROM ${copy}`).execute(db)).rows[0].n
    if (n > 0) seeded.push({ table, columns })
    else await sql.raw(`DROP TABLE ${copy}`).execute(db)
  }
  const sequences = (await sql<{ name: string; value: string; called: boolean }>`SELECT format('%I.%I', schemaname, sequencename) AS name,
    coalesce(last_value, start_value)::text AS value, last_value IS NOT NULL AS called FROM pg_sequences`.execute(db)).rows
  const seed: Seed = { shape: await schemaShape(db), tables, seeded, sequences }
  await sql`CREATE TABLE ${sql.id(SEED_SCHEMA, 'seed')} AS SELECT ${sql.lit(JSON.stringify(seed))}::jsonb AS seed`.execute(db)
}

async function readSeed(db: Db): Promise<Seed> {
  return (await sql<{ seed: Seed }>`SELECT seed FROM ${sql.id(SEED_SCHEMA, 'seed')}`.execute(db)).rows[0].seed
}

/** The database as the template left it, or false when a test changed its schema (then it is dropped). */
async function reset({ db, seed }: Reusable): Promise<boolean> {
  await sql`ROLLBACK`.execute(db).catch(() => {})
  await sql`DISCARD ALL`.execute(db)
  if ((await schemaShape(db)) !== seed.shape) return false
  await db.connection().execute(async (c) => {
    await sql`BEGIN`.execute(c)
    // Triggers off while the rows go (the audit trail refuses a TRUNCATE) and come back.
    await sql`SET LOCAL session_replication_role = replica`.execute(c)
    await sql.raw(`TRUNCATE ${seed.tables.join(', ')}`).execute(c)
    for (const { table, columns } of seed.seeded) {
      const copy = `${SEED_SCHEMA}.t${seed.tables.indexOf(table)}`
      await sql.raw(`INSERT INTO ${table} (${columns}) OVERRIDING SYSTEM VALUE SELECT ${columns} FROM ${copy}`).execute(c)
    }
    for (const q of seed.sequences) await sql`SELECT setval(${q.name}::regclass, ${q.value}::bigint, ${q.called})`.execute(c)
    await sql`COMMIT`.execute(c)
  })
  return true
}

async function embeddedDatabase(t: Test): Promise<Db> {
  let reused: Reusable | undefined
  while (!process.env.PGLITE_FRESH && !reused && idlePglites.length) {
    const candidate = idlePglites.pop()!
    if (await reset(candidate)) reused = candidate
    else await candidate.db.destroy()
  }
  if (!reused) {
    if (!closingIdle) {
      closingIdle = true
      // The file's last test is over: what is still idle is closed (an open PGlite keeps the process alive).
      tap.teardown(async () => { for (const { db } of idlePglites.splice(0)) await db.destroy() })
    }
    const { db } = createDatabase({ pgliteDir: '', inMemory: true, loadDataDir: await pgliteTemplate(), db: { poolMax: 1, statementTimeoutMs: 60000, acquireTimeoutMs: 10000 } })
    reused = { db, seed: await readSeed(db) }
  }
  const slot = reused
  t.teardown(() => (process.env.PGLITE_FRESH ? slot.db.destroy() : void idlePglites.push(slot)))
  return slot.db
}

// ---- Server databases reused within a test file ----
// On PostgreSQL, cloning the template costs a few hundred milliseconds and dropping a database a
// checkpoint (seconds on a busy server), for each test. As on PGlite, a test file's database goes
// back to an idle list when its test is over (its pool closed) and the next testDatabase() of the
// file takes it back as the template left it (reset(): every table emptied, the template's rows and
// sequences put back), with a pool of its own. It is not reused, but dropped, when a test changed
// its schema or when a session of another test (a child process, a replica's pool) is still
// connected a second after. The idle databases are dropped when the file's last test is over.
// PGLITE_FRESH=1 (or TEST_DATABASE_FRESH=1) clones the template for every test, as before.

const idleServerDatabases: string[] = []
let closingIdleServer = false
let serverSeed: Seed | undefined
const freshDatabases = () => Boolean(process.env.PGLITE_FRESH || process.env.TEST_DATABASE_FRESH)

function serverPool(name: string, poolMax: number): Db {
  return createDatabase({ databaseUrl: urlFor(name), pgliteDir: '', db: { poolMax, statementTimeoutMs: 30000, acquireTimeoutMs: 10000 } }).db
}

async function dropServerDatabase(name: string) {
  const a = new pg.Client({ connectionString: SERVER_URL })
  await a.connect()
  try {
    await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  } finally {
    await a.end()
  }
}

/** The idle database emptied back to the template through db (a new pool on it), or false. */
async function resetServerDatabase(db: Db): Promise<boolean> {
  for (let i = 0; ; i++) {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(db)
    if (rows[0].n === 0) break
    if (i >= 20) return false // a session of the last test is still there: a fresh clone instead
    await new Promise((r) => setTimeout(r, 50))
  }
  serverSeed ??= await readSeed(db)
  return reset({ db, seed: serverSeed })
}

/** A fresh, migrated database for one test (on PostgreSQL, possibly the file's last one emptied back to the template). */
export async function testDatabase(t: Test, poolMax = 10): Promise<{ db: Db; url?: string }> {
  if (!SERVER_URL) return { db: await embeddedDatabase(t) }
  let name: string | undefined
  let db: Db | undefined
  while (!freshDatabases() && !db && idleServerDatabases.length) {
    const candidate = idleServerDatabases.pop()!
    const pool = serverPool(candidate, poolMax)
    if (await resetServerDatabase(pool).catch(() => false)) {
      name = candidate
      db = pool
    } else {
      await pool.destroy()
      await dropServerDatabase(candidate)
    }
  }
  if (!db) {
    const admin = new pg.Client({ connectionString: SERVER_URL })
    await admin.connect()
    name = `m2m_t_${randomBytes(6).toString('hex')}`
    try {
      const template = await ensureTemplate(admin)
      for (let attempt = 0; ; attempt++) {
        try {
          await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`)
          break
        } catch (err) {
          if (attempt > 20) throw err
          await new Promise((r) => setTimeout(r, 100 + Math.random() * 200))
        }
      }
    } finally {
      await admin.end()
    }
    if (!closingIdleServer) {
      closingIdleServer = true
      // The file's last test is over: its idle databases are dropped (together: one checkpoint).
      tap.teardown(async () => { await Promise.all(idleServerDatabases.splice(0).map(dropServerDatabase)) })
    }
    db = serverPool(name, poolMax)
  }
  const kept = name!
  const pool = db
  t.teardown(async () => {
    await pool.destroy()
    if (freshDatabases()) await dropServerDatabase(kept)
    else idleServerDatabases.push(kept)
  })
  return { db: pool, url: urlFor(kept) }
}

export interface Built {
  app: App
  db: Db
  /** Log lines written by the app (JSON strings), when captureLogs was asked for. */
  logs: string[]
}

export async function build(t: Test, opts: { env?: Record<string, string>; captureLogs?: boolean; poolMax?: number } = {}): Promise<Built> {
  const { db } = await testDatabase(t, opts.poolMax)
  const logs: string[] = []
  const logStream = opts.captureLogs
    ? new Writable({ write(chunk, _enc, cb) { logs.push(String(chunk)); cb() } })
    : undefined
  const config = testConfig({ ...(opts.captureLogs ? { LOG_LEVEL: 'trace' } : {}), ...opts.env })
  const app = await buildApp({ config, db, logStream })
  await app.ready()
  t.teardown(() => app.close())
  return { app, db, logs }
}

// ---- Tokens and requests ----

export interface Principal { sub: string; roles: string[] }
export const as = (sub: string, ...roles: string[]): Principal => ({ sub, roles })

const signer = createSigner({ key: TEST_SECRET, algorithm: 'HS256', expiresIn: 3600_000 })
export function tokenFor(p: Principal, extra: Record<string, unknown> = {}): string {
  return signer({ sub: p.sub, roles: p.roles, ...extra })
}

export interface Req {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  url: string
  as?: Principal
  body?: unknown
  headers?: Record<string, string>
  /**
   * #14 item 4: a manager accepts the network's current terms before requesting an Ambassador. A
   * request (POST /v1/engagements, a transfer) made through call() by a manager has them accepted
   * first, straight in the database (no audit event, no extra request), unless this is false.
   */
  acceptTerms?: boolean
}

/** The fixture behind Req.acceptTerms: the principal has accepted the current terms. */
export async function acceptTermsFor(db: Db, sub: string) {
  await sql`INSERT INTO engagement_terms_acceptances (manager_ref, version)
    SELECT ${sub}, max(version) FROM engagement_terms ON CONFLICT DO NOTHING`.execute(db)
}

async function acceptTermsByHttp(app: App, p: Principal) {
  const headers = { authorization: `Bearer ${tokenFor(p)}` }
  const current = (await app.inject({ method: 'GET', url: '/v1/engagement-terms/current', headers })).json()
  await app.inject({ method: 'POST', url: '/v1/me/engagement-terms-acceptance', headers, payload: { version: current.version } })
}

const isRequest = (r: Req) => (r.method ?? 'GET') === 'POST' && /^\/v1\/engagements(\/[^/?]+\/transfer)?(\?|$)/.test(r.url)

export async function call(app: App, r: Req) {
  const headers: Record<string, string> = { ...(r.headers ?? {}) }
  if (r.as && r.acceptTerms !== false && r.as.roles.includes('manager') && isRequest(r)) {
    if (app.db) await acceptTermsFor(app.db, r.as.sub)
    else await acceptTermsByHttp(app, r.as) // a server reached over HTTP (test/ops/replicas)
  }
  if (r.as) headers.authorization = `Bearer ${tokenFor(r.as)}`
  // IDEMPOTENCY_EVERYWHERE=1 npm test: every POST carries a fresh key, so the whole suite runs the
  // held-commit path of the idempotency plugin (#12 item 2) and must pass unchanged.
  if (process.env.IDEMPOTENCY_EVERYWHERE && (r.method ?? 'GET') === 'POST' && !Object.keys(headers).some((h) => h.toLowerCase() === 'idempotency-key')) {
    headers['idempotency-key'] = `every-${randomUUID()}`
  }
  const res = await app.inject({ method: r.method ?? 'GET', url: r.url, headers, ...(r.body !== undefined ? { payload: r.body as any } : {}) })
  let json: any
  try { json = res.json() } catch { json = undefined }
  return { status: res.statusCode, body: json, headers: res.headers, raw: res }
}

// ---- Fixtures built through the API ----

export const NMNO = as('N900', 'nmno')
export const GOVERNANCE = as('G900', 'governance')
export const HR = as('H900', 'hr_analyst')
export const ISERVICE = as('svc-iservice', 'iservice')

export const FULL_PROFILE = {
  bio: { en: 'Twenty years leading operations teams; return-to-work experience.', fr: 'Vingt ans à diriger des équipes des opérations; expérience du retour au travail.' },
  languages: ['en', 'fr'],
  modes: ['phone', 'video'],
  topics: ['return_to_work', 'difficult_conversation'],
}

export const PASSING_COMPETENCIES = { empathyCompassion: 3, communication: 4, integrity: 2, learningDevelopment: 2, emotionalIntelligence: 3 }

async function ok(res: Awaited<ReturnType<typeof call>>, what: string) {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`)
  return res
}

/** Takes a candidate from application to `oriented` (nmno drives every step). */
export async function orientedCandidate(app: App, sub: string, profile: Record<string, unknown> = {}) {
  const me = as(sub, 'manager')
  const created = await ok(await call(app, { method: 'POST', url: '/v1/ambassadors', as: me, body: { displayName: `Ambassador ${sub}`, ...FULL_PROFILE, ...profile } }), 'apply')
  const id: string = created.body.id
  const step = async (to: string) => ok(await call(app, { method: 'POST', url: `/v1/ambassadors/${id}/transitions`, as: NMNO, body: { to } }), `to ${to}`)
  await step('screened')
  await ok(await call(app, { method: 'PUT', url: `/v1/ambassadors/${id}/competencies`, as: NMNO, body: PASSING_COMPETENCIES }), 'competencies')
  await step('interviewed')
  for (let ref = 1; ref <= 2; ref++) {
    await ok(await call(app, { method: 'POST', url: `/v1/ambassadors/${id}/references`, as: NMNO, body: { checkedOn: '2026-01-10', outcome: 'satisfactory' } }), `reference ${ref}`)
  }
  await step('references_checked')
  for (let part = 1; part <= 6; part++) {
    await ok(await call(app, { method: 'POST', url: `/v1/ambassadors/${id}/training-records`, as: NMNO, body: { kind: 'orientation_part', part, on: '2026-01-15', attended: true, language: 'en' } }), `part ${part}`)
  }
  await step('oriented')
  return { id, me }
}

/** An active, in-term Ambassador (the candidate confirmed and accepted the guidelines). */
export async function activeAmbassador(app: App, sub: string, profile: Record<string, unknown> = {}) {
  const c = await orientedCandidate(app, sub, profile)
  await ok(await call(app, { method: 'PATCH', url: `/v1/ambassadors/${c.id}`, as: c.me, body: { supervisorArrangementOn: '2026-01-20' } }), 'supervisor arrangement')
  await ok(await call(app, { method: 'POST', url: `/v1/ambassadors/${c.id}/transitions`, as: c.me, body: { to: 'active', acceptGuidelines: true } }), 'activate')
  return c
}

/**
 * n handles on the test's database, as n replicas would hold: on PostgreSQL, pools of their own on
 * the same database (the first is db itself); on PGlite, the one embedded database n times.
 */
export async function replicasOf(t: Test, db: Db, n: number): Promise<Db[]> {
  const replicas: Db[] = [db]
  if (!SERVER_URL) return Array.from({ length: n }, () => db)
  const { rows } = await sql<{ db: string }>`SELECT current_database() AS db`.execute(db)
  for (let i = 1; i < n; i++) {
    const other = createDatabase({ databaseUrl: urlFor(rows[0].db), pgliteDir: '', db: { poolMax: 4, statementTimeoutMs: 30000, acquireTimeoutMs: 10000 } }).db
    t.teardown(() => other.destroy())
    replicas.push(other)
  }
  return replicas
}

// ---- Statements sent to the database (#18) ----

let statementCounter: { n: number } | undefined

/**
 * Counts every statement the test process sends to its database from now on (a round trip each:
 * BEGIN and COMMIT included), on either database: pg's Client.prototype.query (call it before the
 * test's pool opens its first connection, i.e. before build()), or PGlite's query and transaction
 * (BEGIN, each query of the transaction, COMMIT or ROLLBACK). Returns the running count.
 */
export function countStatements(): () => number {
  if (!statementCounter) {
    const counter = { n: 0 }
    statementCounter = counter
    const pgProto = pg.Client.prototype as unknown as { query: (this: pg.Client, ...args: unknown[]) => unknown }
    const pgQuery = pgProto.query
    pgProto.query = function (this: pg.Client, ...args: unknown[]) { counter.n++; return pgQuery.apply(this, args) }
    type Tx = { query: (...args: unknown[]) => Promise<unknown> }
    const liteProto = PGlite.prototype as unknown as {
      query: (this: PGlite, ...args: unknown[]) => Promise<unknown>
      transaction: (this: PGlite, fn: (tx: Tx) => Promise<unknown>) => Promise<unknown>
    }
    const liteQuery = liteProto.query
    const liteTransaction = liteProto.transaction
    liteProto.query = function (this: PGlite, ...args: unknown[]) { counter.n++; return liteQuery.apply(this, args) }
    liteProto.transaction = function (this: PGlite, fn: (tx: Tx) => Promise<unknown>) {
      counter.n++ // BEGIN
      return liteTransaction.call(this, async (tx: Tx) => {
        const query = tx.query
        tx.query = (...args: unknown[]) => { counter.n++; return query(...args) }
        try {
          return await fn(tx)
        } finally {
          counter.n++ // COMMIT or ROLLBACK
        }
      })
    }
  }
  const counter = statementCounter
  return () => counter.n
}
