// `npm run bench:stats`: the statistics answer (RPT-4) against a plain GROUP BY over the same
// reports, at 100k and 1M reports (measurement only; exits 0 unless the setup fails).
// The ratio is a ratio of TIMES: (time of the whole statistics answer, perturbation and suppression
// included) / (time of the plain GROUP BY over the raw reports), lower is better.
// Targets (#18): at the largest size the answer costs ≤ 0.1× the GROUP BY's time; the answer's time
// is flat from the smallest size to the largest (ratio of its medians ≤ FLAT_MAX); and before
// perturbation every cell equals the GROUP BY's (count and minutes).
//   BENCH_DATABASE_URL  server to use (default postgres://postgres@127.0.0.1:5432/postgres); a
//                       database <BENCH_DB_PREFIX>bench_stats_<random> per size is created on it and dropped.
//   BENCH_STATS_SIZES   report counts to measure at (default 100000,1000000)
//   BENCH_STATS_ROUNDS  interleaved rounds per grouping (default 9): each round measures every size
import { randomBytes } from 'node:crypto'
import os from 'node:os'
import { sql } from 'kysely'
import pg from 'pg'
import { loadConfig } from '../src/config.ts'
import { createDatabase, type Db } from '../src/db/database.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { refreshRollups } from '../src/modules/stats/job.ts'
import { countInteractions } from '../src/modules/stats/repository.ts'
import type { Dimension } from '../src/modules/stats/schemas.ts'
import { engagementStats } from '../src/modules/stats/service.ts'
import '../src/policy/actions.ts' // the rollup job goes through authorize() (the registry of policies)
import { admin, DB_PREFIX, SERVER_URL, urlFor } from './server.ts'

const SIZES = (process.env.BENCH_STATS_SIZES || '100000,1000000').split(',').map(Number)
const ROUNDS = Number(process.env.BENCH_STATS_ROUNDS || 9)
const TARGET = 0.1
/** Calls of the answer per size and round (their median is the round's figure). */
const ANSWER_CALLS = 7
/** Flat: the median, over every round of every grouping, of (answer time at the largest size) / (at the smallest) ≤ FLAT_MAX. */
const FLAT_MAX = 1.3
const GROUPINGS = ['month', 'mode,language', 'month,topic', 'topic,referralCategory']
const PLAIN: Record<string, string> = {
  month: `SELECT to_char(period, 'YYYY-MM') AS d0, count(*), sum(duration_minutes) FROM reports WHERE period BETWEEN $1 AND $2 GROUP BY 1`,
  'mode,language': `SELECT mode, language, count(*), sum(duration_minutes) FROM reports WHERE period BETWEEN $1 AND $2 GROUP BY 1, 2`,
  'month,topic': `SELECT to_char(period, 'YYYY-MM'), t, count(*), sum(duration_minutes) FROM reports, unnest(topics) t WHERE period BETWEEN $1 AND $2 GROUP BY 1, 2`,
  'topic,referralCategory': `SELECT t, c, count(*), sum(duration_minutes) FROM reports, unnest(topics) t, unnest(referral_categories) c WHERE period BETWEEN $1 AND $2 GROUP BY 1, 2`,
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}
const med = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2 }
const spread = (xs: number[], d: number) => `${med(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`

/** n synthetic reports over 2026, spread over the vocabularies, straight into the tables. */
async function addReports(db: Db, n: number) {
  await sql`
    WITH amb AS (INSERT INTO ambassadors (employee_ref, display_name) VALUES (${`B${randomBytes(4).toString('hex')}`}, 'Bench') RETURNING id),
    ins AS (
      INSERT INTO reports (ambassador_id, occurred_on, mode, duration_minutes, meeting_number, stage, topics, referral_categories, urgency, language)
      SELECT amb.id, date '2026-01-01' + (i % 365), (ARRAY['in_person','phone','video','email'])[1 + i % 4], 15 + (i * 7) % 106, 1 + i % 6,
        (ARRAY['building_trust','goal_setting','working_toward_goals','ending'])[1 + (i / 4) % 4],
        ARRAY[(ARRAY['recognizing_signs','role_and_responsibilities','difficult_conversation','performance_and_wellbeing','return_to_work','accommodation',
          'team_impact','crisis','grief_and_loss','substance_use','workplace_conflict','manager_self_care'])[1 + (i * 13) % 12]]
          || CASE WHEN i % 3 = 0 THEN ARRAY['team_impact'] ELSE '{}'::text[] END,
        CASE WHEN i % 2 = 0 THEN ARRAY[(ARRAY['eap','peer_support_program','informal_conflict_management','values_and_ethics','disability_management',
          'human_resources','union_representative','learning','tools_and_guides','external_resources'])[1 + (i * 7) % 10]] ELSE '{}'::text[] END,
        CASE WHEN i % 9 = 0 THEN 'urgent' ELSE 'routine' END, CASE WHEN i % 3 = 0 THEN 'fr' ELSE 'en' END
      FROM amb, generate_series(1, ${n}) i
      RETURNING id)
    INSERT INTO report_rollup_queue (report_id) SELECT id FROM ins`.execute(db)
}

interface Sized { size: number; name: string; db: Db; pool: pg.Pool; /** the cells column of the table */ cells?: string }

async function main() {
  const sized: Sized[] = []
  const results: string[] = []
  /** Per grouping: the per-round ratios at the largest size, and answer(largest) / answer(smallest) per round. */
  const ratiosAtLargest: number[] = []
  const flatness: { g: string; xs: number[] }[] = []
  let cellsChecked = 0
  let cellsDiffering = 0
  try {
    // One database per size, all seeded first, so that every round measures every size in turn
    // (interleaved: the machine's load changes alike for all of them).
    for (const size of SIZES) {
      const name = `${DB_PREFIX}bench_stats_${randomBytes(6).toString('hex')}`
      await admin(`CREATE DATABASE ${name}`)
      const url = urlFor(name)
      const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(32), LOG_LEVEL: 'silent', DATABASE_URL: url, DB_STATEMENT_TIMEOUT_MS: '600000' })
      const s: Sized = { size, name, db: createDatabase(config).db, pool: new pg.Pool({ connectionString: url, max: 2 }) }
      sized.push(s)
      await migrateToLatest(s.db)
      process.stdout.write(`  ${name}: adding ${size.toLocaleString('en')} reports…`)
      let t0 = performance.now()
      await addReports(s.db, size)
      process.stdout.write(` ${((performance.now() - t0) / 1000).toFixed(1)} s; rolling up…`)
      t0 = performance.now()
      await refreshRollups(s.db, 100_000)
      process.stdout.write(` ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
      await sql`ANALYZE`.execute(s.db)
    }
    console.log(`\nM2M statistics benchmark (RPT-4), PostgreSQL ${SERVER_URL.replace(/\/\/[^@]*@/, '//')}, ${ROUNDS} interleaved rounds per grouping; ` +
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`)
    const params = ['2026-01-01', '2026-12-01']
    for (const g of GROUPINGS) {
      const q = { from: '2026-01', to: '2026-12', groupBy: g }
      for (const s of sized) {
        // Before perturbation, every cell equals the plain GROUP BY's (count and sum of minutes).
        const truth = await countInteractions(s.db, g.split(',') as Dimension[], params[0], params[1])
        const plainRows = (await s.pool.query({ text: PLAIN[g], values: params, rowMode: 'array' })).rows as unknown[][]
        const want = new Map(plainRows.map((r) => [r.slice(0, -2).map(String).join('|'), `${String(r[r.length - 2])}/${String(r[r.length - 1])}`]))
        const got = new Map(truth.cells.map((c) => [c.dims.join('|'), `${c.n}/${c.minutes}`]))
        const differing = [...new Set([...want.keys(), ...got.keys()])].filter((k) => want.get(k) !== got.get(k)).length
        cellsChecked += want.size
        cellsDiffering += differing
        s.cells = `${want.size} | ${differing === 0 ? 'all equal' : `${differing} DIFFER`}`
        for (let i = 0; i < 3; i++) await engagementStats(s.db, 10, q) // warm-up
        await s.pool.query(PLAIN[g], params)
      }
      // Each round times, at every size, the answer (median of ANSWER_CALLS calls: it takes a few ms, so one call is mostly noise) then the GROUP BY.
      const a: number[][] = sized.map(() => [])
      const p: number[][] = sized.map(() => [])
      for (let round = 0; round < ROUNDS; round++) {
        for (const [k, s] of sized.entries()) {
          const calls: number[] = []
          for (let i = 0; i < ANSWER_CALLS; i++) calls.push(await timed(() => engagementStats(s.db, 10, q)))
          a[k].push(med(calls))
          p[k].push(await timed(() => s.pool.query(PLAIN[g], params)))
        }
      }
      for (const [k, s] of sized.entries()) {
        const ratios = a[k].map((x, i) => x / p[k][i])
        if (k === sized.length - 1) ratiosAtLargest.push(med(ratios))
        results.push(`| ${s.size.toLocaleString('en')} | ${g} | ${s.cells} | ${spread(a[k], 1)} | ${spread(p[k], 1)} | ${spread(ratios, 3)}× | ${med(ratios) <= TARGET ? 'met' : 'NOT met'} |`)
      }
      if (sized.length > 1) flatness.push({ g, xs: a[sized.length - 1].map((x, i) => x / a[0][i]) })
    }
    // Freshness: a report is counted the moment it commits, before any rollup runs (read as the
    // true count under the answer: the published one is perturbed, #11 finding 3).
    const last = sized[sized.length - 1]
    const trueTotal = async () => (await countInteractions(last.db, ['month'], '2026-01-01', '2026-12-01')).total.n
    const before = await trueTotal()
    await addReports(last.db, 1)
    const after = await trueTotal()
    console.log(`ratio = (time of the statistics answer, perturbation and suppression included) / (time of the plain GROUP BY over the same reports), per round; target ≤ ${TARGET}× (lower is better)`)
    console.log(`\n| reports | groupBy | cells | cells before perturbation vs GROUP BY | answer ms, median (min–max) | plain GROUP BY ms, median (min–max) | ratio, median (min–max) | ≤ ${TARGET}× |`)
    console.log('|---:|---|---:|---|---:|---:|---:|---|')
    for (const r of results) console.log(r)
    console.log(`\nat ${last.size.toLocaleString('en')} reports: ratio median over the groupings ${med(ratiosAtLargest).toFixed(3)}× (${Math.min(...ratiosAtLargest).toFixed(3)}–${Math.max(...ratiosAtLargest).toFixed(3)}), target ≤ ${TARGET}×: ${ratiosAtLargest.every((r) => r <= TARGET) ? 'met' : 'NOT met'}`)
    console.log(`cells before perturbation equal to the GROUP BY: ${cellsChecked - cellsDiffering} of ${cellsChecked} ${cellsDiffering === 0 ? '(met)' : '(NOT met)'}`)
    if (flatness.length) {
      // The verdict on all rounds of all groupings together: a grouping's few-ms answer alone swings
      // by ±30 % between rounds on a busy machine, whatever the size.
      const pooled = flatness.flatMap((f) => f.xs)
      console.log(`flatness = answer time at ${last.size.toLocaleString('en')} / at ${sized[0].size.toLocaleString('en')} in the same round: ` +
        `${flatness.map((f) => `${f.g} ${spread(f.xs, 2)}×`).join(', ')}; all ${pooled.length} rounds ${spread(pooled, 2)}×, target median ≤ ${FLAT_MAX}×: ${med(pooled) <= FLAT_MAX ? 'met' : 'NOT met'}`)
      const size = await sql<{ heap: string }>`SELECT pg_relation_size('report_rollups') AS heap`.execute(last.db)
      const first = await sql<{ heap: string }>`SELECT pg_relation_size('report_rollups') AS heap`.execute(sized[0].db)
      console.log(`report_rollups heap: ${(Number(first.rows[0].heap) / 1024).toFixed(0)} kB at ${sized[0].size.toLocaleString('en')}, ${(Number(size.rows[0].heap) / 1024).toFixed(0)} kB at ${last.size.toLocaleString('en')}`)
    }
    console.log(`freshness: a new report counted at once without a rollup run: ${after === before + 1 ? 'yes' : 'NO'} (${before} → ${after})`)
  } finally {
    for (const s of sized) {
      await s.pool.end().catch(() => {})
      await s.db.destroy().catch(() => {})
      await admin(`DROP DATABASE IF EXISTS ${s.name} WITH (FORCE)`).catch((err) => console.error(`could not drop ${s.name}:`, err))
    }
  }
}

try {
  await main()
} catch (err) {
  console.error('bench setup failed:', err)
  process.exitCode = 1
}
