// `npm run bench:semispace` (#18 "memory"): what `--max-semi-space-size=8` (the flag `npm start`
// gives node, to keep the young generation and so the idle and high-water RSS small) costs in
// directory throughput. Two servers of the compiled build, started as `npm start` starts them
// (`node [flag] bin/start.js`; dist/ is built first when missing or stale), one with the flag and
// one without, on one PostgreSQL database with 300 active Ambassadors; GET /v1/ambassadors (page
// 1, manager token) is loaded on each in turn, interleaved (the order alternates each round).
// Prints req/s and the RSS after each run, median and min–max, and the ratio with / without per
// round. Measurement only: always exits 0 unless the setup itself fails.
//   BENCH_DATABASE_URL   server to use (default postgres://postgres@127.0.0.1:5432/postgres); a
//                        database <BENCH_DB_PREFIX>bench_semispace_<random> is created and dropped.
//   BENCH_DURATION       seconds per run (default 5)
//   BENCH_ROUNDS         interleaved rounds (default 7)
//   BENCH_SEMISPACE_PORTS two ports for the servers, e.g. 4320,4321 (default: free ones)
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import autocannon from 'autocannon'
import { createSigner } from 'fast-jwt'
import { loadConfig } from '../src/config.ts'
import { createDatabase } from '../src/db/database.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { seedAmbassadors } from './seed.ts'
import { admin, DB_PREFIX, ensureBuilt, freePort, urlFor } from './server.ts'

const DURATION = Number(process.env.BENCH_DURATION || 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS || 7)
const CONNECTIONS = 10
const ROOT = new URL('..', import.meta.url).pathname
const SECRET = `semispace-${randomBytes(24).toString('hex')}`
const VARIANTS = [{ name: 'with --max-semi-space-size=8', args: ['--max-semi-space-size=8'] }, { name: 'without (node default)', args: [] as string[] }]

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024

async function start(args: string[], port: number, dbUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...args, 'bin/start.js'], {
    cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'],
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', HOST: '127.0.0.1', PORT: String(port), JWT_SECRET: SECRET, LOG_LEVEL: 'warn', DATABASE_URL: dbUrl, RATE_LIMIT_MAX: '1000000' },
  })
  const deadline = Date.now() + 60_000
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.status === 200, () => false)
    if (ok) return child
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the server (${args.join(' ')}) did not become ready`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

const med = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2 }
const spread = (xs: number[], d: number) => `${med(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`

async function main() {
  ensureBuilt('semispace')
  const dbName = `${DB_PREFIX}bench_semispace_${randomBytes(6).toString('hex')}`
  await admin(`CREATE DATABASE ${dbName}`)
  const dbUrl = urlFor(dbName)
  const servers: ChildProcess[] = []
  try {
    const { db } = createDatabase(loadConfig({ NODE_ENV: 'test', JWT_SECRET: SECRET, LOG_LEVEL: 'silent', DATABASE_URL: dbUrl }))
    await migrateToLatest(db)
    await db.destroy()
    await seedAmbassadors(dbUrl, 300)
    const ports = process.env.BENCH_SEMISPACE_PORTS ? process.env.BENCH_SEMISPACE_PORTS.split(',').map(Number) : [await freePort(), await freePort()]
    for (const [i, v] of VARIANTS.entries()) servers.push(await start(v.args, ports[i], dbUrl))
    const token = createSigner({ key: SECRET, algorithm: 'HS256', expiresIn: 3600_000 })({ sub: 'E-bench', roles: ['manager'] })
    const headers = { authorization: `Bearer ${token}`, 'accept-language': 'en' }
    const url = (i: number) => `http://127.0.0.1:${ports[i]}/v1/ambassadors`
    const idle = servers.map((s) => rssMb(s.pid!))
    console.log(`M2M --max-semi-space-size=8 benchmark: GET /v1/ambassadors, ${CONNECTIONS} connections, ${DURATION} s a run, ${ROUNDS} interleaved rounds, PostgreSQL ${dbUrl.replace(/\/\/[^@]*@/, '//')}`)
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, Node ${process.version}\n`)
    for (const [i] of VARIANTS.entries()) await autocannon({ url: url(i), connections: CONNECTIONS, duration: 2, headers }) // warm-up
    const rps: number[][] = VARIANTS.map(() => [])
    const rss: number[][] = VARIANTS.map(() => [])
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [1, 0] : [0, 1]
      for (const i of order) {
        const r = await autocannon({ url: url(i), connections: CONNECTIONS, duration: DURATION, headers })
        if (r['3xx'] + r['4xx'] + r['5xx'] + r.errors + r.timeouts > 0) throw new Error(`${VARIANTS[i].name}: ${r['4xx']} 4xx, ${r['5xx']} 5xx, ${r.errors} errors, ${r.timeouts} timeouts`)
        rps[i].push(r.requests.average)
        rss[i].push(rssMb(servers[i].pid!))
      }
      console.log(`  round ${round + 1}/${ROUNDS}: ${VARIANTS.map((v, i) => `${v.name} ${rps[i][round].toFixed(0)} req/s ${rss[i][round].toFixed(0)} MB`).join(', ')}`)
    }
    const hwm = servers.map((s) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${s.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024)
    console.log('\n| server | req/s, median (min–max) | RSS after a run MB, median (min–max) | idle RSS MB (before load) | high-water MB |')
    console.log('|---|---:|---:|---:|---:|')
    for (const [i, v] of VARIANTS.entries()) console.log(`| ${v.name} | ${spread(rps[i], 0)} | ${spread(rss[i], 1)} | ${idle[i].toFixed(1)} | ${hwm[i].toFixed(1)} |`)
    const ratios = rps[0].map((x, i) => x / rps[1][i])
    console.log(`\nthroughput with the flag / without, per round: ${spread(ratios, 3)}× (1 = no cost)`)
  } finally {
    for (const s of servers) if (s.exitCode === null) s.kill('SIGTERM')
    await new Promise((r) => setTimeout(r, 1000))
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((err) => console.error(`could not drop ${dbName}:`, err))
  }
}

try {
  await main()
} catch (err) {
  console.error('bench setup failed:', err)
  process.exitCode = 1
}
