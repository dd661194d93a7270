// ENG-5…ENG-9: meetings and extensions, goals, referrals, tasks, closing with the survey token, transfer.
import { sql } from 'kysely'
import t from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call } from '../../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['video'], urgency: 'routine', topics: ['team_impact'], aboutMyEmployee: true }
const past = (days: number) => new Date(Date.now() - days * 86400_000).toISOString()
const future = (days: number) => new Date(Date.now() + days * 86400_000).toISOString()

t.test('the relationship', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'R001')
  const other = await activeAmbassador(app, 'R002')
  const m = as('RM01', 'manager')
  const created = await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST } })
  const eid = created.body.id
  const post = (path: string, who: any, body: any = {}) => call(app, { method: 'POST', url: `/v1/engagements/${eid}${path}`, as: who, body })
  const patch = (path: string, who: any, body: any) => call(app, { method: 'PATCH', url: `/v1/engagements/${eid}${path}`, as: who, body })
  const get = (path: string, who: any) => call(app, { url: `/v1/engagements/${eid}${path}`, as: who })

  t.test('nothing is scheduled before the Ambassador accepts', async (t) => {
    const res = await post('/meetings', m, { scheduledAt: future(1), durationMinutes: 45, mode: 'video' })
    t.same([res.status, res.body.code], [409, 'invalid-transition'])
    const closeEarly = await post('/close', m, { outcome: 'other' })
    t.same([closeEarly.status, closeEarly.body.code], [409, 'invalid-transition'])
    t.match(closeEarly.body.detail, /withdraw/)
    t.equal((await post('/accept', amb.me)).status, 200)
  })

  const meetings: string[] = []
  t.test('meetings: either side schedules; durations 15–120; the first held one makes it active (ENG-5)', async (t) => {
    for (const body of [{ scheduledAt: past(2), durationMinutes: 10, mode: 'video' }, { scheduledAt: past(2), durationMinutes: 121, mode: 'video' }, { scheduledAt: past(2), durationMinutes: 30, mode: 'fax' }, { scheduledAt: '2001-01-01T00:00:00Z', durationMinutes: 30, mode: 'phone' }, { scheduledAt: past(2), durationMinutes: 30, mode: 'phone', notes: 'x' }]) {
      t.equal((await post('/meetings', m, body)).status, 400, JSON.stringify(body))
    }
    const first = await post('/meetings', m, { scheduledAt: past(2), durationMinutes: 45, mode: 'video' })
    t.same([first.status, first.body.held], [201, false])
    const futureOne = await post('/meetings', m, { scheduledAt: future(3), durationMinutes: 30, mode: 'phone' })
    const early = await patch(`/meetings/${futureOne.body.id}`, m, { held: true })
    t.same([early.status, early.body.code], [422, 'rule-violated'], 'not held before it takes place')
    t.equal((await patch(`/meetings/${futureOne.body.id}`, amb.me, { cancelled: true })).body.cancelled, true)
    const second = await post('/meetings', amb.me, { scheduledAt: past(1), durationMinutes: 60, mode: 'phone' })
    t.equal(second.status, 201, 'a cancelled meeting leaves its place')
    meetings.push(first.body.id, second.body.id)
    for (const who of [other.me, as('RM99', 'manager')]) t.equal((await post('/meetings', who, { scheduledAt: past(1), durationMinutes: 30, mode: 'phone' })).status, 404)
    t.equal((await post('/meetings', NMNO, { scheduledAt: past(1), durationMinutes: 30, mode: 'phone' })).status, 403)
    const held = await patch(`/meetings/${first.body.id}`, amb.me, { held: true })
    t.same([held.status, held.body.held], [200, true])
    t.equal((await get('', m)).body.status, 'active')
    t.equal((await patch(`/meetings/${first.body.id}`, m, { durationMinutes: 30 })).body.code, 'invalid-transition', 'a held meeting is history')
    t.equal((await patch(`/meetings/${second.body.id}`, m, { held: true })).status, 200)
  })

  t.test('a third meeting needs the extension: the Ambassador proposes, the manager agrees (ENG-5)', async (t) => {
    const third = await post('/meetings', m, { scheduledAt: future(2), durationMinutes: 30, mode: 'phone' })
    t.same([third.status, third.body.code, third.body.held, third.body.allowed], [409, 'extension-required', 2, 2])
    const managerFirst = await post('/extend', m)
    t.same([managerFirst.status, managerFirst.body.code], [409, 'invalid-transition'])
    const proposed = await post('/extend', amb.me)
    t.same([proposed.body.extensionProposed, proposed.body.extensions], [true, 0])
    t.equal((await post('/meetings', amb.me, { scheduledAt: future(2), durationMinutes: 30, mode: 'phone' })).body.code, 'extension-required', 'a proposal alone is not enough')
    t.ok((await call(app, { url: '/v1/me/notifications', as: m })).body.items.some((n: any) => n.kind === 'extension_proposed'))
    const agreed = await post('/extend', m)
    t.same([agreed.body.extensionProposed, agreed.body.extensions], [false, 1])
    t.equal((await post('/meetings', amb.me, { scheduledAt: future(2), durationMinutes: 30, mode: 'phone' })).status, 201)
  })

  t.test('meetings are read by the two participants only', async (t) => {
    t.equal((await get('/meetings', m)).body.items.length, 4)
    t.equal((await get('/meetings', amb.me)).body.items.length, 4)
    for (const who of [other.me, as('RM99', 'manager')]) t.equal((await get('/meetings', who)).status, 404)
    for (const who of [NMNO, GOVERNANCE, HR, ISERVICE]) t.equal((await get('/meetings', who)).status, 403, 'no role but manager reaches meeting content')
  })

  let goalId = ''
  t.test('goals belong to the manager; the Ambassador proposes edits (ENG-6)', async (t) => {
    const byAmb = await post('/goals', amb.me, { title: 'Talk to my employee' })
    t.same([byAmb.status, byAmb.body.code], [403, 'forbidden'])
    const goal = await post('/goals', m, { title: 'Prepare the return-to-work conversation', benefitsToYou: 'Confidence', barriers: 'Time', progressMeasures: 'Meeting held by March' })
    t.same([goal.status, goal.body.status, goal.body.proposal], [201, 'open', null])
    goalId = goal.body.id
    t.equal((await post('/goals', m, { title: 'x', notes: 'private' })).status, 400, 'no notes field (CONF-4)')
    const proposal = await patch(`/goals/${goalId}`, amb.me, { progressMeasures: 'Conversation held and a plan agreed' })
    t.same([proposal.status, proposal.body.progressMeasures, proposal.body.proposal], [200, 'Meeting held by March', { progressMeasures: 'Conversation held and a plan agreed' }])
    t.equal((await patch(`/goals/${goalId}`, amb.me, { acceptProposal: true })).status, 403)
    const accepted = await patch(`/goals/${goalId}`, m, { acceptProposal: true, status: 'achieved' })
    t.same([accepted.body.progressMeasures, accepted.body.proposal, accepted.body.status], ['Conversation held and a plan agreed', null, 'achieved'])
    t.equal((await patch(`/goals/${goalId}`, m, { acceptProposal: true })).body.code, 'invalid-transition')
    t.equal((await get('/goals', amb.me)).body.items.length, 1)
    t.equal((await get('/goals', other.me)).status, 404)
    t.equal((await get('/goals', NMNO)).status, 403)
    t.equal((await patch(`/goals/${goalId}`, other.me, { title: 'hijack' })).status, 404)
  })

  t.test('referrals to the catalogue with a 14-day follow-up; overdue ones are tasks (ENG-7)', async (t) => {
    const resources = await sql<{ id: string; slug: string }>`SELECT id, slug FROM resources ORDER BY slug`.execute(db)
    const eap = resources.rows.find((r) => r.slug === 'eap')!
    t.equal((await post('/referrals', m, { resourceId: eap.id, forWhom: 'employee_situation' })).status, 403, 'the manager reads, the Ambassador refers')
    const unknown = await post('/referrals', amb.me, { resourceId: '00000000-0000-4000-8000-000000000000', forWhom: 'employee_situation' })
    t.same([unknown.status, unknown.body.code], [422, 'rule-violated'])
    const r = await post('/referrals', amb.me, { resourceId: eap.id, forWhom: 'employee_situation' })
    t.equal(r.status, 201)
    const days = (Date.parse(r.body.followUpDueAt) - Date.now()) / 86400_000
    t.ok(days > 13.9 && days < 14.1, 'follow-up due in 14 days by default')
    const self = await post('/referrals', amb.me, { resourceId: eap.id, forWhom: 'manager_self_care', followUpDueAt: future(3) })
    t.equal((await get('/referrals', m)).body.items.length, 2)
    t.equal((await get('/referrals', NMNO)).status, 403)
    t.equal((await get('/referrals', other.me)).status, 404)
    await sql`UPDATE referrals SET follow_up_due_at = now() - interval '1 day' WHERE id = ${self.body.id}`.execute(db)
    const tasks = (await call(app, { url: '/v1/me/tasks', as: amb.me })).body.items
    t.same(tasks.map((x: any) => [x.kind, x.subjectId]), [['follow_up_referral', self.body.id]])
    const office = await call(app, { url: '/v1/engagements?followUpOverdue=true', as: NMNO })
    t.same(office.body.items.map((i: any) => [i.id, i.followUpOverdue, i.meetingsHeld, i.referralCount]), [[eid, true, 2, 2]], 'nmno filters overdue follow-ups, de-identified')
    t.same((await call(app, { url: '/v1/engagements?transferRequired=true', as: NMNO })).body.items, [])
    const done = await patch(`/referrals/${self.body.id}`, amb.me, { followedUpAt: new Date().toISOString(), helpful: true })
    t.same([done.status, done.body.helpful], [200, true])
    t.same((await call(app, { url: '/v1/me/tasks', as: amb.me })).body.items, [])
    t.equal((await patch(`/referrals/${self.body.id}`, m, { helpful: false })).status, 403)
    t.equal((await patch(`/referrals/${self.body.id}`, amb.me, { followedUpAt: future(30) })).status, 400, 'no follow-up in the future')
  })

  t.test('urgent requests surface first in the Ambassador’s tasks (CRS-1)', async (t) => {
    await call(app, { method: 'POST', url: '/v1/engagements', as: as('RM02', 'manager'), body: { ambassadorId: amb.id, ...REQUEST } })
    const urgent = await call(app, { method: 'POST', url: '/v1/engagements', as: as('RM03', 'manager'), body: { ambassadorId: amb.id, ...REQUEST, urgency: 'urgent' } })
    const tasks = (await call(app, { url: '/v1/me/tasks', as: amb.me })).body.items
    t.same(tasks.map((x: any) => [x.kind, x.urgent]), [['answer_request', true], ['answer_request', false]])
    t.equal(tasks[0].subjectId, urgent.body.id)
  })

  t.test('closing issues a single survey token to the manager only and frees the slot (ENG-8)', async (t) => {
    const before = (await call(app, { url: `/v1/ambassadors/${amb.id}`, as: NMNO })).body.openEngagements
    t.equal((await post('/close', m, { outcome: 'great' })).status, 400)
    t.equal((await post('/close', other.me, { outcome: 'goals_met' })).status, 404)
    const closed = await post('/close', amb.me, { outcome: 'goals_met' })
    t.same([closed.status, closed.body.status, closed.body.outcome], [200, 'closed', 'goals_met'])
    t.notOk('surveyToken' in closed.body, 'the Ambassador never sees the token')
    const mine = await get('', m)
    t.match(mine.body.surveyToken, /^[A-Za-z0-9_-]{32}$/)
    t.notOk('surveyToken' in (await get('', NMNO)).body)
    t.equal((await call(app, { url: `/v1/ambassadors/${amb.id}`, as: NMNO })).body.openEngagements, before - 1)
    t.equal((await post('/close', m, { outcome: 'goals_met' })).body.code, 'invalid-transition')
    await sql`UPDATE engagements SET survey_token_expires_at = now() - interval '1 second' WHERE id = ${eid}`.execute(db)
    t.equal((await get('', m)).body.surveyToken, null, 'hidden once expired')
  })

  t.test('transfer: the Ambassador asks, the manager picks again with every check; goals follow only with consent (ENG-9)', async (t) => {
    const m2 = as('RM10', 'manager')
    const e2 = (await call(app, { method: 'POST', url: '/v1/engagements', as: m2, body: { ambassadorId: amb.id, ...REQUEST } })).body.id
    await call(app, { method: 'POST', url: `/v1/engagements/${e2}/accept`, as: amb.me, body: {} })
    await call(app, { method: 'POST', url: `/v1/engagements/${e2}/goals`, as: m2, body: { title: 'Plan accommodation' } })
    const tr = (who: any, body: any) => call(app, { method: 'POST', url: `/v1/engagements/${e2}/transfer`, as: who, body })
    t.equal((await tr(m2, { ambassadorId: other.id })).body.code, 'invalid-transition', 'only once a transfer is required')
    t.equal((await tr(other.me, {})).status, 404)
    const asked = await tr(amb.me, {})
    // CONF-5 (#11): once the Ambassador asks for a transfer the engagement is no longer theirs; the
    // answer is the de-identified view, and the reason stays in the row for the manager's view.
    t.same([asked.status, asked.body.view, asked.body.status, asked.body.managerRef], [200, 'deidentified', 'transfer_required', undefined])
    t.ok((await call(app, { url: '/v1/me/notifications', as: m2 })).body.items.some((n: any) => n.kind === 'transfer_required'))
    t.equal((await tr(m2, { ambassadorId: amb.id })).body.code, 'duplicate-engagement', 'not back to the same Ambassador')
    t.equal((await tr(m2, { ambassadorId: '00000000-0000-4000-8000-000000000000' })).body.code, 'ambassador-unavailable')
    const moved = await tr(m2, { ambassadorId: other.id })
    t.same([moved.status, moved.body.status, moved.body.transferredFrom, moved.body.ambassador.id], [201, 'requested', e2, other.id])
    t.equal((await call(app, { url: `/v1/engagements/${e2}`, as: m2 })).body.status, 'transferred')
    t.equal((await call(app, { url: `/v1/engagements/${moved.body.id}/goals`, as: m2 })).body.items.length, 0, 'without consent the new engagement starts empty')
    t.equal((await call(app, { url: `/v1/engagements/${e2}`, as: amb.me })).status, 404, 'CONF-5 (#11): the former Ambassador no longer sees it')
  })

  t.test('with the manager’s consent goals and referrals carry over', async (t) => {
    const m3 = as('RM11', 'manager')
    const e3 = (await call(app, { method: 'POST', url: '/v1/engagements', as: m3, body: { ambassadorId: amb.id, ...REQUEST } })).body.id
    await call(app, { method: 'POST', url: `/v1/engagements/${e3}/accept`, as: amb.me, body: {} })
    await call(app, { method: 'POST', url: `/v1/engagements/${e3}/goals`, as: m3, body: { title: 'Keep my team informed' } })
    await call(app, { method: 'POST', url: `/v1/engagements/${e3}/transfer`, as: amb.me, body: {} })
    const moved = await call(app, { method: 'POST', url: `/v1/engagements/${e3}/transfer`, as: m3, body: { ambassadorId: other.id, carryOverGoalsAndReferrals: true } })
    t.equal(moved.status, 201)
    t.same((await call(app, { url: `/v1/engagements/${moved.body.id}/goals`, as: m3 })).body.items.map((g: any) => g.title), ['Keep my team informed'])
  })
})
