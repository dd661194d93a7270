// The only place that knows whether the service talks to a PostgreSQL server (pg.Pool) or to the
// embedded PGlite. Everything above it sees one Kysely<DB>: same migrations, same SQL.
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { CamelCasePlugin, Kysely, PGliteDialect, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Config } from '../config.ts'
import type { DB } from './schema.ts'

export type Db = Kysely<DB>

// Dates (`date` columns) stay 'YYYY-MM-DD' strings: no time zone shift on either driver.
const DATE_OID = 1082
pg.types.setTypeParser(DATE_OID, (v: string) => v)

export interface DatabaseHandle {
  db: Db
  kind: 'postgres' | 'pglite'
}

export type DatabaseOptions = Pick<Config, 'databaseUrl' | 'pgliteDir' | 'db'> & {
  /** PGlite only: keep the database in memory (tests, OpenAPI export). */
  inMemory?: boolean
  applicationName?: string
}

export function createDatabase(opts: DatabaseOptions): DatabaseHandle {
  const plugins = [new CamelCasePlugin()]
  if (opts.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.db.poolMax,
      // Fail fast instead of waiting forever for a connection (answered 503 by plugins/problem).
      connectionTimeoutMillis: opts.db.acquireTimeoutMs,
      statement_timeout: opts.db.statementTimeoutMs,
      query_timeout: opts.db.statementTimeoutMs + 1000,
      idle_in_transaction_session_timeout: opts.db.statementTimeoutMs * 2,
      application_name: opts.applicationName ?? 'm2m-network-api',
    })
    // A server that goes away must not crash the process: readiness reports it and the pool
    // reconnects on its own when the server is back.
    pool.on('error', () => {})
    return { db: new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins }), kind: 'postgres' }
  }
  let dataDir: string | undefined
  if (!opts.inMemory) {
    dataDir = resolve(opts.pgliteDir)
    mkdirSync(dataDir, { recursive: true })
  }
  const pglite = new PGlite(dataDir, { parsers: { [DATE_OID]: (v: string) => v } })
  return { db: new Kysely<DB>({ dialect: new PGliteDialect({ pglite }), plugins }), kind: 'pglite' }
}
