// CRS-1…CRS-3: the assigned Ambassador reports a crisis; nmno is told de-identified; a follow-up
// with the manager is due in 2 days; a self-care debrief waits for nmno's decision on a clinician.
import t from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call } from '../../helper.ts'

const REQUEST = { language: 'fr', preferredModes: ['phone'], urgency: 'routine', topics: ['crisis'], aboutMyEmployee: true }
const DAY = 86400_000
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString()
const CRISIS = () => ({ category: 'imminent_harm_others', authoritiesContacted: ['police', 'emergency_911'], weaponsInvolved: true, occurredAt: ago(30) })

t.test('crisis escalations', async (t) => {
  const { app } = await build(t)
  const amb = await activeAmbassador(app, 'X001')
  const other = await activeAmbassador(app, 'X002')
  t.equal((await call(app, { method: 'PATCH', url: `/v1/ambassadors/${amb.id}`, as: NMNO, body: { designatedContactRef: 'N905' } })).status, 200)
  const m = as('XM01', 'manager')
  const stranger = as('XM99', 'manager')
  const eid = (await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST } })).body.id
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${eid}/accept`, as: amb.me, body: {} })).status, 200)
  const escalate = (who: any, body: any) => call(app, { method: 'POST', url: `/v1/engagements/${eid}/crisis-escalations`, as: who, body })
  const list = (who: any) => call(app, { url: `/v1/engagements/${eid}/crisis-escalations`, as: who })
  const tasks = async (who: any) => (await call(app, { url: '/v1/me/tasks', as: who })).body.items as any[]

  t.test('weapons known to exist: emergency services must have been called (CRS-3)', async (t) => {
    for (const authoritiesContacted of [[], ['none']]) {
      const res = await escalate(amb.me, { ...CRISIS(), authoritiesContacted })
      t.same([res.status, res.body.code], [422, 'emergency-services-required'], JSON.stringify(authoritiesContacted))
    }
    const mixed = await escalate(amb.me, { ...CRISIS(), weaponsInvolved: false, authoritiesContacted: ['none', 'police'] })
    t.same([mixed.status, mixed.body.code], [422, 'rule-violated'], '`none` excludes the others')
    for (const body of [
      { ...CRISIS(), category: 'panic' }, { ...CRISIS(), authoritiesContacted: ['firefighters'] }, { ...CRISIS(), authoritiesContacted: ['police', 'police'] },
      { ...CRISIS(), occurredAt: new Date(Date.now() + DAY).toISOString() }, { ...CRISIS(), occurredAt: '2020-01-01T00:00:00Z' },
      { ...CRISIS(), notes: 'what happened' }, { category: 'medical_emergency', authoritiesContacted: [], occurredAt: ago(5) },
    ]) t.equal((await escalate(amb.me, body)).status, 400, JSON.stringify(body))
    t.equal((await list(amb.me)).body.items.length, 0, 'nothing was recorded')
  })

  t.test('harm, abuse or a medical emergency: the appropriate services MUST be contacted, weapons or not (#14 item 2)', async (t) => {
    for (const category of ['imminent_harm_self', 'imminent_harm_others', 'child_abuse_neglect', 'medical_emergency']) {
      for (const authoritiesContacted of [[], ['none']]) {
        const res = await call(app, { method: 'POST', url: `/v1/engagements/${eid}/crisis-escalations`, as: amb.me, headers: { 'accept-language': 'fr' }, body: { ...CRISIS(), category, weaponsInvolved: false, authoritiesContacted } })
        t.same([res.status, res.body.code], [422, 'emergency-services-required'], `${category} ${JSON.stringify(authoritiesContacted)}`)
        t.match(res.body.detail, /autorités compétents/, 'in French')
      }
    }
    t.equal((await list(amb.me)).body.items.length, 0, 'nothing was recorded')
    t.equal((await call(app, { url: '/v1/notifications', as: NMNO })).body.items.length, 0, 'nobody was told')
  })

  let cid = ''
  let cid2 = ''
  t.test('the assigned Ambassador reports; nmno is told, de-identified (CRS-2)', async (t) => {
    const res = await escalate(amb.me, CRISIS())
    t.equal(res.status, 201)
    t.same([res.body.category, res.body.authoritiesContacted, res.body.weaponsInvolved, res.body.followUp.doneAt, res.body.debrief.status],
      ['imminent_harm_others', ['police', 'emergency_911'], true, null, 'open'])
    const due = (Date.parse(res.body.followUp.dueAt) - Date.now()) / DAY
    t.ok(due > 1.99 && due <= 2, 'the follow-up is due in 2 days')
    cid = res.body.id
    const threat = await escalate(amb.me, { category: 'threatening_message', authoritiesContacted: [], weaponsInvolved: false, occurredAt: ago(5) })
    t.equal(threat.status, 201, 'a threatening message without weapons: calling nobody is allowed')
    cid2 = threat.body.id
    const inbox = (await call(app, { url: '/v1/notifications', as: NMNO })).body.items.filter((n: any) => n.subjectId === cid)
    t.same(inbox.map((n: any) => n.kind).sort(), ['crisis_debrief', 'crisis_escalation'])
    const told = inbox.find((n: any) => n.kind === 'crisis_escalation')
    t.same([told.designatedContactRef, told.subjectType], ['N905', 'crisis_escalation'])
    t.same(told.data, { engagementId: eid, ambassadorId: amb.id, category: 'imminent_harm_others', authoritiesContacted: ['police', 'emergency_911'], weaponsInvolved: true, occurredOn: told.data.occurredOn })
    t.match(told.data.occurredOn, /^\d{4}-\d{2}-\d{2}$/, 'a date, not a timestamp (CONF-2)')
    t.notMatch(JSON.stringify(inbox), /XM01/, 'no manager identity')
    t.notOk((await call(app, { url: '/v1/me/notifications', as: m })).body.items.some((n: any) => n.kind.startsWith('crisis')), 'the manager’s inbox gets no crisis notification')
  })

  t.test('only the assigned Ambassador reports; the pair reads; nobody else (§2)', async (t) => {
    const byManager = await escalate(m, CRISIS())
    t.same([byManager.status, byManager.body.code], [403, 'forbidden'])
    for (const who of [other.me, stranger]) {
      t.equal((await escalate(who, CRISIS())).status, 404)
      t.equal((await list(who)).status, 404)
    }
    for (const who of [NMNO, GOVERNANCE, HR, ISERVICE]) {
      t.equal((await escalate(who, CRISIS())).status, 403)
      t.equal((await list(who)).status, 403, 'nmno sees crises only de-identified, in its inbox')
    }
    const forAmb = await list(amb.me)
    t.same([forAmb.status, forAmb.body.items.length, forAmb.body.items[0].debrief.status], [200, 2, 'open'])
    t.equal(forAmb.headers['cache-control'], 'no-store')
    const forManager = await list(m)
    t.equal(forManager.status, 200)
    t.notOk('debrief' in forManager.body.items[0], 'the Ambassador’s self-care is not the manager’s business')
  })

  t.test('the follow-up and the debrief are the Ambassador’s tasks, urgent first (CRS-1, CRS-2)', async (t) => {
    const urgentManager = as('XM02', 'manager')
    t.equal((await call(app, { method: 'POST', url: '/v1/engagements', as: urgentManager, body: { ambassadorId: amb.id, ...REQUEST, urgency: 'urgent' } })).status, 201)
    t.equal((await call(app, { method: 'POST', url: '/v1/engagements', as: as('XM03', 'manager'), body: { ambassadorId: amb.id, ...REQUEST } })).status, 201)
    const items = await tasks(amb.me)
    const followUps = items.filter((x) => x.kind === 'crisis_follow_up')
    t.equal(followUps.length, 2)
    t.same([followUps[0].urgent, followUps[0].subjectType, followUps[0].data.engagementId], [true, 'crisis_escalation', eid])
    t.equal(items.filter((x) => x.kind === 'self_care_debrief').length, 2)
    const firstNotUrgent = items.findIndex((x) => !x.urgent)
    t.ok(items.slice(0, firstNotUrgent).some((x) => x.kind === 'answer_request'), 'the urgent request is among the first')
    t.ok(items.slice(firstNotUrgent).every((x) => !x.urgent), 'urgent tasks come first (CRS-1)')
    t.equal(items.find((x) => x.kind === 'answer_request' && !x.urgent) !== undefined, true)
    t.equal((await tasks(other.me)).filter((x) => x.kind.startsWith('crisis') || x.kind === 'self_care_debrief').length, 0, 'nobody else’s')
    t.equal((await tasks(m)).length, 0, 'the manager has no crisis tasks')
  })

  t.test('the Ambassador marks the follow-up done (CRS-2)', async (t) => {
    const url = `/v1/engagements/${eid}/crisis-escalations/${cid}/follow-up`
    const byManager = await call(app, { method: 'POST', url, as: m, body: {} })
    t.same([byManager.status, byManager.body.code], [403, 'forbidden'])
    for (const who of [other.me, stranger]) t.equal((await call(app, { method: 'POST', url, as: who, body: {} })).status, 404)
    for (const who of [NMNO, GOVERNANCE, HR, ISERVICE]) t.equal((await call(app, { method: 'POST', url, as: who, body: {} })).status, 403)
    t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${eid}/crisis-escalations/00000000-0000-4000-8000-000000000000/follow-up`, as: amb.me, body: {} })).status, 404)
    t.equal((await call(app, { method: 'POST', url, as: amb.me, body: { followedUpAt: new Date(Date.now() + DAY).toISOString() } })).status, 400)
    t.equal((await call(app, { method: 'POST', url, as: amb.me, body: { note: 'called' } })).status, 400)
    const done = await call(app, { method: 'POST', url, as: amb.me, body: {} })
    t.equal(done.status, 200)
    t.ok(done.body.followUp.doneAt)
    const again = await call(app, { method: 'POST', url, as: amb.me, body: {} })
    t.same([again.status, again.body.code], [409, 'invalid-transition'])
    t.notOk((await tasks(amb.me)).some((x) => x.kind === 'crisis_follow_up' && x.subjectId === cid), 'the task left the list')
    t.equal((await tasks(amb.me)).filter((x) => x.kind === 'crisis_follow_up').length, 1, 'the other one stays')
  })

  t.test('nmno closes the debrief with its decision on a clinician (CRS-2)', async (t) => {
    const debrief = (await call(app, { url: '/v1/notifications?kind=crisis_debrief', as: NMNO })).body.items.find((n: any) => n.subjectId === cid)
    t.same(debrief.data, { ambassadorId: amb.id, category: 'imminent_harm_others', occurredOn: debrief.data.occurredOn })
    const resolve = (who: any, body?: any) => call(app, { method: 'POST', url: `/v1/notifications/${debrief.id}/resolve`, as: who, ...(body === undefined ? {} : { body }) })
    const noDecision = await resolve(NMNO)
    t.same([noDecision.status, noDecision.body.code], [422, 'rule-violated'])
    t.equal((await resolve(NMNO, {})).body.code, 'rule-violated')
    t.equal((await resolve(NMNO, { clinicianOffered: 'yes' })).status, 400)
    t.equal((await resolve(NMNO, { clinicianOffered: true, more: 1 })).status, 400)
    for (const who of [amb.me, m, GOVERNANCE]) t.equal((await resolve(who, { clinicianOffered: true })).status, 403)
    const closed = await resolve(NMNO, { clinicianOffered: true })
    t.same([closed.status, closed.body.data.clinicianOffered, Boolean(closed.body.resolvedOn)], [200, true, true])
    const later = await resolve(NMNO, { clinicianOffered: false })
    t.same([later.status, later.body.data.clinicianOffered], [200, true], 'the first decision stands')
    const view = (await list(amb.me)).body.items.find((x: any) => x.id === cid)
    t.same([view.debrief.status, view.debrief.clinicianOffered], ['closed', true])
    t.ok(view.debrief.closedAt)
    t.notOk((await tasks(amb.me)).some((x) => x.kind === 'self_care_debrief' && x.subjectId === cid), 'the debrief left the Ambassador’s list')
    const escalationNote = (await call(app, { url: '/v1/notifications?kind=crisis_escalation', as: NMNO })).body.items.find((n: any) => n.subjectId === cid)
    t.equal((await call(app, { method: 'POST', url: `/v1/notifications/${escalationNote.id}/resolve`, as: NMNO })).status, 200, 'the information itself is resolved without a body')
  })

  t.test('nmno records the debrief and whether a clinician was offered; the Ambassador sees it (#14 item 2)', async (t) => {
    const url = (crisisId: string, engagementId = eid) => `/v1/engagements/${engagementId}/crisis-escalations/${crisisId}/debrief`
    const body = { debriefedOn: new Date().toISOString().slice(0, 10), clinicianOffered: false }
    for (const who of [amb.me, m, other.me, GOVERNANCE, HR, ISERVICE]) {
      t.equal((await call(app, { method: 'POST', url: url(cid2), as: who, body })).status, 403, who.sub)
    }
    t.equal((await call(app, { method: 'POST', url: url('00000000-0000-4000-8000-000000000000'), as: NMNO, body })).status, 404)
    t.equal((await call(app, { method: 'POST', url: url(cid2, '00000000-0000-4000-8000-000000000000'), as: NMNO, body })).status, 404, 'the escalation of another engagement is not found')
    for (const bad of [{ ...body, debriefedOn: '2999-01-01' }, { debriefedOn: body.debriefedOn }, { ...body, clinicianOffered: 'no' }, { ...body, notes: 'x' }]) {
      t.equal((await call(app, { method: 'POST', url: url(cid2), as: NMNO, body: bad })).status, 400, JSON.stringify(bad))
    }
    t.ok((await tasks(amb.me)).some((x) => x.kind === 'self_care_debrief' && x.subjectId === cid2), 'still open')
    const done = await call(app, { method: 'POST', url: url(cid2), as: NMNO, body })
    t.same([done.status, done.body.debrief], [200, { status: 'closed', debriefedOn: body.debriefedOn, clinicianOffered: false }])
    const again = await call(app, { method: 'POST', url: url(cid2), as: NMNO, headers: { 'accept-language': 'fr' }, body })
    t.same([again.status, again.body.code], [409, 'invalid-transition'])
    t.match(again.body.detail, /déjà/)
    const view = (await list(amb.me)).body.items.find((x: any) => x.id === cid2)
    t.same([view.debrief.status, view.debrief.clinicianOffered, view.debrief.debriefedOn], ['closed', false, body.debriefedOn])
    t.notOk((await tasks(amb.me)).some((x) => x.kind === 'self_care_debrief' && x.subjectId === cid2), 'the debrief left the Ambassador’s list')
    const note = (await call(app, { url: '/v1/notifications?kind=crisis_debrief', as: NMNO })).body.items.find((n: any) => n.subjectId === cid2)
    t.ok(note.resolvedOn, 'the office’s debrief item is resolved with it')
    t.notOk('debrief' in (await list(m)).body.items.find((x: any) => x.id === cid2), 'still not the manager’s business')
  })

  t.test('no crisis is reported on an engagement that is over', async (t) => {
    const m4 = as('XM04', 'manager')
    const e4 = (await call(app, { method: 'POST', url: '/v1/engagements', as: m4, body: { ambassadorId: other.id, ...REQUEST } })).body.id
    t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${e4}/crisis-escalations`, as: other.me, body: CRISIS() })).status, 201, 'a request not yet answered may already be a crisis')
    t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${e4}/withdraw`, as: m4, body: {} })).status, 200)
    const late = await call(app, { method: 'POST', url: `/v1/engagements/${e4}/crisis-escalations`, as: other.me, body: CRISIS() })
    // CONF-5 (#11): a withdrawn request is no longer the Ambassador's at all, so it is not found.
    t.same([late.status, late.body.code], [404, 'not-found'])
  })
})
