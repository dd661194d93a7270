// #18 (statistics flat from 100k to 1M reports): the rollup table stays the size of its cells,
// whatever the number of reports rolled up into them. Each rollup run updates the same cells again
// (ON CONFLICT DO UPDATE); with room left on every page (fillfactor, migration
// 20261210T120000-rollups-fillfactor) the new versions stay on their page and the dead ones are
// pruned there, instead of the table growing by a copy of every cell per run (which every answer
// then scans). Sizes and settings, not times: no timing assertion.
import { sql } from 'kysely'
import t from 'tap'
import { refreshRollups } from '../../../src/modules/stats/job.ts'
import { HR, build, call } from '../../helper.ts'
import { insertReports, type ReportInput } from './data.ts'

const MODES = ['video', 'phone', 'in_person', 'email']
const TOPICS = ['crisis', 'team_impact', 'return_to_work', 'accommodation', 'grief_and_loss', 'substance_use']
const CATEGORIES = ['eap', 'learning', 'human_resources']

/** One report in each of 12 months × 4 modes × 2 languages × 2 stages × 6 topics × 3 categories (1,728 reports, 5 rollup rows each). */
function everyCell(): ReportInput[] {
  const rows: ReportInput[] = []
  for (let m = 1; m <= 12; m++) {
    for (const mode of MODES) {
      for (const language of ['en', 'fr']) {
        for (const stage of ['building_trust', 'goal_setting']) {
          for (const [i, topic] of TOPICS.entries()) {
            rows.push({ month: `2026-${String(m).padStart(2, '0')}`, mode, language, stage, topics: [topic], referralCategories: [CATEGORIES[i % 3]], durationMinutes: 30 })
          }
        }
      }
    }
  }
  return rows
}

t.test('the rollup table does not grow with the runs that update its cells', async (t) => {
  const { app, db } = await build(t)
  const size = async () => Number((await sql<{ n: string }>`SELECT pg_relation_size('report_rollups') AS n`.execute(db)).rows[0].n)
  const cells = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM report_rollups`.execute(db)).rows[0].n)
  const ROUNDS = 8
  const reports = everyCell()
  await insertReports(db, reports)
  t.equal(await refreshRollups(db), reports.length)
  const first = await size()
  const cellCount = await cells()
  for (let round = 2; round <= ROUNDS; round++) {
    await insertReports(db, reports)
    t.equal(await refreshRollups(db), reports.length, `run ${round} rolls up its reports`)
  }
  t.equal(await cells(), cellCount, 'the same cells, updated')
  // The pruning needs the dead copies to be older than every snapshot the server still holds: alone,
  // the table stays within twice its first size (without room on its pages: 8× after 8 runs), but
  // beside other databases' work on a shared server (a test run in parallel) PostgreSQL may keep
  // them until a vacuum, so the size is reported, and the setting that allows it is what is checked.
  const last = await size()
  t.comment(`report_rollups after ${ROUNDS} runs: ${last} bytes, after the first: ${first}`)
  const options = (await sql<{ o: string[] | null }>`SELECT reloptions AS o FROM pg_class WHERE relname = 'report_rollups'`.execute(db)).rows[0].o
  t.ok(options?.includes('fillfactor=50'), `room on every page for the next copies (reloptions ${JSON.stringify(options)})`)
  const total = (await call(app, { url: '/v1/stats/engagements?from=2026-01&to=2026-12&groupBy=month', as: HR })).body.total
  t.ok(Math.abs(total.count - ROUNDS * reports.length) <= 2, 'every report counted (within the perturbation)')
})
