// #15 item 1: reviews (meetings, REV-1's text rule on minutes), recommendations (open → accepted →
// implemented | rejected, publication to the Ambassadors with acknowledgement tasks, who has not
// acknowledged), the decisions log, the pilot's milestones (overdue ones in governance's tasks).
import t from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call } from '../../helper.ts'

const REVIEW = { title: 'First-year review of the Ambassador role', scope: 'ambassador_role', period: { from: '2026-01-01', to: '2026-06-30' } }
const MEETING = { heldOn: '2026-07-02', attendees: [{ role: 'governance', count: 2 }, { role: 'nmno', count: 1 }], minutes: 'Reviewed the first six months of the pilot.' }

t.test('a review: created by governance, meetings with minutes, concluded into the decisions log', async (t) => {
  const { app, db } = await build(t)
  const created = await call(app, { method: 'POST', url: '/v1/governance/reviews', as: GOVERNANCE, body: REVIEW })
  t.equal(created.status, 201)
  t.match(created.body, { title: REVIEW.title, scope: 'ambassador_role', status: 'open', period: REVIEW.period, meetings: [] })
  t.equal(created.headers.etag, `"w${created.body.version}"`)
  const id = created.body.id

  const m = await call(app, { method: 'POST', url: `/v1/governance/reviews/${id}/meetings`, as: GOVERNANCE, body: MEETING })
  t.equal(m.status, 201)
  t.same(m.body.meetings[0].attendees, MEETING.attendees)

  // REV-1's rule: minutes naming a known employee are refused, in French too, and nothing is stored.
  await activeAmbassador(app, 'EMP12345')
  const named = await call(app, { method: 'POST', url: `/v1/governance/reviews/${id}/meetings`, as: GOVERNANCE, headers: { 'accept-language': 'fr' }, body: { ...MEETING, minutes: 'Discussed emp12345 at length.' } })
  t.equal(named.status, 422)
  t.equal(named.body.code, 'identifying-text')
  t.match(named.body.detail, /nomme un employé/)
  t.equal((await call(app, { url: `/v1/governance/reviews/${id}`, as: NMNO })).body.meetings.length, 1, 'nothing stored on refusal')

  // Refusals: nmno, HR, iservice, a manager may not write; an unknown review is 404.
  for (const who of [NMNO, HR, ISERVICE, as('M1', 'manager')]) {
    t.equal((await call(app, { method: 'POST', url: '/v1/governance/reviews', as: who, body: REVIEW })).status, 403)
    t.equal((await call(app, { method: 'POST', url: `/v1/governance/reviews/${id}/meetings`, as: who, body: MEETING })).status, 403)
  }
  t.equal((await call(app, { method: 'POST', url: '/v1/governance/reviews/00000000-0000-4000-8000-000000000000/meetings', as: GOVERNANCE, body: MEETING })).status, 404)
  t.equal((await call(app, { method: 'POST', url: '/v1/governance/reviews', as: GOVERNANCE, body: { ...REVIEW, period: { from: '2026-07-01', to: '2026-01-01' } } })).status, 422)

  // Conclude with If-Match: a stale tag is a 412.
  const stale = await call(app, { method: 'POST', url: `/v1/governance/reviews/${id}/conclusion`, as: GOVERNANCE, headers: { 'if-match': '"w999"' }, body: { outcome: 'x' } })
  t.equal(stale.status, 412)
  const cur = await call(app, { url: `/v1/governance/reviews/${id}`, as: GOVERNANCE })
  const done = await call(app, { method: 'POST', url: `/v1/governance/reviews/${id}/conclusion`, as: GOVERNANCE, headers: { 'if-match': cur.headers.etag as string }, body: { outcome: 'The role is confirmed; orientation to be extended.' } })
  t.equal(done.status, 200)
  t.equal(done.body.status, 'concluded')
  t.equal((await call(app, { method: 'POST', url: `/v1/governance/reviews/${id}/conclusion`, as: GOVERNANCE, body: { outcome: 'again' } })).body.code, 'invalid-transition')
  t.equal((await call(app, { method: 'POST', url: `/v1/governance/reviews/${id}/meetings`, as: GOVERNANCE, body: MEETING })).status, 409, 'no meeting after conclusion')

  const log = await call(app, { url: '/v1/governance/decisions', as: NMNO })
  t.equal(log.status, 200)
  t.ok(log.body.items.some((d: any) => d.kind === 'review_outcome' && d.subjectId === id && d.detail.startsWith('The role is confirmed')))
  t.ok(log.body.items.some((d: any) => d.kind === 'guidelines_version' && d.decision === 'published'), 'Guidelines versions are in the log')
  t.equal((await call(app, { url: '/v1/governance/decisions', as: HR })).status, 403, 'HR does not read the log')
  t.equal((await call(app, { url: '/v1/governance/reviews', as: HR })).status, 403)

  const events = await db.selectFrom('auditEvents').select(['action', 'outcome']).where('action', 'like', 'governance-review.%').execute()
  t.ok(events.some((e) => e.action === 'governance-review.add-meeting' && e.outcome === 'denied'), 'the refused meeting is audited')
})

t.test('recommendations: decided by governance, published to Ambassadors, acknowledged; nmno reports progress', async (t) => {
  const { app } = await build(t)
  const a1 = await activeAmbassador(app, 'RA01')
  const a2 = await activeAmbassador(app, 'RA02')
  const rec = await call(app, { method: 'POST', url: '/v1/governance/recommendations', as: GOVERNANCE, body: { title: 'Attend two network calls a quarter', body: 'Every Ambassador attends at least two network calls per quarter.', audience: 'ambassadors', dueOn: '2026-03-31' } })
  t.equal(rec.status, 201)
  t.match(rec.body, { status: 'open', audience: 'ambassadors', acknowledgements: null, progress: [] })
  const id = rec.body.id
  const url = `/v1/governance/recommendations/${id}`

  // Not yet published: Ambassadors have no task, cannot acknowledge it (404).
  t.notOk((await call(app, { url: '/v1/me/tasks', as: a1.me })).body.items?.some?.((x: any) => x.kind === 'acknowledge_recommendation'))
  t.equal((await call(app, { method: 'POST', url: `${url}/acknowledgement`, as: a1.me, body: {} })).status, 404)

  // nmno cannot decide; governance cannot report progress; progress only once accepted.
  t.equal((await call(app, { method: 'POST', url: `${url}/transitions`, as: NMNO, body: { to: 'accepted' } })).status, 403)
  t.equal((await call(app, { method: 'POST', url: `${url}/progress`, as: NMNO, body: { note: 'Started.' } })).body.code, 'invalid-transition')
  t.equal((await call(app, { method: 'POST', url: `${url}/transitions`, as: GOVERNANCE, body: { to: 'implemented' } })).body.code, 'invalid-transition')
  t.equal((await call(app, { method: 'POST', url: `${url}/transitions`, as: GOVERNANCE, body: { to: 'accepted', reason: 'no' } })).body.code, 'rule-violated')

  const accepted = await call(app, { method: 'POST', url: `${url}/transitions`, as: GOVERNANCE, body: { to: 'accepted' } })
  t.equal(accepted.status, 200)
  t.same(accepted.body.acknowledgements, { acknowledged: 0, pending: 2 })

  // Published: inbox and task for every active Ambassador.
  const inbox = await call(app, { url: '/v1/me/notifications', as: a2.me })
  t.ok(inbox.body.items.some((n: any) => n.kind === 'governance_recommendation' && n.subjectId === id))
  const tasks = await call(app, { url: '/v1/me/tasks', as: a1.me })
  const taskList = Array.isArray(tasks.body) ? tasks.body : tasks.body.items
  t.ok(taskList.some((x: any) => x.kind === 'acknowledge_recommendation' && x.subjectId === id))

  const ack = await call(app, { method: 'POST', url: `${url}/acknowledgement`, as: a1.me, body: {} })
  t.equal(ack.status, 200)
  t.equal(ack.body.ambassadorId, a1.id)
  t.equal((await call(app, { method: 'POST', url: `${url}/acknowledgement`, as: a1.me, body: {} })).status, 200, 'again: the same answer')
  t.equal((await call(app, { method: 'POST', url: `${url}/acknowledgement`, as: as('NOTAMB', 'manager'), body: {} })).status, 404, 'a manager who is not an Ambassador')
  const tasksAfter = await call(app, { url: '/v1/me/tasks', as: a1.me })
  t.notOk((Array.isArray(tasksAfter.body) ? tasksAfter.body : tasksAfter.body.items).some((x: any) => x.subjectId === id), 'task gone once acknowledged')

  // nmno sees who has not acknowledged; governance does not list names (nmno's tool).
  const pending = await call(app, { url: `${url}/pending-acknowledgements`, as: NMNO })
  t.same(pending.body.items.map((p: any) => p.ambassadorId), [a2.id])
  t.equal((await call(app, { url: `${url}/pending-acknowledgements`, as: HR })).status, 403)
  t.same((await call(app, { url, as: GOVERNANCE })).body.acknowledgements, { acknowledged: 1, pending: 1 })

  const published = await call(app, { url: '/v1/governance/recommendations/published', as: a2.me })
  t.equal(published.body.items[0].id, id)
  t.equal(published.body.items[0].acknowledgedAt, null)
  t.equal((await call(app, { url: '/v1/governance/recommendations/published', as: as('NOTAMB', 'manager') })).status, 404)

  // Progress by nmno (text rule applies), then implemented by governance.
  const progress = await call(app, { method: 'POST', url: `${url}/progress`, as: NMNO, body: { note: 'Calendar of calls sent.' } })
  t.equal(progress.status, 201)
  t.equal(progress.body.progress[0].note, 'Calendar of calls sent.')
  t.equal((await call(app, { method: 'POST', url: `${url}/progress`, as: NMNO, body: { note: 'Asked RA02 about it.' } })).body.code, 'identifying-text')
  t.equal((await call(app, { method: 'POST', url: `${url}/progress`, as: GOVERNANCE, body: { note: 'x' } })).status, 403)
  t.equal((await call(app, { method: 'POST', url: `${url}/transitions`, as: GOVERNANCE, body: { to: 'implemented' } })).body.status, 'implemented')

  // Another one, rejected with a reason.
  const r2 = (await call(app, { method: 'POST', url: '/v1/governance/recommendations', as: GOVERNANCE, body: { title: 'Regional leads', body: 'Name regional leads.', audience: 'nmno' } })).body.id
  t.equal((await call(app, { method: 'POST', url: `/v1/governance/recommendations/${r2}/transitions`, as: GOVERNANCE, body: { to: 'rejected' } })).body.code, 'rule-violated', 'a rejection needs a reason')
  const rejected = await call(app, { method: 'POST', url: `/v1/governance/recommendations/${r2}/transitions`, as: GOVERNANCE, headers: { 'accept-language': 'fr' }, body: { to: 'rejected', reason: 'Ambassadors have no territory (FAQ Q8).' } })
  t.equal(rejected.body.status, 'rejected')
  t.equal(rejected.body.acknowledgements, null)

  const log = (await call(app, { url: '/v1/governance/decisions?kind=recommendation', as: GOVERNANCE })).body.items
  t.same(log.map((d: any) => [d.subjectId, d.decision]), [[id, 'accepted'], [id, 'implemented'], [r2, 'rejected']], 'in order')
  t.equal(log[2].detail, 'Ambassadors have no territory (FAQ Q8).')
})

t.test('revocation decisions enter the log with the case id and decision only', async (t) => {
  const { app } = await build(t)
  const a = await activeAmbassador(app, 'RV01')
  const c = (await call(app, { method: 'POST', url: '/v1/revocation-cases', as: NMNO, body: { ambassadorId: a.id, grounds: ['absenteeism'], summary: 'Missed three network calls.' } })).body.id
  await call(app, { method: 'POST', url: `/v1/revocation-cases/${c}/findings`, as: NMNO, body: { findings: 'Confirmed.' } })
  await call(app, { method: 'POST', url: `/v1/revocation-cases/${c}/decision`, as: GOVERNANCE, body: { decision: 'suspend' } })
  const log = (await call(app, { url: '/v1/governance/decisions?kind=revocation_decision', as: NMNO })).body.items
  t.same(log.map((d: any) => ({ subjectId: d.subjectId, decision: d.decision, title: d.title, detail: d.detail })), [{ subjectId: c, decision: 'suspend', title: null, detail: null }])
  t.notMatch(JSON.stringify(log), a.id, 'never the Ambassador')
})

t.test('milestones: nmno and governance keep them; overdue ones are governance tasks', async (t) => {
  const { app } = await build(t)
  const m = await call(app, { method: 'POST', url: '/v1/program/milestones', as: NMNO, body: { title: 'Orientation of the first cohort', dueOn: '2026-01-31' } })
  t.equal(m.status, 201)
  t.match(m.body, { status: 'planned', overdue: true })
  const future = await call(app, { method: 'POST', url: '/v1/program/milestones', as: GOVERNANCE, body: { title: 'Final evaluation', dueOn: '2099-01-31', status: 'planned' } })
  t.equal(future.body.overdue, false)
  const tasks = await call(app, { url: '/v1/me/tasks', as: GOVERNANCE })
  const list = Array.isArray(tasks.body) ? tasks.body : tasks.body.items
  t.same(list.filter((x: any) => x.kind === 'milestone_overdue').map((x: any) => x.subjectId), [m.body.id])

  for (const who of [HR, ISERVICE, as('M2', 'manager')]) {
    t.equal((await call(app, { method: 'POST', url: '/v1/program/milestones', as: who, body: { title: 'x', dueOn: '2026-01-01' } })).status, 403)
    t.equal((await call(app, { method: 'PATCH', url: `/v1/program/milestones/${m.body.id}`, as: who, body: { status: 'done' } })).status, 403)
    t.equal((await call(app, { url: '/v1/program/milestones', as: who })).status, 403)
  }
  t.equal((await call(app, { method: 'PATCH', url: `/v1/program/milestones/${m.body.id}`, as: NMNO, headers: { 'if-match': '"p99"' }, body: { status: 'done' } })).status, 412)
  const done = await call(app, { method: 'PATCH', url: `/v1/program/milestones/${m.body.id}`, as: NMNO, headers: { 'if-match': m.headers.etag as string }, body: { status: 'done', note: 'All six parts delivered.' } })
  t.equal(done.status, 200)
  t.match(done.body, { status: 'done', overdue: false })
  const after = await call(app, { url: '/v1/me/tasks', as: GOVERNANCE })
  t.notOk((Array.isArray(after.body) ? after.body : after.body.items).some((x: any) => x.kind === 'milestone_overdue'))
  t.equal((await call(app, { url: '/v1/program/milestones?overdue=false', as: GOVERNANCE })).body.items.length, 2)
  t.equal((await call(app, { method: 'PATCH', url: '/v1/program/milestones/00000000-0000-4000-8000-000000000000', as: NMNO, body: { status: 'done' } })).status, 404)
})
