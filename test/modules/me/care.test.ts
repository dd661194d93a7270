// #14 items 4 and 5: goal reviews in both participants' tasks; care for the Ambassadors —
// self-care check-ins, workload, professional development, renewal.
import { sql } from 'kysely'
import t from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call } from '../../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['phone'], urgency: 'routine', topics: ['team_impact'], aboutMyEmployee: true }
const today = () => new Date().toISOString().slice(0, 10)
const tasksOf = async (app: any, who: any) => (await call(app, { url: '/v1/me/tasks', as: who })).body.items as any[]

t.test('goal reviews are both participants’ tasks (Annex G)', async (t) => {
  const { app } = await build(t)
  const amb = await activeAmbassador(app, 'GR01')
  const m = as('GRM1', 'manager')
  const e = (await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST } })).body.id
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${e}/accept`, as: amb.me, body: {} })).status, 200)
  const goal = await call(app, { method: 'POST', url: `/v1/engagements/${e}/goals`, as: m, body: { title: 'Plan the return to work', reviewOn: '2099-01-01' } })
  t.same([goal.status, goal.body.reviewOn], [201, '2099-01-01'])
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${e}/goals`, as: m, body: { title: 'x', reviewOn: '2026-02-30' } })).status, 400)
  t.equal((await tasksOf(app, m)).filter((x) => x.kind === 'goal_review').length, 0, 'not due yet')
  const due = await call(app, { method: 'PATCH', url: `/v1/engagements/${e}/goals/${goal.body.id}`, as: m, body: { reviewOn: today() } })
  t.same([due.status, due.body.reviewOn], [200, today()])
  for (const who of [m, amb.me]) {
    const review = (await tasksOf(app, who)).filter((x) => x.kind === 'goal_review')
    t.same(review.map((x) => [x.subjectId, x.data.engagementId]), [[goal.body.id, e]], who.sub)
  }
  for (const who of [as('GRM9', 'manager'), NMNO, GOVERNANCE]) t.equal((await tasksOf(app, who)).filter((x) => x.kind === 'goal_review').length, 0, `${who.sub}: not theirs`)
  // The Ambassador proposes another date; it is the manager's to accept.
  const proposed = await call(app, { method: 'PATCH', url: `/v1/engagements/${e}/goals/${goal.body.id}`, as: amb.me, body: { reviewOn: '2099-06-01' } })
  t.same([proposed.status, proposed.body.reviewOn, proposed.body.proposal.reviewOn], [200, today(), '2099-06-01'])
  t.equal((await call(app, { method: 'PATCH', url: `/v1/engagements/${e}/goals/${goal.body.id}`, as: m, body: { status: 'achieved' } })).status, 200)
  t.equal((await tasksOf(app, m)).filter((x) => x.kind === 'goal_review').length, 0, 'an achieved goal is not reviewed')
})

t.test('self-care check-ins: private to the Ambassador; the office learns only who asked to be contacted', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'SC01')
  t.equal((await call(app, { method: 'PATCH', url: `/v1/ambassadors/${amb.id}`, as: NMNO, body: { designatedContactRef: 'N905' } })).status, 200)
  const url = '/v1/me/self-care-check-ins'
  const post = (who: any, body: any) => call(app, { method: 'POST', url, as: who, body })
  const ok = { wellbeing: 2, workloadImpact: 'significant', wantsContact: true }
  t.equal((await post(as('SCM1', 'manager'), ok)).status, 404, 'a manager who is not an Ambassador')
  for (const who of [NMNO, GOVERNANCE, HR, ISERVICE]) t.equal((await post(who, ok)).status, 403, who.sub)
  for (const body of [{ ...ok, wellbeing: 6 }, { ...ok, wellbeing: 0 }, { ...ok, workloadImpact: 'lots' }, { ...ok, notes: 'tired' }, { wellbeing: 3 }]) {
    t.equal((await post(amb.me, body)).status, 400, JSON.stringify(body))
  }
  t.equal((await sql<{ n: number }>`SELECT count(*)::int AS n FROM self_care_check_ins`.execute(db)).rows[0].n, 0, 'nothing recorded on refusal')
  const quiet = await post(amb.me, { wellbeing: 4, workloadImpact: 'none', wantsContact: false })
  t.same([quiet.status, quiet.body.wellbeing, quiet.body.wantsContact], [201, 4, false])
  t.equal((await call(app, { url: '/v1/notifications?kind=self_care_contact', as: NMNO })).body.items.length, 0, 'no contact asked: the office learns nothing')
  const asked = await post(amb.me, ok)
  t.equal(asked.status, 201)
  const own = await call(app, { url, as: amb.me })
  t.same([own.status, own.body.items.length, own.headers['cache-control']], [200, 2, 'no-store'])
  for (const who of [as('SCM1', 'manager'), NMNO, GOVERNANCE, HR]) t.not((await call(app, { url, as: who })).status, 200, `${who.sub} cannot read them`)
  const inbox = (await call(app, { url: '/v1/notifications?kind=self_care_contact', as: NMNO })).body.items
  t.equal(inbox.length, 1)
  t.same([inbox[0].designatedContactRef, inbox[0].data], ['N905', { ambassadorId: amb.id }], 'who asked, naming the designated contact; nothing of the answers')
  const office = (await tasksOf(app, NMNO)).filter((x) => x.kind === 'self_care_contact')
  t.same(office.map((x) => [x.subjectId, x.data.designatedContactRef]), [[amb.id, 'N905']])
  t.notMatch(JSON.stringify(office), /wellbeing|significant/)
  t.equal((await call(app, { method: 'POST', url: `/v1/notifications/${inbox[0].id}/resolve`, as: NMNO })).status, 200)
  t.equal((await tasksOf(app, NMNO)).filter((x) => x.kind === 'self_care_contact').length, 0, 'contacted: the task is done')
})

t.test('workload, professional development and renewal tasks (#14 item 5)', async (t) => {
  const { app, db } = await build(t, { env: { AMBASSADOR_HOURS_PER_MONTH: '2' } })
  const amb = await activeAmbassador(app, 'WL01')
  const other = await activeAmbassador(app, 'WL02')
  const kinds = async (who: any) => (await tasksOf(app, who)).map((x) => x.kind)
  t.same((await kinds(amb.me)).filter((k) => ['workload_review', 'professional_development', 'renewal'].includes(k)), [], 'a new Ambassador has none')
  t.notOk((await kinds(NMNO)).some((k) => ['workload_reviews', 'professional_development', 'renewal'].includes(k)))
  const report = (ambassadorId: string, minutes: number, occurredOn: string) => sql`INSERT INTO reports (ambassador_id, occurred_on, mode, duration_minutes, meeting_number, stage, topics, referral_categories, urgency, language)
    VALUES (${ambassadorId}, ${occurredOn}::date, 'phone', ${minutes}, 1, 'building_trust', '{team_impact}', '{}', 'routine', 'en')`.execute(db)
  await report(amb.id, 60, today())
  await report(amb.id, 60, today())
  await report(amb.id, 120, '2025-01-15')
  t.notOk((await kinds(amb.me)).includes('workload_review'), '2 hours this month is not over 2')
  await report(amb.id, 15, today())
  const workload = (await tasksOf(app, amb.me)).find((x) => x.kind === 'workload_review')
  t.same([workload?.data.minutesThisMonth, workload?.data.limitMinutes], [135, 120])
  t.notOk((await kinds(other.me)).includes('workload_review'), 'not another Ambassador’s')
  const count = (await tasksOf(app, NMNO)).find((x) => x.kind === 'workload_reviews')
  t.same([count?.subjectId, count?.data], [null, { ambassadorsOverMonthlyHours: 1 }], 'nmno: a count, nobody named')

  await sql`UPDATE ambassadors SET term_start = now() - interval '13 months', term_end = now() + interval '30 days' WHERE id = ${amb.id}`.execute(db)
  t.ok((await kinds(amb.me)).includes('professional_development'), 'a year without a session')
  t.ok((await kinds(amb.me)).includes('renewal'), 'the term ends within 60 days')
  const office = await tasksOf(app, NMNO)
  t.same(office.filter((x) => x.kind === 'professional_development').map((x) => x.subjectId), [amb.id])
  t.same(office.filter((x) => x.kind === 'renewal').map((x) => x.subjectId), [amb.id])
  t.equal((await call(app, { method: 'POST', url: `/v1/ambassadors/${amb.id}/training-records`, as: NMNO, body: { kind: 'pd_session', on: today(), attended: true } })).status, 201)
  t.notOk((await kinds(amb.me)).includes('professional_development'), 'attended: done')
  t.equal((await call(app, { method: 'POST', url: `/v1/ambassadors/${amb.id}/renewals`, as: NMNO, body: { ambassadorAgreed: true } })).status, 200)
  t.notOk((await kinds(amb.me)).includes('renewal'), 'renewed: done')
  t.notOk((await tasksOf(app, NMNO)).some((x) => x.kind === 'renewal'))
})
