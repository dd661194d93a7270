// ENG-1, ENG-2, ENG-3, ENG-4, ENG-10, ENG-11 and CONF-1/CONF-2 for the engagement core.
import { sql } from 'kysely'
import t from 'tap'
import { expireRequests as sweepExpiredRequests } from '../../../src/jobs/request-expiry.ts'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call, usingServer } from '../../helper.ts'

const REQUEST = { language: 'fr', preferredModes: ['phone'], urgency: 'routine', topics: ['return_to_work'], aboutMyEmployee: true }
const MANAGER_KEYS = ['ambassador', 'closedAt', 'expiresAt', 'extensionProposed', 'extensions', 'id', 'language', 'outcome', 'preferredModes', 'requestedAt', 'respondedAt', 'stage', 'status', 'surveyToken', 'topics', 'transferReason', 'transferredFrom', 'urgency', 'version', 'view']
const DEIDENTIFIED_KEYS = ['followUpOverdue', 'id', 'language', 'meetingsHeld', 'referralCount', 'requestedOn', 'stage', 'status', 'transferRequired', 'urgency', 'view']

t.test('engagements', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'E001')
  const other = await activeAmbassador(app, 'E002')
  const request = (who: any, body: any = {}) => call(app, { method: 'POST', url: '/v1/engagements', as: who, body: { ambassadorId: amb.id, ...REQUEST, ...body } })
  const act = (id: string, verb: string, who: any, body: any = {}) => call(app, { method: 'POST', url: `/v1/engagements/${id}/${verb}`, as: who, body })

  t.test('a manager seeking help for themself is pointed to the Peer Support Program and the EAP (ENG-1)', async (t) => {
    const res = await request(as('M001', 'manager'), { aboutMyEmployee: false })
    t.equal(res.status, 422)
    t.equal(res.body.code, 'personal-support-referral')
    t.ok(res.body.resources.length >= 2)
    t.match(JSON.stringify(res.body.resources), /Peer Support/)
    t.match(JSON.stringify(res.body.resources), /Employee Assistance|EAP/)
    t.equal((await db.selectFrom('engagements').select('id').execute()).length, 0, 'nothing was created')
  })

  let eid = ''
  t.test('a manager requests an Ambassador; the Ambassador is told (ENG-2)', async (t) => {
    const m = as('M002', 'manager')
    const res = await request(m)
    t.equal(res.status, 201)
    t.same(Object.keys(res.body).sort(), MANAGER_KEYS)
    t.same([res.body.view, res.body.status, res.body.stage, res.body.ambassador.id], ['manager', 'requested', 'building_trust', amb.id])
    t.equal(res.headers['cache-control'], 'no-store')
    eid = res.body.id
    const inbox = (await call(app, { url: '/v1/me/notifications', as: amb.me })).body.items
    t.same(inbox.map((n: any) => [n.kind, n.subjectId]), [['engagement_requested', eid]])
    const rec = await call(app, { url: `/v1/ambassadors/${amb.id}`, as: NMNO })
    t.equal(rec.body.openEngagements, 1, 'the request takes a slot')
  })

  t.test('refusals: self, duplicate, unknown or inactive Ambassador, roles', async (t) => {
    const self = await request(amb.me)
    t.equal(self.status, 409)
    t.equal(self.body.code, 'self-engagement')
    const dup = await request(as('M002', 'manager'))
    t.equal(dup.status, 409)
    t.equal(dup.body.code, 'duplicate-engagement')
    const unknown = await request(as('M003', 'manager'), { ambassadorId: '00000000-0000-4000-8000-000000000000' })
    t.equal(unknown.status, 409)
    t.equal(unknown.body.code, 'ambassador-unavailable')
    const cand = await call(app, { method: 'POST', url: '/v1/ambassadors', as: as('E009', 'manager'), body: { displayName: 'Candidate' } })
    const inactive = await request(as('M003', 'manager'), { ambassadorId: cand.body.id })
    t.equal(inactive.body.code, 'ambassador-unavailable')
    for (const who of [NMNO, GOVERNANCE, HR, ISERVICE]) t.equal((await request(who)).status, 403, `${who.roles[0]} cannot request`)
    for (const body of [{ urgency: 'soon' }, { preferredModes: [] }, { topics: ['x'] }, { notes: 'private notes' }, { aboutMyEmployee: 'yes' }]) {
      t.equal((await request(as('M003', 'manager'), body)).status, 400, JSON.stringify(body))
    }
  })

  t.test('who sees the engagement: manager, assigned Ambassador, nmno de-identified; 404 for all others (CONF-1, CONF-2)', async (t) => {
    const mine = await call(app, { url: `/v1/engagements/${eid}`, as: as('M002', 'manager') })
    t.equal(mine.body.view, 'manager')
    const assigned = await call(app, { url: `/v1/engagements/${eid}`, as: amb.me })
    t.same([assigned.body.view, assigned.body.managerRef], ['ambassador', 'M002'])
    const office = await call(app, { url: `/v1/engagements/${eid}`, as: NMNO })
    t.same(Object.keys(office.body).sort(), DEIDENTIFIED_KEYS)
    t.match(office.body.requestedOn, /^\d{4}-\d{2}-\d{2}$/)
    t.notOk(JSON.stringify(office.body).includes('M002'))
    t.notOk(JSON.stringify(office.body).includes(amb.id))
    for (const who of [other.me, as('M099', 'manager')]) {
      const res = await call(app, { url: `/v1/engagements/${eid}`, as: who })
      t.equal(res.status, 404, `${who.sub} gets 404`)
      t.equal(res.body.code, 'not-found')
    }
    const missing = await call(app, { url: '/v1/engagements/00000000-0000-4000-8000-000000000000', as: as('M099', 'manager') })
    t.same([missing.status, missing.body.detail], [404, (await call(app, { url: `/v1/engagements/${eid}`, as: other.me })).body.detail], 'invisible and absent look the same')
    for (const who of [GOVERNANCE, HR, ISERVICE]) t.equal((await call(app, { url: `/v1/engagements/${eid}`, as: who })).status, 403)
  })

  t.test('lists: own, assigned, office (ENG-10)', async (t) => {
    const own = await call(app, { url: '/v1/engagements', as: as('M002', 'manager') })
    t.same(own.body.items.map((i: any) => i.id), [eid])
    t.same((await call(app, { url: '/v1/engagements', as: as('M099', 'manager') })).body.items, [])
    const assigned = await call(app, { url: '/v1/engagements?as=ambassador', as: amb.me })
    t.same(assigned.body.items.map((i: any) => [i.id, i.managerRef]), [[eid, 'M002']])
    t.same((await call(app, { url: '/v1/engagements?as=ambassador', as: other.me })).body.items, [])
    t.same((await call(app, { url: '/v1/engagements?as=ambassador', as: as('M099', 'manager') })).body.items, [], 'not an Ambassador: nothing')
    const office = await call(app, { url: '/v1/engagements?status=requested', as: NMNO })
    t.same(office.body.items.map((i: any) => Object.keys(i).sort()), [DEIDENTIFIED_KEYS])
    for (const who of [GOVERNANCE, HR, ISERVICE]) t.equal((await call(app, { url: '/v1/engagements', as: who })).status, 403)
  })

  t.test('only the assigned Ambassador answers; the manager sees only "declined" (ENG-3)', async (t) => {
    t.equal((await act(eid, 'accept', other.me)).status, 404)
    t.equal((await act(eid, 'accept', as('M002', 'manager'))).status, 404)
    t.equal((await act(eid, 'accept', NMNO)).status, 403)
    const m = as('M004', 'manager')
    const second = await request(m)
    const declined = await act(second.body.id, 'decline', amb.me, { reason: 'outside_competence' })
    // CONF-5 (#11): once declined the request is no longer the Ambassador's; the answer is de-identified.
    t.same([declined.status, declined.body.view, declined.body.status, declined.body.managerRef], [200, 'deidentified', 'declined', undefined])
    t.equal((await db.selectFrom('engagements').select('declineReason').where('id', '=', second.body.id).executeTakeFirstOrThrow()).declineReason, 'outside_competence', 'the reason code is kept')
    const managerView = await call(app, { url: `/v1/engagements/${second.body.id}`, as: m })
    t.equal(managerView.body.status, 'declined')
    t.notOk('declineReason' in managerView.body, 'the reason stays with the Ambassador')
    t.notOk(JSON.stringify((await call(app, { url: '/v1/me/notifications', as: m })).body).includes('outside_competence'))
    t.same((await call(app, { url: '/v1/me/notifications', as: m })).body.items.map((n: any) => n.kind), ['engagement_declined'])
    // CONF-5 (#11): a declined request is no longer the Ambassador's, so a late accept finds nothing.
    t.equal((await act(second.body.id, 'accept', amb.me)).body.code, 'not-found')
    t.equal((await act(eid, 'decline', amb.me, { reason: 'because' })).status, 400)
    const accepted = await act(eid, 'accept', amb.me)
    t.same([accepted.status, accepted.body.status], [200, 'accepted'])
    t.same((await call(app, { url: '/v1/me/notifications', as: as('M002', 'manager') })).body.items.map((n: any) => n.kind), ['engagement_accepted'])
    t.equal((await request(m)).status, 201, 'after a decline the manager may pick again')
  })

  t.test('stages move forward only, by the assigned Ambassador (ENG-4)', async (t) => {
    const patch = (who: any, stage: string) => call(app, { method: 'PATCH', url: `/v1/engagements/${eid}`, as: who, body: { stage } })
    t.equal((await patch(as('M002', 'manager'), 'goal_setting')).status, 404)
    t.equal((await patch(amb.me, 'working_toward_goals')).body.stage, 'working_toward_goals')
    const back = await patch(amb.me, 'goal_setting')
    t.same([back.status, back.body.code], [409, 'invalid-transition'])
    t.equal((await patch(amb.me, 'sideways')).status, 400)
  })

  t.test('the manager withdraws before meeting; the slot is freed', async (t) => {
    const m = as('M005', 'manager')
    const r = await request(m)
    const before = (await call(app, { url: `/v1/ambassadors/${amb.id}`, as: NMNO })).body.openEngagements
    t.equal((await act(r.body.id, 'withdraw', amb.me)).status, 404, 'the Ambassador does not withdraw for the manager')
    const w = await act(r.body.id, 'withdraw', m)
    t.same([w.status, w.body.status], [200, 'withdrawn'])
    t.equal((await call(app, { url: `/v1/ambassadors/${amb.id}`, as: NMNO })).body.openEngagements, before - 1)
    t.equal((await act(r.body.id, 'withdraw', m)).body.code, 'invalid-transition')
  })

  t.test('capacity: a full Ambassador is unavailable and out of available=true (ENG-2)', async (t) => {
    await call(app, { method: 'PATCH', url: `/v1/ambassadors/${other.id}`, as: other.me, body: { capacity: 1 } })
    t.equal((await request(as('M006', 'manager'), { ambassadorId: other.id })).status, 201)
    const full = await request(as('M007', 'manager'), { ambassadorId: other.id })
    t.same([full.status, full.body.code], [409, 'ambassador-unavailable'])
    const dir = await call(app, { url: '/v1/ambassadors?available=true', as: as('M007', 'manager') })
    t.notOk(dir.body.items.some((i: any) => i.id === other.id))
  })

  t.test('an unanswered request expires after 5 days, freeing the slot; answering late is refused (ENG-11)', async (t) => {
    const [pending] = await db.selectFrom('engagements').select(['id', 'managerRef']).where('ambassadorId', '=', other.id).where('status', '=', 'requested').execute()
    await sql`UPDATE engagements SET requested_at = now() - interval '6 days', expires_at = now() - interval '1 day' WHERE id = ${pending.id}`.execute(db)
    t.equal((await call(app, { url: `/v1/engagements/${pending.id}`, as: as(pending.managerRef, 'manager') })).body.status, 'expired', 'expired at query time')
    const late = await act(pending.id, 'accept', other.me)
    t.same([late.status, late.body.code], [409, 'request-expired'])
    t.equal(await sweepExpiredRequests(db), 1)
    t.equal(await sweepExpiredRequests(db), 0, 'the sweep is idempotent')
    t.same((await call(app, { url: '/v1/me/notifications', as: as(pending.managerRef, 'manager') })).body.items.map((n: any) => n.kind), ['engagement_expired'])
    t.equal((await request(as('M007', 'manager'), { ambassadorId: other.id })).status, 201, 'the slot is free again')
  })
})

t.test('many managers request the last slot at once: exactly one succeeds (ENG-2)', { skip: !usingServer && 'needs a PostgreSQL server (TEST_DATABASE_URL)' }, async (t) => {
  const { app } = await build(t, { poolMax: 20 })
  const amb = await activeAmbassador(app, 'C001', { capacity: 1 })
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) =>
    call(app, { method: 'POST', url: '/v1/engagements', as: as(`CM${i}`, 'manager'), body: { ambassadorId: amb.id, ...REQUEST } })))
  const statuses = results.map((r) => r.status)
  t.equal(statuses.filter((s) => s === 201).length, 1)
  t.equal(statuses.filter((s) => s === 409).length, 11)
  t.ok(results.filter((r) => r.status === 409).every((r) => r.body.code === 'ambassador-unavailable'))
  const rec = await call(app, { url: `/v1/ambassadors/${amb.id}`, as: NMNO })
  t.equal(rec.body.openEngagements, 1)
})
