// #14 items 3 and 4: urgent requests answered in time (URGENT_RESPONSE_HOURS, a reminder at half),
// the manager told at closing and reminded of the survey after 7 days — system jobs, audited.
import { sql } from 'kysely'
import t from 'tap'
import { remindSurveys, remindUrgentRequests } from '../../src/jobs/reminders.ts'
import { NMNO, activeAmbassador, as, build, call } from '../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['phone'], topics: ['crisis'], aboutMyEmployee: true }
const NA = 'not_applicable'
const past = new Date(Date.now() - 3600_000).toISOString()

t.test('an urgent request gets an answer in time', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'UR01')
  const m = as('URM1', 'manager')
  const m2 = as('URM2', 'manager')
  const urgent = (await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST, urgency: 'urgent' } })).body.id
  const routine = (await call(app, { method: 'POST', url: '/v1/engagements', as: m2, body: { ambassadorId: amb.id, ...REQUEST, urgency: 'routine' } })).body.id
  const age = (id: string, hours: number) => sql`UPDATE engagements SET requested_at = now() - make_interval(hours => ${hours}) WHERE id = ${id}`.execute(db)
  const kinds = async (who: any) => (await call(app, { url: '/v1/me/notifications', as: who })).body.items.map((n: any) => n.kind) as string[]
  const office = async () => (await call(app, { url: '/v1/notifications?kind=urgent_request_unanswered', as: NMNO })).body.items as any[]
  const systemEvents = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_events WHERE actor_ref = 'system:urgent-requests'`.execute(db)).rows[0].n

  t.same(await remindUrgentRequests(db, 24), { reminded: 0, unanswered: 0 }, 'nothing due')
  t.equal(await systemEvents(), 0, 'an idle run leaves no event')
  await age(urgent, 11)
  await age(routine, 30)
  t.same(await remindUrgentRequests(db, 24), { reminded: 0, unanswered: 0 }, 'under half the deadline')
  await age(urgent, 13)
  t.same(await remindUrgentRequests(db, 24), { reminded: 1, unanswered: 0 }, 'half the deadline: the Ambassador is reminded')
  t.equal((await kinds(amb.me)).filter((k) => k === 'urgent_request_reminder').length, 1)
  t.same(await remindUrgentRequests(db, 24), { reminded: 0, unanswered: 0 }, 'once')
  t.equal(await systemEvents(), 1, 'audited in the job’s name')

  await age(urgent, 25)
  t.same(await remindUrgentRequests(db, 24), { reminded: 0, unanswered: 1 })
  const told = await office()
  t.same(told.map((n: any) => [n.subjectId, n.designatedContactRef]), [[urgent, null]])
  t.same(Object.keys(told[0].data).sort(), ['hoursWithoutAnswer', 'requestedOn'])
  t.notMatch(JSON.stringify(told), new RegExp(`URM1|${amb.id}`), 'de-identified: no manager, no Ambassador')
  const managerNote = (await call(app, { url: '/v1/me/notifications', as: m })).body.items.find((n: any) => n.kind === 'urgent_request_unanswered')
  t.same([managerNote?.subjectId, managerNote?.data.mayChooseAnother], [urgent, true], 'the manager may choose another Ambassador')
  t.notOk((await kinds(m2)).includes('urgent_request_unanswered'), 'a routine request keeps its 5-day expiry only')
  t.same(await remindUrgentRequests(db, 24), { reminded: 0, unanswered: 0 }, 'told once')
  t.equal((await call(app, { url: `/v1/engagements/${urgent}`, as: m })).body.status, 'requested', 'the request stays open')
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${urgent}/accept`, as: amb.me, body: {} })).status, 200, 'and can still be answered')

  // URGENT_RESPONSE_HOURS is configuration: a shorter deadline is honoured.
  const m3 = as('URM3', 'manager')
  const other = await activeAmbassador(app, 'UR02')
  const quick = (await call(app, { method: 'POST', url: '/v1/engagements', as: m3, body: { ambassadorId: other.id, ...REQUEST, urgency: 'urgent' } })).body.id
  await age(quick, 3)
  t.same(await remindUrgentRequests(db, 2), { reminded: 1, unanswered: 1 })
})

t.test('closing tells the manager; the survey reminder comes after 7 days, once, only while the token is unspent', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'SR01', { capacity: 5 })
  const open = async (sub: string) => {
    const m = as(sub, 'manager')
    const id = (await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST, urgency: 'routine' } })).body.id
    await call(app, { method: 'POST', url: `/v1/engagements/${id}/accept`, as: amb.me, body: {} })
    const meeting = (await call(app, { method: 'POST', url: `/v1/engagements/${id}/meetings`, as: m, body: { scheduledAt: past, durationMinutes: 30, mode: 'phone' } })).body.id
    t.equal((await call(app, { method: 'PATCH', url: `/v1/engagements/${id}/meetings/${meeting}`, as: m, body: { held: true } })).status, 200)
    return { m, id }
  }
  const a = await open('SRM1')
  const b = await open('SRM2')
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${a.id}/close`, as: amb.me, body: { outcome: 'other' } })).status, 200, 'the Ambassador closes')
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${b.id}/close`, as: b.m, body: { outcome: 'other' } })).status, 200, 'the manager closes')
  for (const { m, id } of [a, b]) {
    const note = (await call(app, { url: '/v1/me/notifications', as: m })).body.items.find((n: any) => n.kind === 'engagement_closed')
    t.same([note?.subjectId, note?.data.surveyInvitation], [id, true], `${m.sub} is told and invited`)
    t.notMatch(JSON.stringify(note), /surveyToken/, 'the token is on the manager’s view of the engagement, not in the inbox')
  }
  t.notOk((await call(app, { url: '/v1/me/notifications', as: amb.me })).body.items.some((n: any) => n.kind === 'engagement_closed'), 'the Ambassador is not the one invited')

  t.equal(await remindSurveys(db), 0, 'not before 7 days')
  await sql`UPDATE engagements SET closed_at = now() - interval '8 days' WHERE id IN (${a.id}, ${b.id})`.execute(db)
  // b's manager answers the survey: the token is spent.
  const token = (await call(app, { url: `/v1/engagements/${b.id}`, as: b.m })).body.surveyToken
  const answers = { trustBuilt: 4, feltJudged: false, knowledgeExperience: 4, referralsEffective: NA, followUpAfterReferral: NA, neededMoreThanTwoMeetings: false }
  const spent = await call(app, { method: 'POST', url: '/v1/surveys/manager-responses', as: b.m, body: { token, answers } })
  t.ok(spent.status < 300, `survey answered (${spent.status})`)
  t.equal(await remindSurveys(db), 1, 'only the unspent token is reminded')
  const reminders = async (m: any) => (await call(app, { url: '/v1/me/notifications', as: m })).body.items.filter((n: any) => n.kind === 'survey_reminder')
  t.equal((await reminders(a.m)).length, 1)
  t.equal((await reminders(b.m)).length, 0, 'nothing after it is spent')
  t.equal(await remindSurveys(db), 0, 'once')
  const events = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_events WHERE actor_ref = 'system:survey-reminders'`.execute(db)
  t.equal(events.rows[0].n, 1, 'audited once, in the job’s name')
  // An expired token is not reminded.
  const c = await open('SRM3')
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${c.id}/close`, as: c.m, body: { outcome: 'other' } })).status, 200)
  await sql`UPDATE engagements SET closed_at = now() - interval '61 days', survey_token_expires_at = now() - interval '1 day' WHERE id = ${c.id}`.execute(db)
  t.equal(await remindSurveys(db), 0, 'nothing after it expired')
})
