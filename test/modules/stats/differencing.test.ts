// #11 finding 3 (RPT-4, CONF-5): an HR analyst combining answers must not recover a suppressed
// count or sum exactly. Each attack of the finding, through HTTP, on data where it worked with
// suppression alone: December holds one phone report (urgent), one closure, and June one manager's
// survey answer. Every record gets a random cell key (the database's default), so each attack is
// run over several windows (different sets of records, independent noises): without perturbation
// every estimate equals the truth; with it, some do not, and nothing tells the attacker which.
import { sql } from 'kysely'
import t from 'tap'
import { refreshRollups } from '../../../src/modules/stats/job.ts'
import { MAX_NOISE, perturbCount } from '../../../src/modules/stats/perturbation.ts'
import { HR, build, call } from '../../helper.ts'
import { insertReports, times, type ReportInput } from './data.ts'

const MONTHS = Array.from({ length: 12 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`)

/** Jan–Nov: 20 video, 15 phone and 5 urgent video reports a month; December: one urgent phone report. */
function year(): ReportInput[] {
  return [
    ...MONTHS.slice(0, 11).flatMap((month) => [
      ...times(20, { month, mode: 'video' }), ...times(15, { month, mode: 'phone' }), ...times(5, { month, mode: 'video', urgency: 'urgent' }),
    ]),
    { month: '2026-12', mode: 'phone', urgency: 'urgent', durationMinutes: 90 },
  ]
}

/** The true December counts t (0–5) consistent with two published counts, whatever the cell keys (the attacker's view). */
function consistent(withDecember: number, without: number): number[] {
  const keys = Array.from({ length: 256 }, (_, k) => k)
  const sources = (p: number) => Array.from({ length: 2 * MAX_NOISE + 1 }, (_, i) => p - MAX_NOISE + i).filter((n) => n >= 0 && keys.some((k) => perturbCount(n, k) === p))
  return [0, 1, 2, 3, 4, 5].filter((t) => sources(without).some((n) => sources(withDecember).includes(n + t)))
}

t.test('finding 3: differencing answers recovers no suppressed figure exactly', async (t) => {
  const { app, db } = await build(t)
  await insertReports(db, year())
  const facts = (month: string, n: number) => sql`INSERT INTO engagement_facts (event, period, language, urgency, stage, outcome, modes)
    SELECT 'closed', ${`${month}-01`}::date, 'en', 'routine', 'ending', 'goals_met', ARRAY['video'] FROM generate_series(1, ${n})`.execute(db)
  for (const month of MONTHS.slice(0, 11)) await facts(month, 12)
  await facts('2026-12', 1)
  const get = async (url: string) => {
    const res = await call(app, { url, as: HR })
    t.equal(res.status, 200, url)
    return res.body
  }

  const december = await get('/v1/stats/engagements?from=2026-12&to=2026-12&groupBy=mode')
  t.same(december.total, { count: null, suppressed: true, meanDurationMinutes: null }, 'December alone is withheld')

  t.test('(a) from=m&to=2026-12 minus to=2026-11: totals, the phone cell, closures', async (t) => {
    const estimates: number[] = []
    for (const from of MONTHS.slice(0, 11)) {
      const all = await get(`/v1/stats/engagements?from=${from}&to=2026-12&groupBy=mode`)
      const upToNov = await get(`/v1/stats/engagements?from=${from}&to=2026-11&groupBy=mode`)
      const phone = (a: any) => a.cells.find((c: any) => c.mode === 'phone').count
      estimates.push(all.total.count - upToNov.total.count, phone(all) - phone(upToNov))
      const closures = await Promise.all([`to=2026-12`, `to=2026-11`].map((to) => get(`/v1/stats/engagements?measure=closures&from=${from}&${to}&groupBy=outcome`)))
      estimates.push(closures[0].total.count - closures[1].total.count)
      if (from === '2026-01') {
        const seen = consistent(all.total.count, upToNov.total.count)
        t.ok(seen.length >= 2 && seen.includes(1), `the published totals fit several December counts: ${seen.join(',')}`)
      }
    }
    t.ok(estimates.some((e) => e !== 1), `the attacker's estimates of the one December report: ${estimates.join(',')}`)
    t.ok(new Set(estimates).size >= 2, 'and they disagree: no single answer pair can be trusted')
    t.ok(estimates.every((e) => Math.abs(e - 1) <= 4 * MAX_NOISE), 'bounded: within the noise of two figures')
  })

  t.test('(b) groupBy=mode minus groupBy=mode,urgency: the urgent phone report', async (t) => {
    const estimates: number[] = []
    // From October on the urgent video cell (5 a month) is too small to shield the routine phone cell.
    for (const from of MONTHS.slice(0, 9)) {
      const byMode = await get(`/v1/stats/engagements?from=${from}&to=2026-12&groupBy=mode`)
      const byBoth = await get(`/v1/stats/engagements?from=${from}&to=2026-12&groupBy=mode,urgency`)
      const cell = (a: any, urgency?: string) => a.cells.find((c: any) => c.mode === 'phone' && (!urgency || c.urgency === urgency))
      t.equal(cell(byBoth, 'urgent').suppressed, true, `${from}: the urgent phone cell is withheld`)
      t.equal(cell(byBoth, 'routine').suppressed, false, `${from}: its routine neighbour is published (the urgent video cell protects it)`)
      estimates.push(cell(byMode).count - cell(byBoth, 'routine').count)
    }
    t.ok(estimates.some((e) => e !== 1), `the attacker's estimates of the urgent phone cell: ${estimates.join(',')}`)
    t.ok(estimates.every((e) => Math.abs(e - 1) <= 2 * MAX_NOISE), 'bounded')
  })

  t.test('(d) the same query gives the same bytes, before and after the rollup, JSON and CSV', async (t) => {
    const urls = ['/v1/stats/engagements?from=2026-01&to=2026-12&groupBy=mode,urgency', '/v1/stats/engagements?from=2026-03&to=2026-12&groupBy=month',
      '/v1/stats/engagements?measure=closures&from=2026-01&to=2026-12&groupBy=month', '/v1/stats/program?from=2026-01&to=2026-12']
    const answers = async () => Promise.all(urls.flatMap((url) => [undefined, 'text/csv'].map(async (accept) =>
      (await call(app, { url, as: HR, headers: accept ? { accept } : {} })).raw.body)))
    const first = await answers()
    t.same(await answers(), first, 'repeated: byte-identical (the noise does not average away)')
    t.ok((await refreshRollups(db)) > 0)
    t.same(await answers(), first, 'from the rollups: byte-identical')
    const total = (await get('/v1/stats/engagements?from=2026-01&to=2026-12&groupBy=mode')).total
    for (const g of ['month', 'urgency', 'mode,urgency', 'stage,language']) {
      t.same((await get(`/v1/stats/engagements?from=2026-01&to=2026-12&groupBy=${g}`)).total, total, `the same total in every grouping (${g})`)
    }
  })
})

t.test('(c) /v1/stats/surveys over two ranges differing by one manager’s answer', async (t) => {
  const { app, db } = await build(t)
  // Jan–May: 93 responses; June: one manager, who answered 4 and 2.
  const rows = Array.from({ length: 93 }, (_, i) => sql`(${`${MONTHS[i % 5]}-01`}::date, ${1 + (i % 5)}, ${i % 3 === 0}, ${1 + ((i * 2) % 5)}, 'yes', 'no', false)`)
  rows.push(sql`('2026-06-01'::date, 4, false, 2, 'yes', 'no', false)`)
  await sql`INSERT INTO manager_survey_responses (period, trust_built, felt_judged, knowledge_experience, referrals_effective, follow_up_after_referral, needed_more_than_two_meetings)
    VALUES ${sql.join(rows)}`.execute(db)
  const totals = async (from: string, to: string) => {
    const res = await call(app, { url: `/v1/stats/surveys?from=${from}&to=${to}`, as: HR })
    t.equal(res.status, 200)
    return Object.fromEntries(res.body.total.map((r: any) => [r.question, r]))
  }
  const june = await totals('2026-06', '2026-06')
  t.same([june.responses.count, june.trustBuilt.mean], [null, null], 'June alone is withheld')
  const estimates: { trust: number; knowledge: number }[] = []
  for (const from of MONTHS.slice(0, 5)) {
    const [a, b] = [await totals(from, '2026-06'), await totals(from, '2026-05')]
    // The attacker's integer sums: mean × published n.
    const sum = (x: any, q: string) => Math.round(x[q].mean * x[q].count)
    estimates.push({ trust: sum(a, 'trustBuilt') - sum(b, 'trustBuilt'), knowledge: sum(a, 'knowledgeExperience') - sum(b, 'knowledgeExperience') })
  }
  t.ok(estimates.some((e) => e.trust !== 4 || e.knowledge !== 2), `the attacker's estimates of the manager's answers (4, 2): ${JSON.stringify(estimates)}`)
  t.ok(new Set(estimates.map((e) => e.trust)).size >= 2 || new Set(estimates.map((e) => e.knowledge)).size >= 2, 'and they disagree')
})
