// `npm run bench:soak` (part of `npm run bench`, never of `npm test`): a soak of a mixed read/write
// load against a real listening server, to show that memory and latency stay flat once warm (#12
// item 4: one engagement with 3,361 goals once drove the soak's p50 from 18 to 107 ms). The server
// runs as its own process, started as `npm start` starts it (`node --max-semi-space-size=8
// bin/start.js`, the compiled build: dist/ is built first when missing or stale), so its RSS is
// measured apart from this load generator; every interval prints its RSS, p50, p99, throughput and
// statuses. Printed at the end (#18 "memory"): the idle RSS (after ready, before any load), the
// high-water mark (VmHWM), and the trend over the second half: the least-squares slope of RSS
// (MB/min) and the last interval against the one at the middle of the run.
// Measurement only: always exits 0 unless the setup itself fails.
//   SOAK_SECONDS           duration of the load (default 600)
//   SOAK_INTERVAL_SECONDS  one sample per interval (default 60)
//   SOAK_WARMUP_SECONDS    intervals ending within it are warm-up, not compared (default 60)
//   SOAK_RPS               target request rate (default 100; the load falls behind if the server cannot follow)
//   SOAK_CONNECTIONS       concurrent keep-alive connections (default 8)
//   SOAK_PORT              port of the server (default: a free one)
//   SOAK_NODE_ARGS         node flags of the server (default `--max-semi-space-size=8`, as `npm start`)
//   SOAK_DATABASE_URL or DATABASE_URL   a PostgreSQL server: a database <BENCH_DB_PREFIX>soak_<random> is created
//                          on it and dropped at the end; unset, the server uses an embedded PGlite in
//                          a temporary directory.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSigner } from 'fast-jwt'
import pg from 'pg'
import { DB_PREFIX, ensureBuilt, freePort } from './server.ts'

const SECONDS = Number(process.env.SOAK_SECONDS || 600)
const INTERVAL = Number(process.env.SOAK_INTERVAL_SECONDS || Math.min(60, Math.max(5, SECONDS / 10)))
const WARMUP = Number(process.env.SOAK_WARMUP_SECONDS || Math.min(60, SECONDS / 5))
const RPS = Number(process.env.SOAK_RPS || 100)
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS || 8)
const PG_URL = process.env.SOAK_DATABASE_URL || process.env.DATABASE_URL || ''
const SECRET = `soak-${randomBytes(24).toString('hex')}`
const AMBASSADORS = 8
const MANAGERS = 40
const TOLERANCE = 0.2
const NODE_ARGS = (process.env.SOAK_NODE_ARGS ?? '--max-semi-space-size=8').split(' ').filter(Boolean)
const ROOT = new URL('..', import.meta.url).pathname

type Who = { sub: string; token: string }
const sign = createSigner({ key: SECRET, algorithm: 'HS256', expiresIn: 6 * 3600_000 })
const principal = (sub: string, roles: string[]): Who => ({ sub, token: sign({ sub, roles }) })
const NMNO = principal('N-soak', ['nmno'])

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS })
let base = ''

interface Answer { status: number; body: any; ms: number }
function request(method: string, path: string, who: Who | undefined, body?: unknown): Promise<Answer> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const headers: Record<string, string> = { 'accept-language': 'en' }
    if (who) headers.authorization = `Bearer ${who.token}`
    if (payload !== undefined) { headers['content-type'] = 'application/json'; headers['content-length'] = String(Buffer.byteLength(payload)) }
    const t0 = performance.now()
    const req = http.request(`${base}${path}`, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const ms = performance.now() - t0
        let parsed: unknown
        try { parsed = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined } catch { parsed = undefined }
        resolve({ status: res.statusCode ?? 0, body: parsed, ms })
      })
      res.on('error', () => resolve({ status: 0, body: undefined, ms: performance.now() - t0 }))
    })
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')))
    req.on('error', () => resolve({ status: 0, body: undefined, ms: performance.now() - t0 }))
    if (payload !== undefined) req.write(payload)
    req.end()
  })
}

async function must(a: Promise<Answer>, what: string, status = [200, 201]) {
  const r = await a
  if (!status.includes(r.status)) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : NaN
  } catch {
    return NaN
  }
}
const rssKb = (pid: number) => statusKb(pid, 'VmRSS')

/** RSS of the server every RSS_SAMPLE_S seconds of the soak (s: seconds since its start). */
const RSS_SAMPLE_S = 5
const rssSamples: { s: number; mb: number }[] = []
const medianOf = (xs: number[]) => { const v = [...xs].sort((a, b) => a - b); return v.length ? (v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2) : NaN }

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length
  const my = ys.reduce((a, b) => a + b, 0) / ys.length
  let num = 0
  let den = 0
  for (let i = 0; i < xs.length; i++) { num += (xs[i] - mx) * (ys[i] - my); den += (xs[i] - mx) ** 2 }
  return den ? num / den : 0
}

// ---- Setup: Ambassadors through the API (as nmno would), engagements requested and accepted ----

interface Engagement { id: string; manager: Who; ambassador: Who; goals: string[] }

async function seed(): Promise<{ engagements: Engagement[]; managers: Who[]; ambassadors: Who[] }> {
  const ambassadors: { id: string; who: Who }[] = []
  for (let i = 0; i < AMBASSADORS; i++) {
    const who = principal(`E-soak-a${i}`, ['manager'])
    const a = await must(request('POST', '/v1/ambassadors', who, {
      displayName: `Soak Ambassador ${i}`, capacity: 10, languages: ['en', 'fr'], modes: ['phone', 'video'], topics: ['return_to_work', 'team_impact'],
      bio: { en: 'Twenty years leading operations teams; return-to-work experience.', fr: 'Vingt ans à diriger des équipes des opérations; expérience du retour au travail.' },
    }), 'apply')
    const step = (to: string) => must(request('POST', `/v1/ambassadors/${a.id}/transitions`, NMNO, { to }), `to ${to}`)
    await step('screened')
    await must(request('PUT', `/v1/ambassadors/${a.id}/competencies`, NMNO, { empathyCompassion: 3, communication: 4, integrity: 2, learningDevelopment: 2, emotionalIntelligence: 3 }), 'competencies')
    await step('interviewed')
    for (let ref = 0; ref < 2; ref++) await must(request('POST', `/v1/ambassadors/${a.id}/references`, NMNO, { checkedOn: '2026-01-10', outcome: 'satisfactory' }), 'reference')
    await step('references_checked')
    for (let part = 1; part <= 6; part++) {
      await must(request('POST', `/v1/ambassadors/${a.id}/training-records`, NMNO, { kind: 'orientation_part', part, on: '2026-01-15', attended: true, language: 'en' }), `part ${part}`)
    }
    await step('oriented')
    await must(request('PATCH', `/v1/ambassadors/${a.id}`, who, { supervisorArrangementOn: '2026-01-20' }), 'supervisor arrangement')
    await must(request('POST', `/v1/ambassadors/${a.id}/transitions`, who, { to: 'active', acceptGuidelines: true }), 'activate')
    ambassadors.push({ id: a.id, who })
  }
  const engagements: Engagement[] = []
  const managers: Who[] = []
  for (let i = 0; i < MANAGERS; i++) {
    const manager = principal(`E-soak-m${i}`, ['manager'])
    managers.push(manager)
    const amb = ambassadors[i % AMBASSADORS]
    const terms = await must(request('GET', '/v1/engagement-terms/current', manager), 'terms')
    await must(request('POST', '/v1/me/engagement-terms-acceptance', manager, { version: terms.version }), 'accept terms')
    const e = await must(request('POST', '/v1/engagements', manager, { ambassadorId: amb.id, language: 'en', preferredModes: ['video'], urgency: 'routine', topics: ['team_impact'], aboutMyEmployee: true }), 'request')
    await must(request('POST', `/v1/engagements/${e.id}/accept`, amb.who, {}), 'accept')
    const g = await must(request('POST', `/v1/engagements/${e.id}/goals`, manager, { title: 'Settle the return-to-work plan' }), 'goal')
    engagements.push({ id: e.id, manager, ambassador: amb.who, goals: [g.id] })
  }
  return { engagements, managers, ambassadors: ambassadors.map((a) => a.who) }
}

// ---- The mixed load ----

const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]
const soon = () => new Date(Date.now() + (1 + Math.random() * 20) * 86400_000).toISOString()

type Op = { weight: number; name: string; run: (e: Engagement) => Promise<Answer> }
const OPS: Op[] = [
  // reads (70 %)
  { weight: 12, name: 'list engagements', run: (e) => request('GET', '/v1/engagements?limit=20', Math.random() < 0.5 ? e.manager : e.ambassador) },
  { weight: 14, name: 'read engagement', run: (e) => request('GET', `/v1/engagements/${e.id}`, e.manager) },
  { weight: 14, name: 'list goals', run: (e) => request('GET', `/v1/engagements/${e.id}/goals?limit=100`, Math.random() < 0.5 ? e.manager : e.ambassador) },
  { weight: 10, name: 'list meetings', run: (e) => request('GET', `/v1/engagements/${e.id}/meetings`, e.manager) },
  { weight: 6, name: 'access log', run: (e) => request('GET', `/v1/engagements/${e.id}/access-log`, e.manager) },
  { weight: 8, name: 'directory', run: (e) => request('GET', '/v1/ambassadors?limit=20', e.manager) },
  { weight: 6, name: 'own inbox', run: (e) => request('GET', '/v1/me/notifications', e.manager) },
  // writes (30 %): goals and meetings keep arriving; the per-engagement caps turn the excess into 409s
  {
    weight: 12, name: 'add goal', run: async (e) => {
      const r = await request('POST', `/v1/engagements/${e.id}/goals`, e.manager, { title: `Goal ${randomBytes(4).toString('hex')}`, barriers: 'Time, and a team stretched thin this quarter.' })
      if (r.status === 201 && e.goals.length < 200) e.goals.push(r.body.id)
      return r
    },
  },
  { weight: 10, name: 'edit goal', run: (e) => request('PATCH', `/v1/engagements/${e.id}/goals/${pick(e.goals)}`, e.manager, { progressMeasures: `Checked ${new Date().toISOString()}` }) },
  { weight: 8, name: 'schedule meeting', run: (e) => request('POST', `/v1/engagements/${e.id}/meetings`, Math.random() < 0.5 ? e.manager : e.ambassador, { scheduledAt: soon(), durationMinutes: 45, mode: 'video' }) },
]
const TOTAL_WEIGHT = OPS.reduce((n, o) => n + o.weight, 0)
function chooseOp(): Op {
  let r = Math.random() * TOTAL_WEIGHT
  for (const o of OPS) { r -= o.weight; if (r < 0) return o }
  return OPS[OPS.length - 1]
}

interface Interval { endS: number; rssMb: number; n: number; rps: number; p50: number; p99: number; statuses: Record<string, number>; byOp: Record<string, number[]> }
const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] : NaN)

async function soak(serverPid: number, engagements: Engagement[]): Promise<Interval[]> {
  const intervals: Interval[] = []
  let latencies: number[] = []
  let byOp: Record<string, number[]> = {}
  let statuses: Record<string, number> = {}
  const start = Date.now()
  const end = start + SECONDS * 1000
  let intervalStart = start
  const perConnectionGapMs = (1000 * CONNECTIONS) / RPS
  const close = () => {
    const now = Date.now()
    const sorted = latencies.sort((a, b) => a - b)
    const i: Interval = {
      endS: Math.round((now - start) / 1000), rssMb: rssKb(serverPid) / 1024, n: sorted.length, rps: sorted.length / ((now - intervalStart) / 1000),
      p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), statuses, byOp,
    }
    intervals.push(i)
    const st = Object.entries(i.statuses).sort().map(([k, n]) => `${k}:${n}`).join(' ')
    console.log(`| ${String(i.endS).padStart(5)} | ${i.rssMb.toFixed(1).padStart(7)} | ${i.rps.toFixed(1).padStart(6)} | ${i.p50.toFixed(1).padStart(6)} | ${i.p99.toFixed(1).padStart(7)} | ${os.loadavg()[0].toFixed(1).padStart(5)} | ${st} |`)
    latencies = []
    byOp = {}
    statuses = {}
    intervalStart = now
  }
  const ticker = setInterval(close, INTERVAL * 1000)
  const sampler = setInterval(() => rssSamples.push({ s: (Date.now() - start) / 1000, mb: rssKb(serverPid) / 1024 }), RSS_SAMPLE_S * 1000)
  console.log(`| t (s) | RSS MB | req/s | p50 ms | p99 ms | load (1 min, ${os.cpus().length} cores) | statuses |`)
  console.log('|---:|---:|---:|---:|---:|---:|---|')
  await Promise.all(Array.from({ length: CONNECTIONS }, async (_, c) => {
    let next = Date.now() + (c * perConnectionGapMs) / CONNECTIONS
    while (Date.now() < end) {
      const wait = next - Date.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      next = Math.max(next + perConnectionGapMs, Date.now() - perConnectionGapMs)
      const op = chooseOp()
      const r = await op.run(pick(engagements))
      latencies.push(r.ms)
      ;(byOp[op.name] ??= []).push(r.ms)
      const k = r.status === 0 ? 'error' : String(r.status)
      statuses[k] = (statuses[k] ?? 0) + 1
    }
  }))
  clearInterval(ticker)
  clearInterval(sampler)
  if (latencies.length > 0 && (Date.now() - intervalStart) > INTERVAL * 500) close()
  return intervals
}

// ---- Main ----

async function main() {
  const port = Number(process.env.SOAK_PORT || (await freePort()))
  base = `http://127.0.0.1:${port}`
  let dbName: string | undefined
  let dbUrl: string | undefined
  let pgliteDir: string | undefined
  let server: ChildProcess | undefined
  const adminQuery = async (q: string) => {
    const c = new pg.Client({ connectionString: PG_URL })
    await c.connect()
    try { await c.query(q) } finally { await c.end() }
  }
  try {
    if (PG_URL) {
      dbName = `${DB_PREFIX}soak_${randomBytes(6).toString('hex')}`
      await adminQuery(`CREATE DATABASE ${dbName}`)
      const u = new URL(PG_URL)
      u.pathname = `/${dbName}`
      dbUrl = u.toString()
    } else {
      pgliteDir = mkdtempSync(join(tmpdir(), 'm2m-soak-'))
    }
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>), NODE_ENV: 'development', JWT_SECRET: SECRET, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port),
      RATE_LIMIT_MAX: '1000000',
    }
    delete env.DATABASE_URL
    delete env.JWT_JWKS_URL
    if (dbUrl) env.DATABASE_URL = dbUrl
    else env.PGLITE_DIR = pgliteDir!
    ensureBuilt('soak')
    server = spawn(process.execPath, [...NODE_ARGS, 'bin/start.js'], { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] })
    const exited = new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)))
    const deadline = Date.now() + 120_000
    for (;;) {
      const r = await request('GET', '/health/ready', undefined)
      if (r.status === 200) break
      if (server.exitCode !== null || Date.now() > deadline) throw new Error(`the server did not become ready (exit ${server.exitCode})`)
      await new Promise((res) => setTimeout(res, 250))
    }
    // Idle: ready, one readiness request, a few seconds of nothing.
    await new Promise((res) => setTimeout(res, 3000))
    const idleMb = rssKb(server.pid!) / 1024
    const t0 = Date.now()
    const { engagements } = await seed()
    console.log(`M2M soak: ${SECONDS} s of mixed load (70 % reads, 30 % writes) at ${RPS} req/s target over ${CONNECTIONS} connections, ` +
      `${engagements.length} engagements, server pid ${server.pid} on ${dbUrl ? `PostgreSQL ${dbUrl.replace(/\/\/[^@]*@/, '//')}` : 'embedded PGlite'}; ` +
      `seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s; one sample every ${INTERVAL} s, the first ${WARMUP} s are warm-up; ` +
      `server: node ${[...NODE_ARGS, 'bin/start.js'].join(' ')}; idle RSS ${idleMb.toFixed(1)} MB (before any load)\n`)
    const intervals = await soak(server.pid!, engagements)

    const warm = intervals.filter((i) => i.endS > WARMUP + INTERVAL / 2)
    console.log('')
    if (warm.length < 2) {
      console.log(`too few samples after warm-up (${warm.length}) to judge flatness: run longer (SOAK_SECONDS)`)
    } else {
      const first = warm[0]
      const last = warm[warm.length - 1]
      const rssMax = Math.max(...warm.map((i) => i.rssMb))
      const p99Max = Math.max(...warm.map((i) => i.p99))
      const rssRatio = last.rssMb / first.rssMb
      const p99Ratio = last.p99 / first.p99
      const flat = (r: number) => r <= 1 + TOLERANCE
      console.log(`after warm-up (t=${first.endS} s → t=${last.endS} s):`)
      console.log(`  RSS  ${first.rssMb.toFixed(1)} → ${last.rssMb.toFixed(1)} MB (×${rssRatio.toFixed(2)}, max ${rssMax.toFixed(1)} MB)  ${flat(rssRatio) ? 'flat (within 20 %)' : 'NOT flat (grew more than 20 %)'}`)
      console.log(`  p99  ${first.p99.toFixed(1)} → ${last.p99.toFixed(1)} ms (×${p99Ratio.toFixed(2)}, max ${p99Max.toFixed(1)} ms)  ${flat(p99Ratio) ? 'flat (within 20 %)' : 'NOT flat (grew more than 20 %)'}`)
      console.log(`  p50  ${first.p50.toFixed(1)} → ${last.p50.toFixed(1)} ms`)
      const p50Of = (i: Interval, op: string) => quantile((i.byOp[op] ?? []).sort((a, b) => a - b), 0.5)
      console.log(`  p50 by operation, first → last interval: ${OPS.map((o) => `${o.name} ${p50Of(first, o.name).toFixed(1)} → ${p50Of(last, o.name).toFixed(1)}`).join(', ')} ms`)
      // The trend (#18 "memory"), from an RSS sample every RSS_SAMPLE_S: the median of the window
      // [40 %, 50 %] of the run (minute 4–5 of 10) against that of the last tenth (minute 9–10),
      // and the least-squares slope over the second half. One sample is not enough: the old
      // generation's collections make RSS a saw-tooth of ±20 % around its level.
      const windowMedian = (a: number, b: number) => medianOf(rssSamples.filter((x) => x.s >= a * SECONDS && x.s <= b * SECONDS).map((x) => x.mb))
      const mid = windowMedian(0.4, 0.5)
      const end = windowMedian(0.9, 1)
      const half = rssSamples.filter((x) => x.s >= SECONDS / 2)
      const trend = slope(half.map((x) => x.s / 60), half.map((x) => x.mb))
      const change = end / mid - 1
      const mm = (x: number) => `${(x / 60).toFixed(0)}`
      console.log(`  memory (#18), RSS sampled every ${RSS_SAMPLE_S} s: idle ${idleMb.toFixed(1)} MB (before any load); high-water (VmHWM) ${(statusKb(server.pid!, 'VmHWM') / 1024).toFixed(1)} MB`)
      console.log(`    median over minutes ${mm(0.4 * SECONDS)}–${mm(0.5 * SECONDS)} ${mid.toFixed(1)} MB, over minutes ${mm(0.9 * SECONDS)}–${mm(SECONDS)} ${end.toFixed(1)} MB (${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)} %); ` +
        `slope over the second half ${trend >= 0 ? '+' : ''}${trend.toFixed(2)} MB/min (${half.length} samples, min ${Math.min(...half.map((x) => x.mb)).toFixed(1)}, max ${Math.max(...half.map((x) => x.mb)).toFixed(1)} MB): ` +
        `${change <= 0.05 ? 'flat (the end within 5 % of the middle, or below it)' : 'GROWING (the end more than 5 % above the middle)'}`)
    }
    const all: Record<string, number> = {}
    for (const i of intervals) for (const [k, n] of Object.entries(i.statuses)) all[k] = (all[k] ?? 0) + n
    const unexpected = Object.entries(all).filter(([k]) => !['200', '201', '409'].includes(k))
    console.log(`  statuses ${Object.entries(all).sort().map(([k, n]) => `${k}:${n}`).join(' ')}` +
      (unexpected.length ? `  (unexpected: ${unexpected.map(([k]) => k).join(', ')})` : '  (409: writes past a per-engagement cap)'))
    server.kill('SIGTERM')
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))])
    if (code === 'timeout') server.kill('SIGKILL')
  } finally {
    agent.destroy()
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL')
    if (dbName) {
      await new Promise((r) => setTimeout(r, 500))
      await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((err) => console.error(`could not drop ${dbName}:`, err))
    }
    if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true })
  }
}

try {
  await main()
} catch (err) {
  console.error('soak setup failed:', err)
  process.exitCode = 1
}
