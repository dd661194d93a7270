// RPT-4: statistics through HTTP: access by role, query validation, suppression on crafted data,
// CSV, the rollup job, answers unchanged by the engagement purge, and property tests over
// random datasets and groupings. Since #11 finding 3 every count is perturbed by its cell key
// (perturbation.ts); the tests that check exact figures give their records cell key 0 (`unperturbed`,
// `cell_key = 0`), which the perturbation maps to no noise, so the suppression rule is checked as
// before; the perturbation itself is checked with random keys (last test, and differencing.test.ts).
import fc from 'fast-check'
import { sql } from 'kysely'
import t from 'tap'
import { refreshRollups } from '../../../src/modules/stats/job.ts'
import { rollUpBatch } from '../../../src/modules/stats/repository.ts'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call, usingServer } from '../../helper.ts'
import { engagement, report } from '../reports/fixtures.ts'
import { insertReports, times, unperturbed } from './data.ts'

const RANGE = 'from=2026-01&to=2026-12'

t.test('who may read statistics (SPEC §2)', async (t) => {
  const { app } = await build(t)
  const amb = await activeAmbassador(app, 'ST01')
  for (const path of ['engagements', 'surveys', 'program']) {
    for (const who of [HR, NMNO, GOVERNANCE]) t.equal((await call(app, { url: `/v1/stats/${path}`, as: who })).status, 200, `${who.sub} ${path}`)
    for (const who of [as('STM1', 'manager'), amb.me, ISERVICE]) t.equal((await call(app, { url: `/v1/stats/${path}`, as: who })).status, 403, `${who.sub} ${path}`)
    t.equal((await call(app, { url: `/v1/stats/${path}` })).status, 401)
  }
})

t.test('query validation: listed dimensions only, month ranges', async (t) => {
  const { app } = await build(t)
  const get = (url: string) => call(app, { url, as: HR })
  for (const url of [
    '/v1/stats/engagements?groupBy=ambassador', '/v1/stats/engagements?groupBy=ambassadorId', '/v1/stats/engagements?groupBy=month,month',
    '/v1/stats/engagements?groupBy=outcome', '/v1/stats/engagements?groupBy=', '/v1/stats/engagements?from=2026-13',
    '/v1/stats/engagements?from=2026-05&to=2026-01', '/v1/stats/engagements?from=2000-01&to=2026-01', '/v1/stats/engagements?manager=E1',
    '/v1/stats/engagements?measure=minutes', '/v1/stats/surveys?groupBy=topic', '/v1/stats/surveys?survey=supervisor', '/v1/stats/program?groupBy=mode',
  ]) {
    const res = await get(url)
    t.same([res.status, res.body.code], [400, 'validation-failed'], url)
  }
  t.equal((await get('/v1/stats/engagements?measure=closures&groupBy=outcome,month')).status, 200, 'outcome is a dimension of closures')
  const dflt = await get('/v1/stats/engagements')
  t.same(dflt.body.groupBy, ['month'])
  t.equal(dflt.body.to, new Date().toISOString().slice(0, 7))
})

t.test('small-cell and complementary suppression on crafted data (threshold 10)', async (t) => {
  const { app, db } = await build(t)
  await insertReports(db, unperturbed([...times(3, { mode: 'phone', durationMinutes: 20 }), ...times(20, { mode: 'video', durationMinutes: 40 }), ...times(15, { mode: 'in_person', durationMinutes: 60 })]))
  const res = await call(app, { url: `/v1/stats/engagements?${RANGE}&groupBy=mode`, as: HR })
  t.equal(res.status, 200)
  t.equal(res.body.threshold, 10)
  const byMode = Object.fromEntries(res.body.cells.map((c: any) => [c.mode, c]))
  t.same(byMode.phone, { mode: 'phone', count: null, suppressed: true, meanDurationMinutes: null }, 'primary: 3 < 10')
  t.same(byMode.in_person, { mode: 'in_person', count: null, suppressed: true, meanDurationMinutes: null }, 'complementary: else total − video − in_person = 3')
  t.same(byMode.video, { mode: 'video', count: 20, suppressed: false, meanDurationMinutes: 40 })
  t.same(res.body.total, { count: 38, suppressed: false, meanDurationMinutes: 46.32 })

  t.test('a total below the threshold is withheld with every cell', async (t) => {
    const only = await call(app, { url: '/v1/stats/engagements?from=2026-01&to=2026-01&groupBy=stage', as: HR })
    t.same(only.body.cells, [{ stage: 'building_trust', count: 38, suppressed: false, meanDurationMinutes: 46.32 }])
    await insertReports(db, unperturbed(times(4, { month: '2026-02' })))
    const feb = await call(app, { url: '/v1/stats/engagements?from=2026-02&to=2026-02&groupBy=mode', as: HR })
    t.same(feb.body.total, { count: null, suppressed: true, meanDurationMinutes: null })
    t.ok(feb.body.cells.every((c: any) => c.suppressed && c.count === null))
  })

  t.test('CSV with Accept: text/csv: the same figures', async (t) => {
    const csv = await call(app, { url: `/v1/stats/engagements?from=2026-01&to=2026-01&groupBy=mode`, as: HR, headers: { accept: 'text/csv' } })
    t.equal(csv.status, 200)
    t.match(csv.headers['content-type'], /^text\/csv/)
    t.equal(csv.raw.body, [
      'level,mode,count,suppressed,meanDurationMinutes', 'cell,in_person,,true,', 'cell,phone,,true,', 'cell,video,20,false,40', 'total,,38,false,46.32', '',
    ].join('\r\n'))
  })

  t.test('two dimensions, multi-valued topics: no small count published or computable', async (t) => {
    await insertReports(db, unperturbed([...times(12, { month: '2026-03', topics: ['crisis', 'grief_and_loss'] }), ...times(2, { month: '2026-03', topics: ['substance_use'] })]))
    const res = await call(app, { url: '/v1/stats/engagements?from=2026-03&to=2026-03&groupBy=month,topic', as: HR })
    const byTopic = Object.fromEntries(res.body.cells.map((c: any) => [c.topic, c]))
    t.equal(byTopic.substance_use.suppressed, true)
    t.equal(res.body.total.count, 14)
    const published = res.body.cells.filter((c: any) => !c.suppressed)
    t.ok(published.every((c: any) => c.count >= 10))
  })

  t.test('no figure per Ambassador for anyone', async (t) => {
    const all = JSON.stringify((await call(app, { url: `/v1/stats/engagements?${RANGE}&groupBy=month,mode,language,stage,urgency`, as: HR })).body)
    t.notMatch(all, /ambassador/i)
  })
})

t.test('the rollup: same answers before and after the job, new reports counted at once', async (t) => {
  const { app, db } = await build(t)
  const queries = ['groupBy=month', 'groupBy=mode,topic', 'groupBy=referralCategory', 'groupBy=topic,referralCategory,language', 'groupBy=stage,urgency']
  const rnd = (i: number, xs: string[]) => xs[i % xs.length]
  await insertReports(db, Array.from({ length: 400 }, (_, i) => ({
    month: `2026-0${1 + (i % 3)}`, mode: rnd(i, ['video', 'phone', 'in_person']), language: rnd(i >> 1, ['en', 'fr']), stage: rnd(i >> 2, ['building_trust', 'goal_setting']),
    topics: [rnd(i, ['crisis', 'team_impact', 'return_to_work', 'accommodation']), ...(i % 5 ? [] : ['grief_and_loss'])], referralCategories: i % 3 ? ['eap'] : [], durationMinutes: 15 + (i % 90),
  })))
  const answers = async () => Promise.all(queries.map(async (q) => (await call(app, { url: `/v1/stats/engagements?${RANGE}&${q}`, as: HR })).body))
  const before = await answers()
  t.equal(await refreshRollups(db, 150), 400, 'the job drains the queue in batches')
  t.same(await db.selectFrom('reportRollupQueue').select('reportId').execute(), [])
  t.same(await answers(), before, 'identical answers from the rollup')
  t.equal(await refreshRollups(db), 0)

  const amb = await activeAmbassador(app, 'ST21')
  const e = await engagement(app, amb, 'STM21')
  const now = new Date().toISOString().slice(0, 7)
  const count = async () => (await call(app, { url: `/v1/stats/engagements?from=${now}&to=${now}&groupBy=month`, as: NMNO })).body.total
  await insertReports(db, unperturbed(times(11, { month: now })))
  await refreshRollups(db)
  t.same(await count(), { count: 11, suppressed: false, meanDurationMinutes: 30 })
  const posted = await call(app, { method: 'POST', url: '/v1/reports', as: amb.me, body: report(e.id, { durationMinutes: 41 }) })
  t.equal(posted.status, 201)
  // Exact figures: the new report's random cell key set to 0 (no noise), while it is still queued.
  await sql`UPDATE reports SET cell_key = 0 WHERE id = ${posted.body.id}::uuid`.execute(db)
  t.same(await count(), { count: 12, suppressed: false, meanDurationMinutes: 30.92 }, 'a new report counts at once, before any job')

  t.test('one replica at a time: the job steps aside while another holds the lock', { skip: !usingServer && 'PostgreSQL only: PGlite has one connection, so no second job can hold the lock' }, async (t) => {
    await insertReports(db, times(5, { month: '2026-05' }))
    const results = await Promise.all([refreshRollups(db, 1), refreshRollups(db, 1), refreshRollups(db, 1)])
    t.equal(results.reduce((a, b) => a + b, 0), 6, 'every queued report rolled up exactly once')
    const held = await db.connection().execute(async (c) => {
      await sql`BEGIN`.execute(c)
      await sql`SELECT pg_advisory_xact_lock(727201)`.execute(c)
      const other = await rollUpBatch(db, 10)
      await sql`ROLLBACK`.execute(c)
      return other
    })
    t.equal(held, -1)
  })
})

t.test('statistics do not depend on engagements surviving the purge (RET-1)', async (t) => {
  const { app, db } = await build(t, { env: { STATS_MIN_CELL: '5' } })
  const amb = await activeAmbassador(app, 'ST31')
  const ids: string[] = []
  for (let i = 0; i < 3; i++) {
    const e = await engagement(app, amb, `STM3${i}`, 'closed')
    ids.push(e.id)
    t.equal((await call(app, { method: 'POST', url: '/v1/reports', as: amb.me, body: report(e.id) })).status, 201)
  }
  const now = new Date().toISOString().slice(0, 7)
  const urls = [`/v1/stats/engagements?from=${now}&to=${now}`, `/v1/stats/engagements?measure=closures&groupBy=outcome,mode,referralCategory&from=${now}&to=${now}`, `/v1/stats/program?from=${now}&to=${now}`,
    `/v1/stats/pilot?from=${now}&to=${now}`]
  const before = await Promise.all(urls.map(async (url) => (await call(app, { url, as: GOVERNANCE })).body))
  const all = await db.selectFrom('engagementFacts').selectAll().orderBy('event').execute()
  // #15: acceptances are facts too (the pilot dashboard's acceptance rate and time to answer).
  t.same(all.filter((f) => f.event === 'accepted').length, 3)
  const facts = all.filter((f) => f.event !== 'accepted')
  t.same(facts.map((f) => f.event), ['closed', 'closed', 'closed', 'requested', 'requested', 'requested'])
  t.match(facts[0], { outcome: 'goals_met', modes: ['video'], language: 'en', urgency: 'routine' })
  t.notOk(JSON.stringify(facts).match(/[0-9a-f]{8}-[0-9a-f]{4}-/), 'no id in the facts')
  for (const table of ['meetings', 'goals', 'referrals']) await sql`DELETE FROM ${sql.table(table)} WHERE engagement_id = ANY(${ids}::uuid[])`.execute(db)
  await sql`DELETE FROM notifications WHERE subject_id = ANY(${ids}::uuid[])`.execute(db).catch(() => {})
  await sql`DELETE FROM engagements WHERE id = ANY(${ids}::uuid[])`.execute(db)
  const after = await Promise.all(urls.map(async (url) => (await call(app, { url, as: GOVERNANCE })).body))
  t.same(after, before, 'every answer exactly as before the purge')
})

t.test('program statistics: Ambassadors by status as a program-level count only (REV-6)', async (t) => {
  const { app, db } = await build(t, { env: { STATS_MIN_CELL: '5' } })
  await db.insertInto('ambassadors').values([
    ...Array.from({ length: 12 }, (_, i) => ({ employeeRef: `A${i}`, displayName: `A${i}`, status: 'active' as const, termStart: new Date(), termEnd: new Date(Date.now() + 86400_000 * 300) })),
    ...Array.from({ length: 6 }, (_, i) => ({ employeeRef: `P${i}`, displayName: `P${i}` })),
    { employeeRef: 'R1', displayName: 'R1', status: 'revoked' as const },
  ].map((a) => ({ ...a, cellKey: 0 }))).execute() // cell key 0: exact figures (no perturbation)
  const res = await call(app, { url: '/v1/stats/program', as: HR })
  const statuses = res.body.tables.find((x: any) => x.name === 'ambassadorsByStatus')
  t.same(statuses.total, { count: 19, suppressed: false })
  const byKey = Object.fromEntries(statuses.cells.map((c: any) => [c.key, c]))
  t.same(byKey.revoked, { key: 'revoked', count: null, suppressed: true }, 'one revocation is never visible as such')
  t.same(byKey.applicant, { key: 'applicant', count: null, suppressed: true }, 'complementary: 19 − 12 would give it away')
  t.same(byKey.active, { key: 'active', count: 12, suppressed: false })
  t.same(res.body.tables.map((x: any) => x.name), ['ambassadorsByStatus', 'engagementsRequested', 'engagementsClosed', 'engagementsDeclined', 'engagementsWithdrawn', 'engagementsExpired',
    'selfCareCheckIns', 'selfCareContactRequests', 'ambassadorsOverMonthlyHours'])
  // #14 item 5: self-care check-ins reach statistics as suppressed counts only.
  const a0 = (await db.selectFrom('ambassadors').select('id').where('employeeRef', '=', 'A0').executeTakeFirstOrThrow()).id
  await sql`INSERT INTO self_care_check_ins (ambassador_id, wellbeing, workload_impact, wants_contact)
    SELECT ${a0}, 3, 'some', i <= 2 FROM generate_series(1, 30) i`.execute(db)
  const care = (await call(app, { url: '/v1/stats/program', as: HR })).body.tables
  const contact = care.find((x: any) => x.name === 'selfCareContactRequests')
  t.same([contact.total, contact.cells.every((c: any) => c.suppressed && c.count === null)], [{ count: null, suppressed: true }, true], 'two requests: suppressed')
  t.equal(care.find((x: any) => x.name === 'selfCareCheckIns').total.suppressed, false, 'thirty check-ins: a count')
  t.notMatch(JSON.stringify(care), /wellbeing|workloadImpact/, 'no answers')
  const csv = await call(app, { url: '/v1/stats/program', as: HR, headers: { accept: 'text/csv' } })
  t.match(csv.raw.body, /^table,level,key,count,suppressed\r\nambassadorsByStatus,cell,active,12,false\r\n/)
})

t.test('survey statistics: means only over n ≥ threshold, answer counts suppressed within each month', async (t) => {
  const { app, db } = await build(t)
  // cell_key 0: exact figures (no perturbation), to check suppression and means as such.
  const row = (trust: number, judged: boolean, month: string) => sql`(${`${month}-01`}::date, ${trust}, ${judged}, 4, 'yes', 'no', false, 0)`
  const rows = [
    ...Array.from({ length: 12 }, (_, i) => row(i < 6 ? 5 : 3, i < 2, '2026-04')),
    ...Array.from({ length: 3 }, () => row(1, true, '2026-05')),
    ...Array.from({ length: 10 }, () => row(4, false, '2026-06')),
  ]
  await sql`INSERT INTO manager_survey_responses (period, trust_built, felt_judged, knowledge_experience, referrals_effective, follow_up_after_referral, needed_more_than_two_meetings, cell_key)
    VALUES ${sql.join(rows)}`.execute(db)
  const res = await call(app, { url: `/v1/stats/surveys?${RANGE}`, as: HR })
  t.equal(res.status, 200)
  const cell = (month: string, question: string, answer: string | null = null) => res.body.cells.find((c: any) => c.month === month && c.question === question && c.answer === answer)
  t.same(cell('2026-04', 'responses'), { month: '2026-04', question: 'responses', answer: null, count: 12, suppressed: false })
  t.equal(cell('2026-04', 'trustBuilt').mean, 4)
  t.same(cell('2026-05', 'responses').count, null, 'three responses: withheld')
  t.equal(cell('2026-05', 'trustBuilt').mean, null, 'and no mean over them')
  t.equal(cell('2026-06', 'responses').suppressed, true, 'complementary: 25 − 12 − 10 would reveal May')
  t.same([cell('2026-04', 'feltJudged', 'yes').suppressed, cell('2026-04', 'feltJudged', 'no').suppressed], [true, true], '2 of 12 felt judged: withheld, and so is the 10 that would reveal it')
  t.same(cell('2026-04', 'referralsEffective', 'yes').count, 12)
  t.same(cell('2026-04', 'referralsEffective', 'no').count, 0, 'zero is published')
  const total = Object.fromEntries(res.body.total.map((c: any) => [c.question, c]))
  t.same([total.responses.count, total.trustBuilt.mean], [25, Number(((6 * 5 + 6 * 3 + 3 + 40) / 25).toFixed(2))])
  t.equal((await call(app, { url: `/v1/stats/surveys?${RANGE}&survey=ambassador`, as: GOVERNANCE })).body.total[0].count, 0, 'no responses: zero is not small')
  const csv = await call(app, { url: `/v1/stats/surveys?${RANGE}`, as: NMNO, headers: { accept: 'text/csv' } })
  t.match(csv.raw.body, /^level,month,question,answer,count,suppressed,mean\r\ncell,2026-04,responses,,12,false,\r\n/)
})

// The suppression rule on exact counts (cell keys 0: no noise). With perturbation it runs on the
// perturbed counts, the same way (see the last test for what perturbation adds).
t.test('property: for random datasets and groupings, no published number gives away a count from 1 to threshold − 1', async (t) => {
  const { app, db } = await build(t, { env: { STATS_MIN_CELL: '5' } })
  const threshold = 5
  const DIMS = ['month', 'mode', 'language', 'stage', 'urgency', 'topic', 'referralCategory'] as const
  const single = new Set(['month', 'mode', 'language', 'stage', 'urgency'])
  const arbReport = fc.record({
    month: fc.constantFrom('2026-01', '2026-02'), mode: fc.constantFrom('video', 'phone', 'email'), language: fc.constantFrom('en', 'fr'),
    stage: fc.constantFrom('building_trust', 'ending'), urgency: fc.constantFrom('routine', 'urgent'),
    topics: fc.subarray(['crisis', 'team_impact', 'accommodation']), referralCategories: fc.subarray(['eap', 'learning']),
  })
  await fc.assert(fc.asyncProperty(
    fc.array(arbReport, { maxLength: 60 }), fc.subarray([...DIMS], { minLength: 1, maxLength: 2 }), fc.boolean(),
    async (reports, groupBy, rolled) => {
      await sql`TRUNCATE reports, report_rollup_queue, report_rollups`.execute(db)
      await insertReports(db, unperturbed(reports))
      if (rolled) await refreshRollups(db, 7)
      const res = await call(app, { url: `/v1/stats/engagements?from=2026-01&to=2026-02&groupBy=${groupBy.join(',')}`, as: HR })
      if (res.status !== 200) return false
      const { cells, total } = res.body
      const published = cells.filter((c: any) => !c.suppressed).map((c: any) => c.count as number)
      const numbers = [...published]
      const multi = groupBy.filter((d) => !single.has(d))
      const rest = (xs: number[]) => total.count - xs.reduce((a: number, b: number) => a + b, 0)
      if (!total.suppressed) numbers.push(total.count, ...(multi.length ? [] : [rest(published)]))
      // With a multi-valued dimension, cells sharing its value are disjoint: total − their sum
      // counts the reports without that value.
      if (!total.suppressed && multi.length) {
        const byValue = new Map<string, number[]>()
        for (const c of cells.filter((c: any) => !c.suppressed)) {
          const k = multi.map((d) => c[d]).join('|')
          byValue.set(k, [...(byValue.get(k) ?? []), c.count])
        }
        for (const xs of byValue.values()) for (const x of xs) numbers.push(rest(xs), rest([x]))
      }
      if (numbers.some((n) => n > 0 && n < threshold)) return false
      // A lone withheld cell beside a published total is that total minus the others when the cells
      // partition the total (single-valued groupings). With a multi-valued one they overlap, and a
      // lone withheld cell (hidden because the records *without* its value are few) stays unknown.
      if (!total.suppressed && !multi.length && cells.filter((c: any) => c.suppressed).length === 1) return false
      if (!total.suppressed && total.count !== reports.length) return false
      // Published cells are true counts (checked for single-valued groupings, computed in JS).
      if (groupBy.every((d) => single.has(d))) {
        const truth = new Map<string, number>()
        for (const r of reports) {
          const k = groupBy.map((d) => (r as any)[d]).join('|')
          truth.set(k, (truth.get(k) ?? 0) + 1)
        }
        for (const c of cells) if (!c.suppressed && truth.get(groupBy.map((d) => c[d]).join('|')) !== c.count) return false
        if (cells.length !== truth.size) return false
      }
      return true
    },
  ), { numRuns: usingServer ? 60 : 40 })
  t.pass('held for every generated case')
})

t.test('property (#11 finding 3): with random cell keys, counts are perturbed within ±2, deterministically, and no perturbed count below the threshold is published', async (t) => {
  const { app, db } = await build(t, { env: { STATS_MIN_CELL: '5' } })
  const threshold = 5
  const single = ['month', 'mode', 'language', 'stage', 'urgency'] as const
  const arbReport = fc.record({
    month: fc.constantFrom('2026-01', '2026-02'), mode: fc.constantFrom('video', 'phone', 'email'), language: fc.constantFrom('en', 'fr'),
    stage: fc.constantFrom('building_trust', 'ending'), urgency: fc.constantFrom('routine', 'urgent'),
  })
  await fc.assert(fc.asyncProperty(
    fc.array(arbReport, { maxLength: 80 }), fc.subarray([...single], { minLength: 1, maxLength: 2 }),
    async (reports, groupBy) => {
      await sql`TRUNCATE reports, report_rollup_queue, report_rollups`.execute(db)
      await insertReports(db, reports) // random keys, drawn by the database
      const url = `/v1/stats/engagements?from=2026-01&to=2026-02&groupBy=${groupBy.join(',')}`
      const answer = async () => (await call(app, { url, as: HR })).raw.body
      const first = await answer()
      if ((await answer()) !== first) return false // deterministic
      await refreshRollups(db, 7)
      if ((await answer()) !== first) return false // the same from the rollups
      const { cells, total } = JSON.parse(first)
      const truth = new Map<string, number>()
      for (const r of reports) {
        const k = groupBy.map((d) => (r as any)[d]).join('|')
        truth.set(k, (truth.get(k) ?? 0) + 1)
      }
      if (cells.length !== truth.size) return false
      for (const c of [...cells, total]) {
        if (c.suppressed) { if (c.count !== null) return false; continue }
        if (c.count !== 0 && c.count < threshold) return false // never a perturbed count below the threshold
      }
      for (const c of cells) {
        const n = truth.get(groupBy.map((d) => c[d]).join('|'))!
        if (!c.suppressed && Math.abs(c.count - n) > 2) return false // bounded
      }
      if (!total.suppressed && (Math.abs(total.count - reports.length) > 2 || (total.count === 0) !== (reports.length === 0))) return false
      return true
    },
  ), { numRuns: usingServer ? 40 : 25 })
  t.pass('held for every generated case')
})
