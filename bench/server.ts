// The PostgreSQL server every benchmark runs on (BENCH_DATABASE_URL, default the local one), and
// the throwaway databases they create and drop on it.
import pg from 'pg'

export const SERVER_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'

/** The URL of another database on the same server. */
export function urlFor(database: string) {
  const u = new URL(SERVER_URL)
  u.pathname = `/${database}`
  return u.toString()
}

/** One statement on the server's maintenance database (CREATE / DROP DATABASE). */
export async function admin(query: string): Promise<void> {
  const c = new pg.Client({ connectionString: SERVER_URL })
  await c.connect()
  try { await c.query(query) } finally { await c.end() }
}

/**
 * Prefix of the throwaway databases (BENCH_DB_PREFIX, default `m2m_`): several people benchmarking
 * on one shared server each keep to their own prefix.
 */
export const DB_PREFIX = process.env.BENCH_DB_PREFIX || 'm2m_'
