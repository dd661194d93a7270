// The only place that knows whether the service talks to a PostgreSQL server (pg.Pool) or to the
// embedded PGlite. Everything above it sees one Kysely<DB>: same migrations, same SQL.
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import lockfile from 'proper-lockfile'
import { CamelCasePlugin, Kysely, PostgresDialect, type RawBuilder } from 'kysely'
import pg from 'pg'
import type { Config } from '../config.ts'
import { BoundaryPlugin } from './boundary.ts'
import { PGliteDialect } from './pglite-dialect.ts'
import type { DB } from './schema.ts'
import { holdAware } from './tx.ts'

export type Db = Kysely<DB>

// Dates (`date` columns) stay 'YYYY-MM-DD' strings: no time zone shift on either driver.
const DATE_OID = 1082
pg.types.setTypeParser(DATE_OID, (v: string) => v)

/**
 * The embedded database directory is held by another process (a server or a script). PGlite has
 * no lock of its own: opening one directory twice corrupts it, so the second opener refuses.
 */
export class DatabaseInUseError extends Error {
  constructor(dir: string) {
    super(`PGLITE_DIR ${dir} is in use by another process (a running server or script): stop it first, or use DATABASE_URL. A lock left by a crashed process expires within ${LOCK_STALE_MS / 1000} s.`)
    this.name = 'DatabaseInUseError'
  }
}

// The holder refreshes its lock every LOCK_STALE_MS / 2; a lock not refreshed for LOCK_STALE_MS
// (its process died without releasing it) is taken over.
const LOCK_STALE_MS = 10_000

/** Takes the lock of a PGlite directory (`<dir>.lock`, beside it) or throws DatabaseInUseError. */
function lockDataDir(dataDir: string): () => void {
  let release: () => void
  try {
    release = lockfile.lockSync(dataDir, {
      stale: LOCK_STALE_MS,
      realpath: false,
      // Only when another process took the lock over (this one's event loop was blocked for more
      // than LOCK_STALE_MS) or deleted it: reported, not thrown (a throw would end the process).
      onCompromised: (err) => { process.emitWarning(`PGLITE_DIR lock: ${err.message}`) },
    })
  } catch (err) {
    if ((err as { code?: string }).code === 'ELOCKED') throw new DatabaseInUseError(dataDir)
    throw err
  }
  let released = false
  return () => {
    if (released) return
    released = true
    try { release() } catch { /* already gone */ }
  }
}

export interface DatabaseHandle {
  db: Db
  kind: 'postgres' | 'pglite'
  /** The embedded database itself (its dump makes the tests' template). */
  pglite?: PGlite
}

export type DatabaseOptions = Pick<Config, 'databaseUrl' | 'pgliteDir' | 'db'> & {
  /** PGlite only: keep the database in memory (tests, OpenAPI export). */
  inMemory?: boolean
  /** PGlite only: start from this dump of a data directory (`dumpDataDir`) instead of an empty one (tests' migrated template). */
  loadDataDir?: Blob
  applicationName?: string
}

/**
 * Every query of a pool connection passes here, for two things:
 * - #18: a hot statement registered with preparedStatement() goes as a named prepared statement.
 * - A query the client gave up on (query_timeout: the server did not answer) leaves the connection
 *   busy with it: the next query, a ROLLBACK included, would queue behind it and wait as long again.
 *   Such a connection is closed at once, so what follows fails fast and pg-pool drops the client on
 *   release (test/db/read-timeout.test.ts).
 */
function wrapQueries(client: pg.PoolClient) {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown
  ;(client as { query: unknown }).query = (...args: unknown[]) => {
    // Parsed and planned once per connection instead of at every call (Kysely sends unnamed ones).
    const name = typeof args[0] === 'string' ? namedStatements.get(args[0]) : undefined
    if (name !== undefined && Array.isArray(args[1]) && args.length === 2) args = [{ name, text: args[0], values: args[1] }]
    const result = query(...args)
    if (result && typeof (result as Promise<unknown>).catch === 'function') {
      ;(result as Promise<unknown>).catch((err: { message?: string }) => {
        if (!String(err?.message).includes('Query read timeout')) return
        // Not queryable from now on, synchronously: the caller may release the client before the
        // destroyed socket's 'close' event, and pg-pool keeps a released client that still looks
        // queryable (the next query would fail: "Connection terminated unexpectedly").
        const c = client as unknown as { _queryable: boolean; connection?: { stream?: { destroy(): void } } }
        c._queryable = false
        c.connection?.stream?.destroy()
      })
    }
    return result
  }
}

// ---- Named prepared statements (#18) ----
const namedStatements = new Map<string, string>()

/**
 * Registers a hot statement's text: on PostgreSQL, whoever sends exactly this text with parameters
 * (Kysely's CompiledQuery.raw, or any query of the pool) sends it as the named prepared statement
 * `name`, which each connection parses and plans once. PGlite runs it as it is. The text must not
 * change while the process runs (a name is bound to one text), and must stay a read or a write
 * whose result columns do not depend on the schema changing under a running server.
 */
export function preparedStatement(name: string, text: string): string {
  const known = namedStatements.get(text)
  if (known !== undefined && known !== name) throw new Error(`preparedStatement: this text is already registered as ${known}`)
  for (const [t, n] of namedStatements) if (n === name && t !== text) throw new Error(`preparedStatement: the name ${name} is taken by another text`)
  namedStatements.set(text, name)
  return text
}

/** The name a statement's text is prepared under, if any (tests). */
export const preparedNameOf = (text: string): string | undefined => namedStatements.get(text)

/**
 * Runs a query whose text never varies (every value a parameter) as a named prepared statement
 * (parsed and planned once per connection on PostgreSQL; PGlite runs the same text): registered
 * under `name` the first time it is compiled. A name already holding another text runs unnamed.
 */
export async function runPrepared<R>(db: Kysely<DB>, name: string, query: RawBuilder<R>): Promise<R[]> {
  const compiled = query.compile(db)
  if (preparedNameOf(compiled.sql) === undefined) {
    try { preparedStatement(name, compiled.sql) } catch { /* the name holds another text: this one runs unnamed */ }
  }
  return (await db.executeQuery(compiled)).rows
}

const unplugged = new WeakMap<Db, Db>()
/**
 * The same database without Kysely's result plugins (camel-case, boundary): for hot reads whose SQL
 * names its columns as the code reads them (aliases). The boundary plugin checks writes only.
 */
export function withoutResultPlugins(db: Db): Db {
  let d = unplugged.get(db)
  if (!d) unplugged.set(db, (d = db.withoutPlugins()))
  return d
}

/** The embedded database's shared_buffers unless PGLITE_SHARED_BUFFERS_MB says otherwise. */
export const PGLITE_SHARED_BUFFERS_MB = 16

/** A database handle's connections, for the metrics (#16): the pg pool's, or PGlite's one connection. */
export interface PoolStats { kind: 'postgres' | 'pglite'; max: number; total: number; idle: number; waiting: number }
const poolStats = new WeakMap<Db, () => PoolStats>()
export const poolStatsOf = (db: Db): PoolStats | undefined => poolStats.get(db)?.()

export function createDatabase(opts: DatabaseOptions): DatabaseHandle {
  const plugins = [new CamelCasePlugin(), new BoundaryPlugin()]
  if (opts.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.db.poolMax,
      // Fail fast instead of waiting forever for a connection (answered 503 by plugins/problem).
      connectionTimeoutMillis: opts.db.acquireTimeoutMs,
      statement_timeout: opts.db.statementTimeoutMs,
      // The client gives up when the server would have: a hung server (no answer at all) costs a
      // request at most the acquire timeout plus the statement timeout.
      query_timeout: opts.db.statementTimeoutMs,
      idle_in_transaction_session_timeout: opts.db.statementTimeoutMs * 2,
      application_name: opts.applicationName ?? 'm2m-network-api',
    })
    // A server that goes away must not crash the process: readiness reports it and the pool
    // reconnects on its own when the server is back.
    pool.on('error', () => {})
    // A checked-out client has no listener of the pool's: a connection killed under a running
    // query (57P01, a crash, a failover) would otherwise be an uncaught 'error' event and end the
    // process. The query itself fails (503 problem) and pg-pool drops the broken client on release.
    pool.on('connect', (client) => {
      client.on('error', () => {})
      wrapQueries(client)
    })
    const pgDb = new Kysely<DB>({ dialect: holdAware(new PostgresDialect({ pool })), plugins })
    poolStats.set(pgDb, () => ({ kind: 'postgres', max: opts.db.poolMax, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }))
    return { db: pgDb, kind: 'postgres' }
  }
  let dataDir: string | undefined
  let unlock = () => {}
  if (!opts.inMemory) {
    dataDir = resolve(opts.pgliteDir)
    mkdirSync(dataDir, { recursive: true })
    unlock = lockDataDir(dataDir)
  }
  // One options object: `new PGlite(undefined, options)` (in memory) silently ignores the options.
  // #18 memory: shared_buffers is PostgreSQL's default 128 MB unless told, and PGlite's WebAssembly
  // heap holds it whole from the start (343 → 217 MB resident at 16 MB). Its pages are a cache of
  // files the OS caches too; a development or demo database fits in 16 MB. Given on the command
  // line (startParams after PGlite's own): the `postgresqlconf` option would overwrite the data
  // directory's postgresql.conf (time zone, date style, locale) with its lines alone.
  const sharedBuffers = ['-c', `shared_buffers=${opts.db.pgliteSharedBuffersMb ?? PGLITE_SHARED_BUFFERS_MB}MB`]
  const pglite = new PGlite({
    dataDir, parsers: { [DATE_OID]: (v: string) => v }, startParams: [...PGlite.defaultStartParams, ...sharedBuffers],
    ...(opts.loadDataDir && { loadDataDir: opts.loadDataDir }),
  })
  const db = new Kysely<DB>({ dialect: holdAware(new PGliteDialect({ pglite })), plugins })
  // One connection, always open; its queue is the dialect's mutex, not observed here.
  poolStats.set(db, () => ({ kind: 'pglite', max: 1, total: 1, idle: 0, waiting: 0 }))
  // The lock lives as long as the database is open: released once it is closed.
  const destroy = db.destroy.bind(db)
  db.destroy = async () => {
    try {
      await destroy()
    } finally {
      unlock()
    }
  }
  return { db, kind: 'pglite', pglite }
}
