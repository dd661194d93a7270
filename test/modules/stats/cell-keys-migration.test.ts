// #11 finding 3 (RPT-4): the cell-key migration gives every row already there its own random key,
// rebuilds the rollups with key sums, and leaves new rows to the column default (insert statements
// that do not name cell_key get a random key).
import { randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { sql } from 'kysely'
import pg from 'pg'
import t, { type Test } from 'tap'
import { createDatabase, type Db } from '../../../src/db/database.ts'
import { MIGRATIONS_DIR, migrateToLatest, migrator } from '../../../src/db/migrate.ts'
import { refreshRollups } from '../../../src/modules/stats/job.ts'
import { SERVER_URL } from '../../helper.ts'

const MINE = '20261202T110000-add-cell-keys'

/** An empty database (no migration applied), dropped at the end. */
async function emptyDatabase(t: Test): Promise<Db> {
  if (!SERVER_URL) {
    const { db } = createDatabase({ pgliteDir: '', inMemory: true, db: { poolMax: 1, statementTimeoutMs: 60000, acquireTimeoutMs: 10000 } })
    t.teardown(() => db.destroy())
    return db
  }
  const name = `m2m_t_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: SERVER_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(SERVER_URL)
  url.pathname = `/${name}`
  const { db } = createDatabase({ databaseUrl: url.toString(), pgliteDir: '', db: { poolMax: 2, statementTimeoutMs: 60000, acquireTimeoutMs: 10000 } })
  t.teardown(async () => {
    await db.destroy()
    const a = new pg.Client({ connectionString: SERVER_URL })
    await a.connect()
    await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await a.end()
  })
  return db
}

t.test('rows present before the migration get random keys; the rollups are rebuilt with key sums', async (t) => {
  const db = await emptyDatabase(t)
  const names = readdirSync(MIGRATIONS_DIR).filter((f) => /\.ts$/.test(f)).map((f) => f.replace(/\.ts$/, '')).sort()
  const before = names[names.indexOf(MINE) - 1]
  t.ok(before, 'a migration runs before this one')
  const { error } = await migrator(db).migrateTo(before)
  t.error(error)

  const amb = (await sql<{ id: string }>`INSERT INTO ambassadors (employee_ref, display_name) VALUES ('MIG1', 'M') RETURNING id`.execute(db)).rows[0].id
  await sql`WITH ins AS (
      INSERT INTO reports (ambassador_id, occurred_on, mode, duration_minutes, meeting_number, stage, topics, referral_categories, urgency, language)
      SELECT ${amb}::uuid, date '2026-01-15', 'video', 30, 1, 'building_trust', ARRAY['crisis'], '{}', 'routine', 'en' FROM generate_series(1, 200)
      RETURNING id)
    INSERT INTO report_rollup_queue (report_id) SELECT id FROM ins`.execute(db)
  await sql`INSERT INTO report_rollups (grain, period, mode, language, stage, urgency, topic, referral_category, n, minutes)
    VALUES (0, '2026-01-01', 'video', 'en', 'building_trust', 'routine', '', '', 200, 6000)`.execute(db)
  await sql`DELETE FROM report_rollup_queue`.execute(db) // as if the job had rolled them up
  await sql`INSERT INTO engagement_facts (event, period, language, urgency, stage) SELECT 'requested', '2026-01-01', 'en', 'routine', 'goal_setting' FROM generate_series(1, 100)`.execute(db)
  await sql`INSERT INTO manager_survey_responses (trust_built, felt_judged, knowledge_experience, referrals_effective, follow_up_after_referral, needed_more_than_two_meetings)
    SELECT 4, false, 4, 'yes', 'no', false FROM generate_series(1, 100)`.execute(db)

  await migrateToLatest(db)
  for (const table of ['reports', 'engagement_facts', 'manager_survey_responses', 'ambassadors']) {
    const r = (await sql<{ lo: number; hi: number; distinct: string; rows: string }>`
      SELECT min(cell_key) AS lo, max(cell_key) AS hi, count(DISTINCT cell_key) AS distinct, count(*) AS rows FROM ${sql.table(table)}`.execute(db)).rows[0]
    t.ok(r.lo >= 0 && r.hi <= 255, `${table}: keys in [0, 256)`)
    if (Number(r.rows) >= 100) t.ok(Number(r.distinct) > 30, `${table}: ${r.distinct} different keys over ${r.rows} rows (random, not one value)`)
  }
  t.equal(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM report_rollup_queue`.execute(db)).rows[0].n), 200, 'every report queued again for the rollup')
  t.equal(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM report_rollups`.execute(db)).rows[0].n), 0, 'the keyless rollups are gone')
  await refreshRollups(db)
  const sums = (await sql<{ rolled: string; actual: string }>`
    SELECT (SELECT cell_keys FROM report_rollups WHERE grain = 0) AS rolled, (SELECT sum(cell_key) FROM reports) AS actual`.execute(db)).rows[0]
  t.equal(String(sums.rolled), String(sums.actual), 'the rollup keeps the sum of its reports’ keys')

  // New rows: the default draws a key; insert statements need not name it.
  await sql`INSERT INTO ambassador_survey_responses (training_adequate, able_to_fulfil_role, meetings_needed) SELECT 3, 'yes', 2 FROM generate_series(1, 100)`.execute(db)
  const fresh = (await sql<{ distinct: string }>`SELECT count(DISTINCT cell_key) AS distinct FROM ambassador_survey_responses`.execute(db)).rows[0]
  t.ok(Number(fresh.distinct) > 30, 'new rows: random keys from the default')
})
