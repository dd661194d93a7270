// The PostgreSQL server every benchmark runs on (BENCH_DATABASE_URL, default the local one), and
// the throwaway databases they create and drop on it.
import { execFileSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
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

const PROJECT = new URL('..', import.meta.url).pathname

/** Newest modification time under a directory (the sources, the build). */
function newest(dir: string): number {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

/** bin/start.js runs dist/ only when it is current: build it first (in `root`, this checkout by default), as a deployment would. */
export function ensureBuilt(who: string, root = PROJECT): void {
  let built = 0
  try { built = statSync(join(root, 'dist/src/server.js')).mtimeMs } catch { /* none */ }
  if (built && built >= Math.max(newest(join(root, 'src')), newest(join(root, 'migrations')))) return
  console.log(`${who}: building dist/ (npm run build)…`)
  execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' })
}

/** A port free on 127.0.0.1 now (for a server a bench starts). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}
