// `npm run bench:stats`: the statistics answer (RPT-4) against a plain GROUP BY over the same
// reports, at 100k and 1M reports (measurement only; exits 0 unless the setup fails).
// Target: the answer takes at most a tenth of the plain GROUP BY at 1M, and stays flat 100k → 1M.
//   BENCH_DATABASE_URL  server to use (default postgres://postgres@127.0.0.1:5432/postgres); a
//                       database m2m_bench_stats_<random> is created on it and dropped at the end.
//   BENCH_STATS_SIZES   report counts to measure at (default 100000,1000000)
import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import pg from 'pg'
import { loadConfig } from '../src/config.ts'
import { createDatabase, type Db } from '../src/db/database.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { refreshRollups } from '../src/modules/stats/job.ts'
import { countInteractions } from '../src/modules/stats/repository.ts'
import { engagementStats } from '../src/modules/stats/service.ts'
import { admin, urlFor } from './server.ts'

const SIZES = (process.env.BENCH_STATS_SIZES || '100000,1000000').split(',').map(Number)
const GROUPINGS = ['month', 'mode,language', 'month,topic', 'topic,referralCategory']
const PLAIN: Record<string, string> = {
  month: `SELECT to_char(period, 'YYYY-MM') AS d0, count(*), sum(duration_minutes) FROM reports WHERE period BETWEEN $1 AND $2 GROUP BY 1`,
  'mode,language': `SELECT mode, language, count(*), sum(duration_minutes) FROM reports WHERE period BETWEEN $1 AND $2 GROUP BY 1, 2`,
  'month,topic': `SELECT to_char(period, 'YYYY-MM'), t, count(*), sum(duration_minutes) FROM reports, unnest(topics) t WHERE period BETWEEN $1 AND $2 GROUP BY 1, 2`,
  'topic,referralCategory': `SELECT t, c, count(*), sum(duration_minutes) FROM reports, unnest(topics) t, unnest(referral_categories) c WHERE period BETWEEN $1 AND $2 GROUP BY 1, 2`,
}

async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await fn()
    times.push(performance.now() - t0)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]
}

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

async function main() {
  const dbName = `m2m_bench_stats_${randomBytes(6).toString('hex')}`
  await admin(`CREATE DATABASE ${dbName}`)
  const dbUrl = urlFor(dbName)
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(32), LOG_LEVEL: 'silent', DATABASE_URL: dbUrl, DB_STATEMENT_TIMEOUT_MS: '600000' })
  const { db } = createDatabase(config)
  const pool = new pg.Pool({ connectionString: dbUrl, max: 2 })
  const results: string[] = []
  const summary: Record<number, number[]> = {}
  try {
    await migrateToLatest(db)
    let have = 0
    console.log(`M2M statistics benchmark (RPT-4), PostgreSQL ${dbUrl.replace(/\/\/[^@]*@/, '//')}\n`)
    for (const size of SIZES) {
      process.stdout.write(`  adding ${size - have} reports…`)
      let t0 = performance.now()
      await addReports(db, size - have)
      have = size
      process.stdout.write(` ${((performance.now() - t0) / 1000).toFixed(1)} s; rolling up…`)
      t0 = performance.now()
      await refreshRollups(db, 100_000)
      process.stdout.write(` ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
      await sql`ANALYZE`.execute(db)
      summary[size] = []
      for (const g of GROUPINGS) {
        const q = { from: '2026-01', to: '2026-12', groupBy: g }
        await engagementStats(db, 10, q) // warm-up
        const answer = await median(15, () => engagementStats(db, 10, q))
        await pool.query(PLAIN[g], ['2026-01-01', '2026-12-01'])
        const plain = await median(5, () => pool.query(PLAIN[g], ['2026-01-01', '2026-12-01']))
        summary[size].push(answer)
        results.push(`| ${size.toLocaleString('en')} | ${g} | ${answer.toFixed(1)} | ${plain.toFixed(1)} | ${(answer / plain).toFixed(3)} | ${answer / plain <= 0.1 ? 'met' : 'NOT met'} |`)
      }
    }
    // Freshness: a report is counted the moment it commits, before any rollup runs (read as the
    // true count under the answer: the published one is perturbed, #11 finding 3).
    const trueTotal = async () => (await countInteractions(db, ['month'], '2026-01-01', '2026-12-01')).total.n
    const before = await trueTotal()
    await addReports(db, 1)
    const after = await trueTotal()
    console.log('\n| reports | groupBy | stats answer ms (median) | plain GROUP BY ms (median) | ratio | ≤ 0.1 |')
    console.log('|---:|---|---:|---:|---:|---|')
    for (const r of results) console.log(r)
    if (SIZES.length > 1) {
      const [a, b] = [summary[SIZES[0]], summary[SIZES[SIZES.length - 1]]]
      const flat = b.map((x, i) => x / a[i])
      console.log(`\nflatness (answer at ${SIZES[SIZES.length - 1].toLocaleString('en')} / at ${SIZES[0].toLocaleString('en')}): ${flat.map((x) => x.toFixed(2)).join(', ')} (≈ 1 expected)`)
    }
    console.log(`freshness: a new report counted at once without a rollup run: ${after === before + 1 ? 'yes' : 'NO'} (${before} → ${after})`)
  } finally {
    await pool.end().catch(() => {})
    await db.destroy().catch(() => {})
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((err) => console.error(`could not drop ${dbName}:`, err))
  }
}

try {
  await main()
} catch (err) {
  console.error('bench setup failed:', err)
  process.exitCode = 1
}
