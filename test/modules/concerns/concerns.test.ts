// #14 item 1: concerns and consultations. Who raises what, the office sees them de-identified,
// a private thread between the raiser and the office, the status machine, the revocation link.
import { sql } from 'kysely'
import t from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call, usingServer } from '../../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['phone'], urgency: 'routine', topics: ['team_impact'], aboutMyEmployee: true }
const NOWHERE = '00000000-0000-4000-8000-000000000000'

t.test('concerns', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'CC01')
  const other = await activeAmbassador(app, 'CC02')
  t.equal((await call(app, { method: 'PATCH', url: `/v1/ambassadors/${amb.id}`, as: NMNO, body: { designatedContactRef: 'N905' } })).status, 200)
  const m = as('CCM1', 'manager')
  const stranger = as('CCM9', 'manager')
  const supervisor = as('CCS1', 'manager')
  const nobody = as('CCE1')
  await sql`INSERT INTO reporting_lines (employee_ref, supervisor_ref, org_unit) VALUES ('CC01', 'CCS1', 'Ops')`.execute(db)
  const eid = (await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST } })).body.id
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${eid}/accept`, as: amb.me, body: {} })).status, 200)
  const raise = (who: any, body: any, headers: Record<string, string> = {}) => call(app, { method: 'POST', url: '/v1/concerns', as: who, body, headers })
  const count = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM concerns`.execute(db)).rows[0].n

  t.test('who may raise what (403/404/422) — refusals change nothing', async (t) => {
    const summary = 'The manager asks me to assess an employee’s performance.'
    t.equal((await raise(amb.me, { kind: 'ambassador_conduct', engagementId: eid, summary })).status, 404, 'an Ambassador does not raise ambassador_conduct (not their engagement as manager)')
    for (const who of [m, stranger, NMNO, GOVERNANCE, HR, ISERVICE, nobody]) {
      t.equal((await raise(who, { kind: 'improper_use', summary })).status, 403, `${who.sub}: improper_use is an Ambassador’s`)
    }
    t.equal((await raise(other.me, { kind: 'improper_use', engagementId: eid, summary })).status, 404, 'another Ambassador’s engagement')
    t.equal((await raise(stranger, { kind: 'ambassador_conduct', engagementId: eid, summary })).status, 404, 'not the manager’s engagement')
    t.equal((await raise(m, { kind: 'ambassador_conduct', engagementId: NOWHERE, summary })).status, 404)
    const noEng = await raise(m, { kind: 'ambassador_conduct', summary })
    t.same([noEng.status, noEng.body.code], [400, 'validation-failed'])
    t.equal((await raise(stranger, { kind: 'supervisor_conflict', ambassadorId: amb.id, summary })).status, 404, 'not their supervisor')
    t.equal((await raise(nobody, { kind: 'supervisor_conflict', ambassadorId: amb.id, summary })).status, 404)
    for (const body of [{ kind: 'gossip', summary }, { kind: 'other', summary: '   ' }, { kind: 'other', summary, notes: 'x' }, { kind: 'other', summary: 'x'.repeat(4001) }, { kind: 'other', engagementId: 'nope', summary }]) {
      t.equal((await raise(amb.me, body)).status, 400, JSON.stringify(body).slice(0, 60))
    }
    const naming = await raise(amb.me, { kind: 'confidentiality_breach_by_manager', engagementId: eid, summary: 'Manager CCM1 told the whole team.' }, { 'accept-language': 'fr' })
    t.same([naming.status, naming.body.code], [422, 'identifying-text'], 'REV-1: no known employee reference')
    t.match(naming.body.detail, /sans identifier/)
    t.equal(await count(), 0, 'nothing was recorded')
    t.equal((await call(app, { url: '/v1/notifications?kind=concern_raised', as: NMNO })).body.items.length, 0, 'nobody was told')
  })

  let byAmb = ''
  let byManager = ''
  let bySupervisor = ''
  t.test('an Ambassador, a manager and a supervisor raise; the office is told de-identified', async (t) => {
    const a = await raise(amb.me, { kind: 'confidentiality_breach_by_manager', engagementId: eid, summary: 'The manager repeated what I said to their team.' })
    t.same([a.status, a.body.view, a.body.kind, a.body.status, a.body.engagementId, a.body.ambassadorId], [201, 'raiser', 'confidentiality_breach_by_manager', 'open', eid, amb.id])
    byAmb = a.body.id
    const q = await raise(amb.me, { kind: 'confidentiality_question', summary: 'May I tell my supervisor how many managers I support?' })
    t.equal(q.status, 201, 'a consultation without an engagement')
    const c = await raise(m, { kind: 'ambassador_conduct', engagementId: eid, summary: 'My Ambassador shared my situation at a meeting.' })
    t.same([c.status, c.body.ambassadorId, c.body.engagementId], [201, amb.id, eid])
    byManager = c.body.id
    const s = await raise(supervisor, { kind: 'supervisor_conflict', ambassadorId: amb.id, summary: 'M2M time conflicts with the team’s deadlines.' })
    t.same([s.status, s.body.ambassadorId], [201, amb.id])
    bySupervisor = s.body.id
    const inbox = (await call(app, { url: '/v1/notifications?kind=concern_raised', as: NMNO })).body.items
    t.equal(inbox.length, 4)
    const told = inbox.find((n: any) => n.subjectId === byManager)
    t.same([told.designatedContactRef, told.data.concernKind, told.data.ambassadorId, told.data.raisedAs], ['N905', 'ambassador_conduct', amb.id, 'manager'])
    t.notMatch(JSON.stringify(inbox), new RegExp(`CCM1|${eid}`), 'never the manager or the engagement')
    const events = await sql<{ engagementId: string | null; actorRef: string | null }>`SELECT engagement_id, actor_ref FROM audit_events WHERE action = 'concern.raise' AND outcome = 'success'`.execute(db)
    t.equal(events.rows.length, 4)
    t.ok(events.rows.every((e) => e.engagementId === null && e.actorRef !== 'CCM1'), 'the audit trail links no concern to an engagement or a manager')
  })

  t.test('reads: the raiser their own, nmno de-identified, governance escalated only, others 404', async (t) => {
    const office = await call(app, { url: `/v1/concerns/${byManager}`, as: NMNO })
    t.same([office.status, office.body.view, office.body.raisedAs, office.body.ambassadorId], [200, 'deidentified', 'manager', amb.id])
    t.match(office.body.raisedOn, /^\d{4}-\d{2}-\d{2}$/)
    t.notMatch(JSON.stringify(office.body), new RegExp(`CCM1|${eid}`))
    t.equal(office.headers['cache-control'], 'no-store')
    t.equal((await call(app, { url: `/v1/concerns/${byManager}`, as: m })).body.view, 'raiser')
    for (const who of [amb.me, other.me, stranger, supervisor, HR, ISERVICE, nobody, GOVERNANCE]) {
      t.equal((await call(app, { url: `/v1/concerns/${byManager}`, as: who })).status, 404, who.sub)
      t.equal((await call(app, { url: `/v1/concerns/${byManager}/messages`, as: who })).status, 404, who.sub)
    }
    t.equal((await call(app, { url: '/v1/concerns', as: NMNO })).body.items.length, 4)
    t.same((await call(app, { url: '/v1/concerns', as: amb.me })).body.items.map((c: any) => c.view), ['raiser', 'raiser'])
    t.equal((await call(app, { url: '/v1/concerns', as: m })).body.items.length, 1)
    t.equal((await call(app, { url: '/v1/concerns', as: stranger })).body.items.length, 0)
    t.equal((await call(app, { url: '/v1/concerns', as: GOVERNANCE })).body.items.length, 0, 'nothing escalated yet')
    const page = await call(app, { url: '/v1/concerns?limit=3', as: NMNO })
    t.equal(page.body.items.length, 3)
    const rest = await call(app, { url: `/v1/concerns?limit=3&cursor=${encodeURIComponent(page.body.nextCursor)}`, as: NMNO })
    t.same([rest.body.items.length, rest.body.nextCursor], [1, null])
  })

  t.test('the private thread between the raiser and the office', async (t) => {
    const post = (who: any, text: string, id = byAmb) => call(app, { method: 'POST', url: `/v1/concerns/${id}/messages`, as: who, body: { text } })
    for (const who of [m, other.me, GOVERNANCE, HR, nobody]) t.equal((await post(who, 'Hello')).status, who === GOVERNANCE || who === HR ? 404 : 404, who.sub)
    t.equal((await post(amb.me, 'Hello', NOWHERE)).status, 404)
    t.same([(await post(amb.me, 'It was CCM1 again.')).body.code], ['identifying-text'])
    const mine = await post(amb.me, 'It happened again yesterday.')
    t.same([mine.status, mine.body.authorRole], [201, 'raiser'])
    const reply = await post(NMNO, 'Thank you; we will call you this week.')
    t.same([reply.status, reply.body.authorRole], [201, 'nmno'])
    const thread = await call(app, { url: `/v1/concerns/${byAmb}/messages`, as: amb.me })
    t.same(thread.body.items.map((x: any) => [x.authorRole, x.text]), [['raiser', 'It happened again yesterday.'], ['nmno', 'Thank you; we will call you this week.']])
    t.same((await call(app, { url: `/v1/concerns/${byAmb}/messages`, as: NMNO })).body.items.length, 2)
    t.notOk((await call(app, { url: `/v1/concerns/${byAmb}/messages`, as: NMNO })).body.items.some((x: any) => 'authorRef' in x), 'no author reference')
    t.ok((await call(app, { url: '/v1/me/notifications', as: amb.me })).body.items.some((n: any) => n.kind === 'concern_message' && n.subjectId === byAmb), 'the raiser is told of the reply')
  })

  t.test('open → acknowledged → resolved {outcome}, or escalated to governance; only nmno', async (t) => {
    const move = (who: any, id: string, body: any, headers: Record<string, string> = {}) => call(app, { method: 'POST', url: `/v1/concerns/${id}/transitions`, as: who, body, headers })
    for (const who of [amb.me, m, GOVERNANCE, HR, ISERVICE]) t.equal((await move(who, byAmb, { to: 'acknowledged' })).status, 403, who.sub)
    t.equal((await move(NMNO, NOWHERE, { to: 'acknowledged' })).status, 404)
    const skip = await move(NMNO, byAmb, { to: 'resolved', outcome: 'Spoke with the manager.' }, { 'accept-language': 'fr' })
    t.same([skip.status, skip.body.code], [409, 'invalid-transition'])
    t.match(skip.body.detail, /ne peut passer/)
    // Optimistic concurrency (SPEC §4): the concern carries an ETag; a stale If-Match is a 412 and changes nothing.
    const read = await call(app, { url: `/v1/concerns/${byAmb}`, as: NMNO })
    t.match(read.headers.etag, /^"k\d+"$/)
    const stale = await move(NMNO, byAmb, { to: 'acknowledged' }, { 'if-match': '"k999"' })
    t.same([stale.status, stale.body.code], [412, 'precondition-failed'])
    t.equal((await call(app, { url: `/v1/concerns/${byAmb}`, as: NMNO })).body.status, 'open', 'nothing changed')
    const acked = await move(NMNO, byAmb, { to: 'acknowledged' }, { 'if-match': String(read.headers.etag) })
    t.same([acked.status, acked.body.status], [200, 'acknowledged'])
    t.not(acked.headers.etag, read.headers.etag, 'a new tag')
    t.equal((await move(NMNO, byAmb, { to: 'resolved' })).status, 400, 'an outcome is required')
    t.equal((await move(NMNO, byAmb, { to: 'resolved', outcome: 'CCM1 was reminded.' })).body.code, 'identifying-text')
    const resolved = await move(NMNO, byAmb, { to: 'resolved', outcome: 'The manager was reminded of the terms.' })
    t.same([resolved.status, resolved.body.status, resolved.body.outcome], [200, 'resolved', 'The manager was reminded of the terms.'])
    t.same([(await call(app, { method: 'POST', url: `/v1/concerns/${byAmb}/messages`, as: amb.me, body: { text: 'One more thing' } })).status], [409], 'the thread is closed')
    t.ok((await call(app, { url: '/v1/me/notifications', as: amb.me })).body.items.some((n: any) => n.kind === 'concern_updated' && n.data.status === 'resolved'))
    t.equal((await move(NMNO, bySupervisor, { to: 'escalated' })).body.status, 'escalated')
    const gov = await call(app, { url: '/v1/concerns', as: GOVERNANCE })
    t.same(gov.body.items.map((c: any) => [c.id, c.view]), [[bySupervisor, 'deidentified']], 'governance sees the escalated concern, de-identified')
    t.equal((await call(app, { url: `/v1/concerns/${bySupervisor}/messages`, as: GOVERNANCE })).status, 404, 'not the thread')
  })

  t.test('an ambassador_conduct concern is linked when nmno opens a revocation case', async (t) => {
    const open = (body: any) => call(app, { method: 'POST', url: '/v1/revocation-cases', as: NMNO, body: { grounds: ['confidentiality_breach'], summary: 'Shared a manager’s situation at a meeting.', ...body } })
    t.equal((await open({ ambassadorId: amb.id, concernId: NOWHERE })).status, 404)
    const wrongKind = await open({ ambassadorId: amb.id, concernId: bySupervisor })
    t.same([wrongKind.status, wrongKind.body.code], [422, 'rule-violated'])
    t.equal((await open({ ambassadorId: other.id, concernId: byManager })).body.code, 'rule-violated', 'another Ambassador')
    t.equal((await sql<{ n: number }>`SELECT count(*)::int AS n FROM revocation_cases`.execute(db)).rows[0].n, 0)
    const linked = await open({ ambassadorId: amb.id, concernId: byManager })
    t.same([linked.status, linked.body.concernId], [201, byManager])
  })
})

t.test('two office members move one concern at once: exactly one wins (row lock)', { skip: usingServer ? false : 'needs PostgreSQL: PGlite runs one connection at a time' }, async (t) => {
  const { app } = await build(t)
  const amb = await activeAmbassador(app, 'CR01')
  const id = (await call(app, { method: 'POST', url: '/v1/concerns', as: amb.me, body: { kind: 'other', summary: 'A question for the office.' } })).body.id
  t.equal((await call(app, { method: 'POST', url: `/v1/concerns/${id}/transitions`, as: NMNO, body: { to: 'acknowledged' } })).status, 200)
  const results = await Promise.all([
    call(app, { method: 'POST', url: `/v1/concerns/${id}/transitions`, as: NMNO, body: { to: 'resolved', outcome: 'Answered by phone.' } }),
    call(app, { method: 'POST', url: `/v1/concerns/${id}/transitions`, as: as('N901', 'nmno'), body: { to: 'escalated' } }),
  ])
  const codes = results.map((r) => r.status).sort()
  // Serialised on the row: resolved first → the escalation is a 409; escalated first → resolving
  // from escalated is legal, so both pass and the concern ends resolved. Never a lost update.
  const final = (await call(app, { url: `/v1/concerns/${id}`, as: NMNO })).body
  if (codes[1] === 409) t.same([codes, final.status], [[200, 409], 'resolved'], 'resolved first')
  else t.same([codes, final.status], [[200, 200], 'resolved'], 'escalated, then resolved')
  t.equal(final.version, 2 + codes.filter((c) => c === 200).length, 'each accepted change bumped the version once')
})
