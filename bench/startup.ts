// `npm run bench:startup` (part of `npm run bench`): cold start to ready and idle memory of the
// server process, on a migrated PostgreSQL database and on a migrated embedded PGlite directory,
// started from the TypeScript sources (`node --import tsx src/server.ts`, what `npm start` runs
// when there is no build) and from the compiled JavaScript (`node dist/src/server.js`, what the
// image and `npm start` after `npm run build` run). Each start is a new process; the variants are
// interleaved, BENCH_STARTUP_RUNS times each (default 5), and the median and spread are printed.
//   "ready": spawn → the "M2M Network API ready" log line (the port is listening).
//   "idle RSS": the process's resident memory after ready, one GET /health/ready and
//   BENCH_STARTUP_SETTLE_MS of idling (default 3000).
// Measurement only: a database <BENCH_DB_PREFIX>bench_startup_<random> is created on BENCH_DATABASE_URL's server
// and dropped at the end; the PGlite directory is a temporary one. dist/ is built first when it is
// missing or older than the sources.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { admin, DB_PREFIX, ensureBuilt, urlFor } from './server.ts'

const RUNS = Number(process.env.BENCH_STARTUP_RUNS || 5)
const SETTLE_MS = Number(process.env.BENCH_STARTUP_SETTLE_MS || 3000)
const PORT = Number(process.env.BENCH_STARTUP_PORT || 0)
// BENCH_STARTUP_ROOT: another checkout of the project (e.g. an older commit, built) to compare with.
const ROOT = process.env.BENCH_STARTUP_ROOT || new URL('..', import.meta.url).pathname
const SECRET = `startup-${randomBytes(24).toString('hex')}`

interface Start { readyMs: number; rssMb: number }

/** One cold start: spawn → ready line → one readiness request → idle → RSS → SIGTERM. */
function start(args: string[], env: Record<string, string>): Promise<Start> {
  return new Promise((resolve, reject) => {
    const port = PORT || 47_500 + Math.floor(Math.random() * 90)
    const t0 = performance.now()
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', HOST: '127.0.0.1', PORT: String(port), JWT_SECRET: SECRET, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    let done = false
    const fail = (e: Error) => { if (!done) { done = true; child.kill('SIGKILL'); reject(e) } }
    const timer = setTimeout(() => fail(new Error(`no ready line within 60 s: ${err || out}`)), 60_000)
    child.stderr.on('data', (d) => { err += d })
    child.on('exit', (code) => { if (!done) fail(new Error(`exited ${code} before ready: ${err || out}`)) })
    child.stdout.on('data', (d) => { void onData(String(d)) })
    const onData = async (d: string) => {
      out += d
      if (done || !out.includes('M2M Network API ready')) return
      done = true
      clearTimeout(timer)
      const readyMs = performance.now() - t0
      try {
        const r = await fetch(`http://127.0.0.1:${port}/health/ready`)
        await r.arrayBuffer()
        await new Promise((r) => setTimeout(r, SETTLE_MS))
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
        const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
        resolve({ readyMs, rssMb: rssKb / 1024 })
      } catch (e) {
        child.kill('SIGKILL')
        reject(e instanceof Error ? e : new Error(String(e)))
      }
    }
  })
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2 }
const spread = (xs: number[], f: (x: number) => string) => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`

ensureBuilt('startup', ROOT)
const name = `${DB_PREFIX}bench_startup_${randomBytes(4).toString('hex')}`
const pgliteDir = mkdtempSync(join(tmpdir(), 'm2m-startup-'))
await admin(`CREATE DATABASE ${name}`)
try {
  const dbs: Record<string, Record<string, string>> = {
    PostgreSQL: { DATABASE_URL: urlFor(name) },
    PGlite: { PGLITE_DIR: join(pgliteDir, 'db') },
    // The embedded database with PostgreSQL's default shared_buffers (the app's default is 16 MB).
    'PGlite sb128': { PGLITE_DIR: join(pgliteDir, 'db'), PGLITE_SHARED_BUFFERS_MB: '128' },
  }
  // As `npm start` runs each (package.json): the same V8 flag.
  const starts: Record<string, string[]> = {
    'source (tsx)': ['--max-semi-space-size=8', '--import', 'tsx', 'src/server.ts'],
    'compiled (dist)': ['--max-semi-space-size=8', 'dist/src/server.js'],
    // The same without the flag: what the young generation's default size costs in memory.
    'dist, V8 default': ['dist/src/server.js'],
  }
  // The first start migrates an empty database (PGlite: initdb too); it is reported, not counted.
  for (const [db, env] of Object.entries(dbs).filter(([db]) => db !== 'PGlite sb128')) {
    const first = await start(starts['compiled (dist)'], env)
    console.log(`startup: first start on an empty ${db} (migrations${db === 'PGlite' ? ', initdb' : ''}): ${(first.readyMs / 1000).toFixed(2)} s`)
  }
  const results = new Map<string, Start[]>()
  for (let i = 0; i < RUNS; i++) {
    for (const [db, env] of Object.entries(dbs)) {
      for (const [how, args] of Object.entries(starts)) {
        const key = `${db.padEnd(12)} ${how.padEnd(16)}`
        results.set(key, [...(results.get(key) ?? []), await start(args, env)])
      }
    }
  }
  console.log(`startup: cold start to ready on a migrated database, idle RSS after ${SETTLE_MS / 1000} s (median of ${RUNS}, min–max; targets ≤ 1.5 s, ≤ 120 MB)`)
  for (const [key, rs] of results) {
    const ready = rs.map((r) => r.readyMs / 1000)
    const rss = rs.map((r) => r.rssMb)
    console.log(`  ${key}  ready ${median(ready).toFixed(2)} s (${spread(ready, (x) => x.toFixed(2))})   idle RSS ${median(rss).toFixed(0)} MB (${spread(rss, (x) => x.toFixed(0))})`)
  }
} finally {
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  rmSync(pgliteDir, { recursive: true, force: true })
}
