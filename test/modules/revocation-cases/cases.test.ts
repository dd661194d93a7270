// Revocation cases (REV-1, REV-2, REV-3, REV-6, REV-7): who opens, presents, decides and reads.
import t from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call, orientedCandidate } from '../../helper.ts'

const URL = '/v1/revocation-cases'
const STAFF_KEYS = ['ambassadorId', 'concernId', 'decidedAt', 'decidedBy', 'decision', 'effectiveAt', 'findings', 'findingsBy', 'findingsPresentedAt', 'grounds', 'id', 'interimSuspension', 'openedAt', 'openedBy', 'status', 'summary', 'version', 'view']
const OWN_KEYS = ['ambassadorId', 'decidedAt', 'decision', 'effectiveAt', 'grounds', 'id', 'interimSuspension', 'openedAt', 'status', 'view']
const SUMMARY = 'Missed three network calls in a row and did not answer the office.'

t.test('revocation cases', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'R001')
  const other = await activeAmbassador(app, 'R002')
  const open = (who: any, body: any) => call(app, { method: 'POST', url: URL, as: who, body: { ambassadorId: amb.id, grounds: ['absenteeism'], summary: SUMMARY, ...body } })
  const findings = (id: string, who: any, text = 'Attendance records confirm the absences.') => call(app, { method: 'POST', url: `${URL}/${id}/findings`, as: who, body: { findings: text } })
  const decide = (id: string, who: any, body: any) => call(app, { method: 'POST', url: `${URL}/${id}/decision`, as: who, body })

  let caseId = ''
  t.test('nmno opens a case with grounds from the closed list; the Ambassador is told (REV-1)', async (t) => {
    const res = await open(NMNO, { grounds: ['absenteeism', 'policy_noncompliance'] })
    t.equal(res.status, 201)
    t.same(Object.keys(res.body).sort(), STAFF_KEYS)
    t.same([res.body.view, res.body.status, res.body.grounds, res.body.summary, res.body.interimSuspension, res.body.decision],
      ['staff', 'investigating', ['absenteeism', 'policy_noncompliance'], SUMMARY, false, null])
    t.equal(res.headers['cache-control'], 'no-store')
    t.equal(res.headers.location, `${URL}/${res.body.id}`)
    caseId = res.body.id
    const inbox = (await call(app, { url: '/v1/me/notifications', as: amb.me })).body.items
    t.same(inbox.map((n: any) => [n.kind, n.subjectId]), [['revocation_case_opened', caseId]])
    t.notMatch(JSON.stringify(inbox), /network calls/, 'the notification carries no summary')
    const rec = await call(app, { url: `/v1/ambassadors/${amb.id}`, as: NMNO })
    t.equal(rec.body.status, 'active', 'without interim suspension the Ambassador keeps serving')
  })

  t.test('opening is refused: roles, bad input, unknown or ineligible Ambassador, a second open case', async (t) => {
    for (const who of [GOVERNANCE, HR, ISERVICE, as('R900', 'manager'), amb.me]) t.equal((await open(who, {})).status, 403, `${who.sub} cannot open`)
    for (const body of [
      { grounds: [] }, { grounds: ['rudeness'] }, { grounds: ['absenteeism', 'absenteeism'] }, { summary: '' }, { summary: '   ' },
      { summary: 'x'.repeat(4001) }, { notes: 'x' }, { interimSuspension: 'yes' }, { ambassadorId: 'nope' }, { grounds: 'absenteeism' },
    ]) {
      t.equal((await open(NMNO, { ambassadorId: other.id, ...body })).status, 400, JSON.stringify(body).slice(0, 60))
    }
    t.equal((await open(NMNO, { ambassadorId: '00000000-0000-4000-8000-000000000000' })).status, 404)
    const cand = await orientedCandidate(app, 'R003')
    const notActive = await open(NMNO, { ambassadorId: cand.id })
    t.same([notActive.status, notActive.body.code], [409, 'invalid-transition'])
    const second = await open(NMNO, {})
    t.same([second.status, second.body.code, second.body.caseId], [409, 'already-exists', caseId])
    t.equal((await db.selectFrom('revocationCases').select('id').execute()).length, 1, 'nothing else was created')
  })

  t.test('the summary and the findings may not identify a manager or another employee (REV-1)', async (t) => {
    await call(app, { method: 'PUT', url: '/v1/org/reporting-lines', as: NMNO, body: { items: [{ employeeRef: 'RS01', supervisorRef: 'RS02', orgUnit: 'Ops' }] } })
    for (const summary of ['RS01 complained about the Ambassador.', 'Raised by rs02.', 'Seen with R001 at a meeting']) {
      const res = await open(NMNO, { ambassadorId: other.id, summary })
      t.same([res.status, res.body.code, res.body.field], [422, 'identifying-text', 'summary'], summary)
      t.notMatch(res.body.detail, /RS0|R002/i, 'the refusal does not echo the reference')
    }
    const aboutThemself = await open(NMNO, { ambassadorId: other.id, summary: 'R002 missed the last three sessions.' })
    t.equal(aboutThemself.status, 201, 'naming the Ambassador the case is about is fine')
    const named = await findings(aboutThemself.body.id, NMNO, 'Confirmed by RS01.')
    t.same([named.status, named.body.code, named.body.field], [422, 'identifying-text', 'findings'])
  })

  t.test('investigating → findings_presented → decided; only nmno presents, only governance decides (REV-2)', async (t) => {
    const early = await decide(caseId, GOVERNANCE, { decision: 'suspend' })
    t.same([early.status, early.body.code], [409, 'invalid-transition'], 'no decision before the findings')
    for (const who of [GOVERNANCE, HR, amb.me, as('R900', 'manager')]) t.equal((await findings(caseId, who)).status, 403, `${who.sub} cannot present findings`)
    t.equal((await findings('00000000-0000-4000-8000-000000000000', NMNO)).status, 404)
    t.equal((await call(app, { method: 'POST', url: `${URL}/${caseId}/findings`, as: NMNO, body: { findings: 'x', extra: 1 } })).status, 400)
    const presented = await findings(caseId, NMNO)
    t.same([presented.status, presented.body.status, presented.body.findings, presented.body.findingsBy], [200, 'findings_presented', 'Attendance records confirm the absences.', 'N900'])
    t.equal((await findings(caseId, NMNO)).body.code, 'invalid-transition', 'findings once')
    for (const who of [NMNO, HR, ISERVICE, amb.me]) t.equal((await decide(caseId, who, { decision: 'suspend' })).status, 403, `${who.sub} cannot decide`)
    for (const body of [{ decision: 'fire' }, {}, { decision: 'suspend', effectiveAt: 'tomorrow' }, { decision: 'suspend', until: '2030-01-01' }]) {
      t.equal((await decide(caseId, GOVERNANCE, body)).status, 400, JSON.stringify(body))
    }
    const future = await decide(caseId, GOVERNANCE, { decision: 'suspend', effectiveAt: new Date(Date.now() + 86400_000).toISOString() })
    t.same([future.status, future.body.code], [422, 'rule-violated'])
    const beforeFindings = await decide(caseId, GOVERNANCE, { decision: 'suspend', effectiveAt: '2020-01-01T00:00:00Z' })
    t.same([beforeFindings.status, beforeFindings.body.code], [422, 'rule-violated'])
    const decided = await decide(caseId, GOVERNANCE, { decision: 'suspend' })
    t.same([decided.status, decided.body.status, decided.body.decision, decided.body.decidedBy], [200, 'decided', 'suspend', 'G900'])
    t.ok(decided.body.effectiveAt)
    t.equal((await decide(caseId, GOVERNANCE, { decision: 'revoke' })).body.code, 'invalid-transition', 'decided once')
    t.equal((await call(app, { url: `/v1/ambassadors/${amb.id}`, as: NMNO })).body.status, 'suspended')
    const office = (await call(app, { url: '/v1/notifications?kind=revocation_case_decided', as: NMNO })).body.items
    t.same(office.map((n: any) => [n.subjectId, n.data.decision]), [[caseId, 'suspend']])
  })

  t.test('personal health alone permits only a suspension: revoke is 422 (REV-3)', async (t) => {
    const health = await activeAmbassador(app, 'R010')
    const c = await open(NMNO, { ambassadorId: health.id, grounds: ['personal_health'], summary: 'Reported being unwell for months.' })
    await findings(c.body.id, NMNO)
    const revoke = await decide(c.body.id, GOVERNANCE, { decision: 'revoke' })
    t.same([revoke.status, revoke.body.code], [422, 'revocation-not-permitted'])
    t.equal((await call(app, { url: `/v1/ambassadors/${health.id}`, as: NMNO })).body.status, 'active', 'nothing changed')
    t.equal((await decide(c.body.id, GOVERNANCE, { decision: 'suspend' })).body.decision, 'suspend')

    const mixed = await activeAmbassador(app, 'R011')
    const m = await open(NMNO, { ambassadorId: mixed.id, grounds: ['personal_health', 'confidentiality_breach'], summary: 'Shared details of a discussion.' })
    await findings(m.body.id, NMNO)
    const revoked = await decide(m.body.id, GOVERNANCE, { decision: 'revoke', effectiveAt: new Date().toISOString() })
    t.same([revoked.status, revoked.body.decision], [200, 'revoke'])
    t.equal((await call(app, { url: `/v1/ambassadors/${mixed.id}`, as: NMNO })).body.status, 'revoked')
  })

  t.test('the Ambassador reads their own case: status, grounds, decision, never the summary or findings (REV-7)', async (t) => {
    const own = await call(app, { url: `${URL}/${caseId}`, as: amb.me })
    t.equal(own.status, 200)
    t.same(Object.keys(own.body).sort(), OWN_KEYS)
    t.same([own.body.view, own.body.status, own.body.grounds, own.body.decision], ['own', 'decided', ['absenteeism', 'policy_noncompliance'], 'suspend'])
    t.notMatch(JSON.stringify(own.body), /network calls|Attendance|N900|G900/)
    t.equal(own.headers['cache-control'], 'no-store')
    const list = await call(app, { url: URL, as: amb.me })
    t.same(list.body.items.map((c: any) => [c.id, c.view]), [[caseId, 'own']], 'suspended, they still read their own case')
    t.same(Object.keys(list.body.items[0]).sort(), OWN_KEYS)
  })

  t.test('nmno and governance read every case; nobody else sees one (REV-6)', async (t) => {
    for (const who of [NMNO, GOVERNANCE]) {
      const one = await call(app, { url: `${URL}/${caseId}`, as: who })
      t.same([one.status, one.body.view, one.body.summary], [200, 'staff', SUMMARY])
      const all = await call(app, { url: URL, as: who })
      t.equal(all.body.items.length, 4)
      t.ok(all.body.items.every((c: any) => c.view === 'staff'))
    }
    const filtered = await call(app, { url: `${URL}?status=decided&ambassadorId=${amb.id}`, as: GOVERNANCE })
    t.same(filtered.body.items.map((c: any) => c.id), [caseId])
    const page1 = await call(app, { url: `${URL}?limit=3`, as: NMNO })
    const page2 = await call(app, { url: `${URL}?limit=3&cursor=${page1.body.nextCursor}`, as: NMNO })
    t.same([page1.body.items.length, page2.body.items.length, page2.body.nextCursor], [3, 1, null])
    t.equal((await call(app, { url: `${URL}?cursor=abc`, as: NMNO })).status, 400)
    t.equal((await call(app, { url: `${URL}?status=open`, as: NMNO })).status, 400)
    // A colleague, the Ambassador's supervisor or another Ambassador: as if the case did not exist.
    for (const who of [as('RS02', 'manager'), as('R900', 'manager'), other.me]) {
      t.equal((await call(app, { url: `${URL}/${caseId}`, as: who })).status, 404, `${who.sub}: 404`)
    }
    t.same((await call(app, { url: URL, as: as('RS02', 'manager') })).body.items, [])
    t.same((await call(app, { url: `${URL}?ambassadorId=${amb.id}`, as: other.me })).body.items, [])
    for (const who of [HR, ISERVICE, as('R901')]) {
      t.equal((await call(app, { url: URL, as: who })).status, 403, `${who.roles[0] ?? 'no role'}: 403 on the list`)
      t.equal((await call(app, { url: `${URL}/${caseId}`, as: who })).status, 403)
    }
    t.equal((await call(app, { url: `${URL}/not-a-uuid`, as: NMNO })).status, 400)
  })
})
