// A PostgreSQL cluster of a fault test's own: initdb in a temporary folder, started on a free port
// as the `postgres` user, stopped, killed, frozen and thawed at will. The shared server at 5432 is
// never touched. Only where PostgreSQL's binaries are installed (CI and the dev machine).
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const v = readdirSync(root).sort().pop()
  return v ? join(root, v, 'bin') : undefined
}

/** Why a private cluster cannot run here, or undefined when it can. */
export function clusterUnavailable(): string | undefined {
  const bin = binDir()
  if (!bin || !existsSync(join(bin, 'initdb'))) return 'PostgreSQL binaries are not installed'
  if (spawnSync('id', ['-u', 'postgres']).status !== 0) return 'no postgres user'
  if (process.getuid?.() !== 0) return 'needs root to run the cluster as the postgres user'
  return undefined
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

export interface Cluster {
  url: string
  port: number
  /** pg_ctl start (waits until it accepts connections). */
  start(): void
  /** pg_ctl stop -m immediate: every backend dies at once, as in a crash. */
  stopImmediate(): void
  /** SIGSTOP / SIGCONT to every process of the cluster: a hung server. */
  freeze(): void
  thaw(): void
  /** pg_terminate_backend on every connection of application_name (a DBA, or a failover). */
  terminate(applicationName: string): Promise<number>
  destroy(): void
}

export async function startCluster(): Promise<Cluster> {
  const bin = binDir()!
  const dir = mkdtempSync(join(tmpdir(), 'm2m-fault-'))
  chmodSync(dir, 0o755)
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
  chownSync(dir, uid, gid)
  const data = join(dir, 'data')
  const port = await freePort()
  const asPostgres = (cmd: string, args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: 'pipe', cwd: dir })
  asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'])
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40`
  const pids = () => {
    const pm = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
    const children = spawnSync('pgrep', ['-P', String(pm)]).stdout.toString().split('\n').filter(Boolean).map(Number)
    return [pm, ...children]
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  const c: Cluster = {
    url, port,
    start: () => { asPostgres('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', 'start']) },
    stopImmediate: () => { asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']) },
    freeze: () => { for (const p of pids()) { try { process.kill(p, 'SIGSTOP') } catch { /* gone */ } } },
    thaw: () => { for (const p of pids()) { try { process.kill(p, 'SIGCONT') } catch { /* gone */ } } },
    async terminate(applicationName) {
      const admin = new pg.Client({ connectionString: url })
      await admin.connect()
      try {
        const r = await admin.query('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName])
        return r.rows[0].n
      } finally {
        await admin.end()
      }
    },
    destroy: () => {
      try { c.thaw() } catch { /* not running */ }
      try { asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']) } catch { /* not running */ }
      rmSync(dir, { recursive: true, force: true })
    },
  }
  c.start()
  return c
}
