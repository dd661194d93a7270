// The effects of suspension and revocation (REV-4), reinstatement (REV-5), renewal (AMB-5),
// withdrawal and term expiry (AMB-6), checked through HTTP with tokens that stay valid throughout.
import { sql } from 'kysely'
import t from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call } from '../../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['phone'], urgency: 'routine', topics: ['return_to_work'], aboutMyEmployee: true }
const SUMMARY = 'Repeatedly missed the network calls and training sessions.'

type App = Awaited<ReturnType<typeof build>>['app']

function helpers(app: App) {
  const request = (m: any, ambassadorId: string) => call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId, ...REQUEST } })
  const open = (ambassadorId: string, body: any = {}) => call(app, { method: 'POST', url: '/v1/revocation-cases', as: NMNO, body: { ambassadorId, grounds: ['absenteeism'], summary: SUMMARY, ...body } })
  const decideAfterFindings = async (caseId: string, decision: string) => {
    await call(app, { method: 'POST', url: `/v1/revocation-cases/${caseId}/findings`, as: NMNO, body: { findings: 'Confirmed by the attendance records.' } })
    return call(app, { method: 'POST', url: `/v1/revocation-cases/${caseId}/decision`, as: GOVERNANCE, body: { decision } })
  }
  const record = async (id: string) => (await call(app, { url: `/v1/ambassadors/${id}`, as: NMNO })).body
  const inDirectory = async (id: string) => (await call(app, { url: '/v1/ambassadors?limit=100', as: as('X999', 'manager') })).body.items.some((i: any) => i.id === id)
  const reinstate = (id: string, who: any = NMNO, body: any = {}) => call(app, { method: 'POST', url: `/v1/ambassadors/${id}/reinstatement`, as: who, body })
  const renew = (id: string, body: any = { ambassadorAgreed: true }) => call(app, { method: 'POST', url: `/v1/ambassadors/${id}/renewals`, as: NMNO, body })
  return { request, open, decideAfterFindings, record, inDirectory, reinstate, renew }
}

t.test('an interim suspension takes effect at once, even for a still-valid token (REV-4, AUTH-1)', async (t) => {
  const { app, db } = await build(t)
  const h = helpers(app)
  const amb = await activeAmbassador(app, 'S001')
  const m1 = as('SM01', 'manager')
  const m2 = as('SM02', 'manager')
  const m3 = as('SM03', 'manager')
  const running = await h.request(m1, amb.id)
  await call(app, { method: 'POST', url: `/v1/engagements/${running.body.id}/accept`, as: amb.me, body: {} })
  const pending = await h.request(m2, amb.id)
  const overdue = await h.request(m3, amb.id)
  await sql`UPDATE engagements SET expires_at = now() - interval '1 minute' WHERE id = ${overdue.body.id}`.execute(db)

  const before = await call(app, { url: `/v1/engagements/${running.body.id}`, as: amb.me })
  t.same([before.status, before.body.view], [200, 'ambassador'], 'the Ambassador reads the engagement')
  t.ok(await h.inDirectory(amb.id))

  const opened = await h.open(amb.id, { interimSuspension: true })
  t.same([opened.status, opened.body.interimSuspension], [201, true])

  const after = await call(app, { url: `/v1/engagements/${running.body.id}`, as: amb.me })
  t.same([after.status, after.body.code], [404, 'not-found'], 'the same token no longer reaches the engagement')
  t.equal((await call(app, { method: 'PATCH', url: `/v1/engagements/${running.body.id}`, as: amb.me, body: { stage: 'goal_setting' } })).status, 404)
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${pending.body.id}/accept`, as: amb.me, body: {} })).status, 404)
  t.same((await call(app, { url: '/v1/engagements?as=ambassador', as: amb.me })).body.items, [])
  t.equal((await call(app, { url: '/v1/me', as: amb.me })).body.ambassadorId, null)

  for (const [m, e] of [[m1, running], [m2, pending]] as const) {
    const seen = await call(app, { url: `/v1/engagements/${e.body.id}`, as: m })
    t.same([seen.body.status, seen.body.transferReason], ['transfer_required', 'ambassador_unavailable'], `${m.sub} sees transfer_required`)
    const inbox = (await call(app, { url: '/v1/me/notifications', as: m })).body.items
    t.ok(inbox.some((n: any) => n.kind === 'transfer_required' && n.subjectId === e.body.id), `${m.sub} is told to pick another Ambassador`)
    t.notMatch(JSON.stringify(inbox), /suspen|revoc|absentee/i, 'without being told why')
  }
  t.equal((await call(app, { url: `/v1/engagements/${overdue.body.id}`, as: m3 })).body.status, 'expired', 'an overdue request simply expires')
  const office = (await call(app, { url: '/v1/notifications?kind=transfer_required', as: NMNO })).body.items
  t.equal(office.length, 2)
  t.notMatch(JSON.stringify(office), /SM0/, 'nmno is told de-identified')

  t.notOk(await h.inDirectory(amb.id), 'out of the directory')
  t.equal((await call(app, { url: `/v1/ambassadors/${amb.id}`, as: m1 })).status, 404, 'no public profile either')
  const refused = await h.request(as('SM04', 'manager'), amb.id)
  t.same([refused.status, refused.body.code], [409, 'ambassador-unavailable'], 'no new request')
  const rec = await h.record(amb.id)
  t.same([rec.status, rec.openEngagements], ['suspended', 0], 'suspended, every slot freed')
  t.same(rec.statusHistory.slice(-1).map((s: any) => [s.from, s.to, s.actorRole]), [['active', 'suspended', 'nmno']])
  const own = await call(app, { url: `/v1/ambassadors/${amb.id}`, as: amb.me })
  t.same([own.body.view, own.body.status], ['record', 'suspended'], 'the Ambassador still reads their own record')

  // The manager moves on to another Ambassador.
  const next = await activeAmbassador(app, 'S002')
  const moved = await call(app, { method: 'POST', url: `/v1/engagements/${running.body.id}/transfer`, as: m1, body: { ambassadorId: next.id } })
  t.equal(moved.status, 201, 'the manager transfers to another Ambassador')
})

t.test('suspension by decision, then reinstatement to active with the same term (REV-2, REV-5)', async (t) => {
  const { app } = await build(t)
  const h = helpers(app)
  const amb = await activeAmbassador(app, 'S010')
  const m = as('SM10', 'manager')
  const e = await h.request(m, amb.id)
  const termEnd = (await h.record(amb.id)).termEnd

  const c = await h.open(amb.id, { grounds: ['personal_health'], summary: 'On extended sick leave.' })
  t.equal((await h.record(amb.id)).status, 'active', 'investigating alone changes nothing')
  const decided = await h.decideAfterFindings(c.body.id, 'suspend')
  t.equal(decided.body.decision, 'suspend')
  t.equal((await h.record(amb.id)).status, 'suspended')
  t.equal((await call(app, { url: `/v1/engagements/${e.body.id}`, as: m })).body.status, 'transfer_required')
  t.notOk(await h.inDirectory(amb.id))

  t.test('reinstatement refusals', async (t) => {
    for (const who of [GOVERNANCE, HR, ISERVICE, amb.me, m]) t.equal((await h.reinstate(amb.id, who)).status, 403, `${who.sub} cannot reinstate`)
    t.equal((await h.reinstate('00000000-0000-4000-8000-000000000000')).status, 404)
    t.equal((await h.reinstate(amb.id, NMNO, { termEnd: '2040-01-01' })).status, 400, 'no fields')
    t.equal((await h.record(amb.id)).status, 'suspended', 'nothing changed')
  })

  t.test('a suspended Ambassador cannot be renewed into active (AMB-5)', async (t) => {
    const r = await h.renew(amb.id)
    t.same([r.status, r.body.code], [409, 'invalid-transition'])
    t.equal((await h.record(amb.id)).termEnd, termEnd)
  })

  t.test('nmno reinstates: active, same term, back in the directory', async (t) => {
    const res = await h.reinstate(amb.id)
    t.same([res.status, res.body.view, res.body.status, res.body.termEnd], [200, 'record', 'active', termEnd])
    t.equal(res.headers['cache-control'], 'no-store')
    t.ok(await h.inDirectory(amb.id))
    t.equal((await call(app, { url: '/v1/me', as: amb.me })).body.ambassadorId, amb.id)
    t.equal((await h.request(as('SM11', 'manager'), amb.id)).status, 201, 'requests are possible again')
    t.ok((await call(app, { url: '/v1/me/notifications', as: amb.me })).body.items.some((n: any) => n.kind === 'ambassador_reinstated'))
    const again = await h.reinstate(amb.id)
    t.same([again.status, again.body.code], [409, 'invalid-transition'], 'only from suspended')
    t.equal((await call(app, { url: `/v1/engagements/${e.body.id}`, as: m })).body.status, 'transfer_required', 'moved engagements stay with the manager’s new choice')
  })
})

t.test('revocation is final: no reinstatement, no renewal, no new application (REV-2, REV-5, AMB-5)', async (t) => {
  const { app } = await build(t)
  const h = helpers(app)
  const amb = await activeAmbassador(app, 'S020')
  const m = as('SM20', 'manager')
  const e = await h.request(m, amb.id)
  const c = await h.open(amb.id, { grounds: ['confidentiality_breach'], summary: 'Discussed a case with a colleague.', interimSuspension: true })
  const decided = await h.decideAfterFindings(c.body.id, 'revoke')
  t.same([decided.status, decided.body.decision], [200, 'revoke'])
  const rec = await h.record(amb.id)
  t.same([rec.status, rec.statusHistory.slice(-1)[0].actorRole], ['revoked', 'governance'])
  t.equal((await call(app, { url: `/v1/engagements/${e.body.id}`, as: m })).body.status, 'transfer_required')
  t.equal((await h.reinstate(amb.id)).body.code, 'invalid-transition', 'never reinstated from revoked')
  t.equal((await h.renew(amb.id)).body.code, 'invalid-transition', 'never renewed')
  const withdraw = await call(app, { method: 'POST', url: `/v1/ambassadors/${amb.id}/transitions`, as: amb.me, body: { to: 'withdrawn' } })
  t.equal(withdraw.body.code, 'invalid-transition')
  const reapply = await call(app, { method: 'POST', url: '/v1/ambassadors', as: amb.me, body: { displayName: 'Again' } })
  t.same([reapply.status, reapply.body.code], [422, 'rule-violated'])
  const another = await h.open(amb.id)
  t.same([another.status, another.body.code], [409, 'invalid-transition'], 'no case on a revoked record')
})

t.test('no_action lifts the interim suspension; an interim suspension needs an active Ambassador (REV-2)', async (t) => {
  const { app } = await build(t)
  const h = helpers(app)
  const amb = await activeAmbassador(app, 'S030')
  const c = await h.open(amb.id, { interimSuspension: true })
  t.equal((await h.record(amb.id)).status, 'suspended')
  const cleared = await h.decideAfterFindings(c.body.id, 'no_action')
  t.same([cleared.status, cleared.body.decision], [200, 'no_action'])
  t.equal((await h.record(amb.id)).status, 'active')
  t.ok(await h.inDirectory(amb.id))

  const c2 = await h.open(amb.id)
  await h.decideAfterFindings(c2.body.id, 'suspend')
  const interimAgain = await h.open(amb.id, { interimSuspension: true })
  t.same([interimAgain.status, interimAgain.body.code], [409, 'invalid-transition'], 'already suspended')
  const c3 = await h.open(amb.id)
  t.equal(c3.status, 201, 'a case on a suspended Ambassador is possible')
  t.equal((await h.decideAfterFindings(c3.body.id, 'no_action')).status, 200)
  t.equal((await h.record(amb.id)).status, 'suspended', 'no_action does not lift a suspension it did not impose')
})

t.test('renewal extends the term by 24 months, also after it ran out (AMB-5)', async (t) => {
  const { app, db } = await build(t)
  const h = helpers(app)
  const amb = await activeAmbassador(app, 'S040')
  const termEnd = new Date((await h.record(amb.id)).termEnd)
  t.equal((await h.renew(amb.id, {})).status, 400, 'the Ambassador’s agreement is required')
  const renewed = await h.renew(amb.id)
  t.equal(renewed.status, 200)
  const months = (new Date(renewed.body.termEnd).getTime() - termEnd.getTime()) / (86400_000 * 30.4)
  t.ok(months > 23.5 && months < 24.5, `extended by ~24 months (${months.toFixed(1)})`)

  // Term expiry is evaluated at query time: past termEnd the Ambassador is inactive everywhere.
  const m = as('SM40', 'manager')
  const e = await h.request(m, amb.id)
  await sql`UPDATE ambassadors SET term_end = now() - interval '1 day' WHERE id = ${amb.id}`.execute(db)
  t.equal((await h.record(amb.id)).status, 'expired')
  t.notOk(await h.inDirectory(amb.id))
  t.equal((await call(app, { url: `/v1/engagements/${e.body.id}`, as: amb.me })).status, 404, 'no access past the term')
  t.equal((await h.request(as('SM41', 'manager'), amb.id)).body.code, 'ambassador-unavailable')
  const back = await h.renew(amb.id)
  t.same([back.status, back.body.status], [200, 'active'])
  t.ok(new Date(back.body.termEnd).getTime() > Date.now(), 'in term again')
})

t.test('term expiry: open engagements await transfer at once, the sweep records it and tells the managers (AMB-5, REV-4)', async (t) => {
  const { app, db } = await build(t)
  const h = helpers(app)
  const amb = await activeAmbassador(app, 'S045')
  const [m1, m2] = [as('SM45', 'manager'), as('SM46', 'manager')]
  const running = await h.request(m1, amb.id)
  await call(app, { method: 'POST', url: `/v1/engagements/${running.body.id}/accept`, as: amb.me, body: {} })
  const pending = await h.request(m2, amb.id)
  await sql`UPDATE ambassadors SET term_end = now() - interval '1 minute' WHERE id = ${amb.id}`.execute(db)

  // Before any sweep: the query already says so.
  for (const [m, e] of [[m1, running], [m2, pending]] as const) {
    const seen = await call(app, { url: `/v1/engagements/${e.body.id}`, as: m })
    t.same([seen.body.status, seen.body.transferReason], ['transfer_required', 'ambassador_unavailable'], `${m.sub} sees transfer_required`)
  }
  t.equal((await call(app, { url: `/v1/engagements/${running.body.id}`, as: amb.me })).status, 404, 'the Ambassador no longer reaches it')
  const office = await call(app, { url: '/v1/engagements?transferRequired=true', as: NMNO })
  t.same(office.body.items.map((i: any) => i.id).sort(), [running.body.id, pending.body.id].sort(), 'nmno sees both awaiting transfer')
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${running.body.id}/meetings`, as: m1,
    body: { scheduledAt: new Date(Date.now() + 86400_000).toISOString(), durationMinutes: 45, mode: 'phone' } })).status, 409, 'nothing more happens in it')

  // The manager moves on before the sweep ran: the old slot is freed with it.
  const next = await activeAmbassador(app, 'S046')
  const moved = await call(app, { method: 'POST', url: `/v1/engagements/${running.body.id}/transfer`, as: m1, body: { ambassadorId: next.id } })
  t.equal(moved.status, 201, 'transfer to another Ambassador')
  t.equal((await h.record(amb.id)).openEngagements, 1, 'only the pending request still holds a slot')

  // The sweep records the rest, once, even when two run at once.
  const { sweepEndedTerms } = await import('../../../src/jobs/term-expiry.ts').then((m) => ({ sweepEndedTerms: m.endTerms }))
  const runs = await Promise.all([sweepEndedTerms(db), sweepEndedTerms(db)])
  t.equal(runs[0] + runs[1], 1, 'the pending request moved once')
  const sweeps = () => db.selectFrom('auditEvents').select(['action', 'role', 'outcome']).where('action', '=', 'ambassador.end-term').execute()
  const events = await sweeps()
  t.ok(events.length >= 1 && events.length <= 2, 'each sweep that took the Ambassador left an audit event')
  t.ok(events.every((e) => e.role === 'system' && e.outcome === 'success'), 'as the system')
  t.equal(await sweepEndedTerms(db), 0, 'nothing left to move')
  t.equal((await sweeps()).length, events.length, 'a sweep with nothing due writes nothing')
  t.equal((await h.record(amb.id)).openEngagements, 0, 'every slot freed')
  const inbox = (await call(app, { url: '/v1/me/notifications', as: m2 })).body.items
  t.equal(inbox.filter((n: any) => n.kind === 'transfer_required' && n.subjectId === pending.body.id).length, 1, 'the manager is told once')
  t.equal((await call(app, { url: '/v1/audit/verify', as: GOVERNANCE })).body.ok, true)

  // A renewal afterwards does not undo what was recorded: the managers already chose again.
  t.equal((await h.renew(amb.id)).status, 200)
  t.equal((await call(app, { url: `/v1/engagements/${pending.body.id}`, as: m2 })).body.status, 'transfer_required')
})

t.test('withdrawal by the Ambassador, also while suspended, moves every open engagement (AMB-6, REV-4)', async (t) => {
  const { app } = await build(t)
  const h = helpers(app)
  const amb = await activeAmbassador(app, 'S050')
  const m = as('SM50', 'manager')
  const e = await h.request(m, amb.id)
  const w = await call(app, { method: 'POST', url: `/v1/ambassadors/${amb.id}/transitions`, as: amb.me, body: { to: 'withdrawn' } })
  t.same([w.status, w.body.status], [200, 'withdrawn'])
  const seen = await call(app, { url: `/v1/engagements/${e.body.id}`, as: m })
  t.same([seen.body.status, seen.body.transferReason], ['transfer_required', 'ambassador_unavailable'])
  t.ok((await call(app, { url: '/v1/me/notifications', as: m })).body.items.some((n: any) => n.kind === 'transfer_required'))
  t.equal((await h.record(amb.id)).openEngagements, 0)
  t.equal((await h.reinstate(amb.id)).body.code, 'invalid-transition', 'withdrawal is not a suspension')

  const sus = await activeAmbassador(app, 'S051')
  await h.open(sus.id, { interimSuspension: true })
  const w2 = await call(app, { method: 'POST', url: `/v1/ambassadors/${sus.id}/transitions`, as: sus.me, body: { to: 'withdrawn' } })
  t.same([w2.status, w2.body.status], [200, 'withdrawn'], 'a suspended Ambassador may step down')
})
