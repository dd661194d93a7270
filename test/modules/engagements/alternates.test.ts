// #16 item 2: a request that does not dead-end. POST /v1/engagements accepts up to two alternates;
// when the chosen Ambassador declines, lets the request expire, or is found in conflict, the SAME
// request (same id) passes to the first alternate who can take it now (every ENG-2 rule again, in
// the same transaction), the former Ambassador sees nothing of it any more, and the manager hears
// only "moved to your next choice" or "none of your choices could take it".
import { sql } from 'kysely'
import t from 'tap'
import type { App } from '../../../src/app.ts'
import type { Db } from '../../../src/db/database.ts'
import { expireRequests } from '../../../src/jobs/request-expiry.ts'
import { activeAmbassador, as, build, call, usingServer, type Principal } from '../../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['phone'], urgency: 'routine', topics: ['return_to_work'], aboutMyEmployee: true }

async function request(app: App, m: Principal, ambassadorId: string, alternates?: string[]) {
  const res = await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId, ...REQUEST, ...(alternates ? { alternates } : {}) } })
  if (res.status !== 201) throw new Error(`request: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.id as string
}
const notes = async (app: App, p: Principal) => (await call(app, { url: '/v1/me/notifications', as: p })).body.items as any[]
const kinds = async (app: App, p: Principal) => (await notes(app, p)).map((n) => n.kind).sort()
const openOf = async (db: Db, id: string) => (await db.selectFrom('ambassadors').select('openEngagements').where('id', '=', id).executeTakeFirstOrThrow()).openEngagements

t.test('a decline passes the same request to the first alternate who can take it; the manager hears only that it moved', async (t) => {
  const { app, db } = await build(t)
  const a = await activeAmbassador(app, 'ALT-A')
  const b = await activeAmbassador(app, 'ALT-B')
  const c = await activeAmbassador(app, 'ALT-C')
  const m = as('ALT-M1', 'manager')
  const id = await request(app, m, a.id, [b.id, c.id])
  t.notMatch(JSON.stringify((await sql`SELECT alternates FROM engagements WHERE id = ${id}`.execute(db)).rows), new RegExp(b.id), 'the alternates are sealed at rest')
  // B is now in conflict with the manager (the manager declared it): B is skipped, silently.
  t.equal((await call(app, { method: 'POST', url: '/v1/conflict-declarations', as: m, body: { ambassadorId: b.id, employeeRef: 'ALT-M1', kind: 'close_friend' } })).status, 201)

  const declined = await call(app, { method: 'POST', url: `/v1/engagements/${id}/decline`, as: a.me, body: { reason: 'capacity' } })
  t.equal(declined.status, 200)
  t.notOk('managerRef' in declined.body, 'the decliner’s answer is de-identified')
  t.equal(declined.body.status, 'declined', 'and shows the request as they left it, not that it moved on')
  const view = (await call(app, { url: `/v1/engagements/${id}`, as: m })).body
  t.match(view, { id, status: 'requested', ambassador: { id: c.id } }, 'the same engagement, now requested from C')
  t.ok(new Date(view.expiresAt).getTime() > Date.now() + 4.9 * 24 * 3600_000, 'with a fresh 5-day deadline')
  t.equal((await call(app, { url: `/v1/engagements/${id}`, as: a.me })).status, 404, 'the Ambassador who declined sees nothing of it')
  t.notOk((await call(app, { url: '/v1/engagements?as=ambassador', as: a.me })).body.items.some((e: any) => e.id === id))
  t.match((await call(app, { url: `/v1/engagements/${id}`, as: c.me })).body, { view: 'ambassador', status: 'requested', managerRef: 'ALT-M1', declineReason: null }, 'C sees a fresh request')
  t.same(await kinds(app, c.me), ['engagement_requested'])
  t.same(await kinds(app, b.me), [], 'B learns nothing')
  t.same(await kinds(app, m), ['request_moved'], 'the manager is told only that it moved (not that it was declined)')
  t.notMatch(JSON.stringify(await notes(app, m)), /ALT-|capacity|declin|conflict/, 'never which or why')
  t.same([await openOf(db, a.id), await openOf(db, c.id), await openOf(db, b.id)], [0, 1, 0], 'the slots follow the request')
  const events = (await sql<{ action: string; role: string; actorRef: string }>`SELECT action, role, actor_ref FROM audit_events WHERE engagement_id = ${id} ORDER BY at, seq`.execute(db)).rows
  t.match(events.find((e) => e.action === 'engagement.pass-on'), { role: 'system', actorRef: 'system:request-fallback' }, 'the move is audited by the system, naming no manager')
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${id}/accept`, as: c.me, body: {} })).status, 200, 'C can accept it')
})

t.test('none of the choices can take it: the manager hears only that', async (t) => {
  const { app, db } = await build(t)
  const a = await activeAmbassador(app, 'ALT-D')
  const b = await activeAmbassador(app, 'ALT-E')
  const self = await activeAmbassador(app, 'ALT-M2') // the manager is an Ambassador too
  const m = self.me
  const id = await request(app, m, a.id, [self.id, b.id])
  await sql`UPDATE ambassadors SET status = 'suspended' WHERE id = ${b.id}`.execute(db)
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${id}/decline`, as: a.me, body: { reason: 'other' } })).status, 200)
  t.match((await call(app, { url: `/v1/engagements/${id}`, as: m })).body, { status: 'declined', ambassador: { id: a.id } })
  t.same(await kinds(app, m), ['request_not_placed'])
  t.same([await openOf(db, self.id), await openOf(db, b.id)], [0, 0], 'no slot taken')
  t.equal((await sql<{ alternates: string | null }>`SELECT alternates FROM engagements WHERE id = ${id}`.execute(db)).rows[0]?.alternates, null, 'the alternates are spent')
})

t.test('without alternates, a decline is as before', async (t) => {
  const { app } = await build(t)
  const a = await activeAmbassador(app, 'ALT-F')
  const m = as('ALT-M3', 'manager')
  const id = await request(app, m, a.id)
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${id}/decline`, as: a.me, body: { reason: 'other' } })).status, 200)
  t.same(await kinds(app, m), ['engagement_declined'])
})

t.test('an expired request (the request-expiry job) passes to the next choice', async (t) => {
  const { app, db } = await build(t)
  const a = await activeAmbassador(app, 'ALT-G')
  const b = await activeAmbassador(app, 'ALT-H')
  const m = as('ALT-M4', 'manager')
  const id = await request(app, m, a.id, [b.id])
  await sql`UPDATE engagements SET requested_at = now() - interval '6 days', expires_at = now() - interval '1 day' WHERE id = ${id}`.execute(db)
  t.equal(await expireRequests(db), 1)
  t.match((await call(app, { url: `/v1/engagements/${id}`, as: m })).body, { status: 'requested', ambassador: { id: b.id } })
  t.equal((await call(app, { url: `/v1/engagements/${id}`, as: a.me })).status, 404)
  t.same(await kinds(app, m), ['request_moved'])
  t.same(await kinds(app, b.me), ['engagement_requested'])
  t.same([await openOf(db, a.id), await openOf(db, b.id)], [0, 1])
  t.equal(await expireRequests(db), 0, 'nothing overdue any more')
})

t.test('a request found in conflict (the Ambassador declares one) passes to the next choice', async (t) => {
  const { app, db } = await build(t)
  const a = await activeAmbassador(app, 'ALT-I')
  const b = await activeAmbassador(app, 'ALT-J')
  const m = as('ALT-M5', 'manager')
  const id = await request(app, m, a.id, [b.id])
  t.equal((await call(app, { method: 'POST', url: '/v1/conflict-declarations', as: a.me, body: { ambassadorId: a.id, employeeRef: 'ALT-M5', kind: 'family' } })).status, 201)
  t.match((await call(app, { url: `/v1/engagements/${id}`, as: m })).body, { status: 'requested', ambassador: { id: b.id }, transferReason: null })
  t.equal((await call(app, { url: `/v1/engagements/${id}`, as: a.me })).status, 404)
  t.same(await kinds(app, m), ['request_moved'], 'not transfer_required: the manager hears only that it moved')
  t.same([await openOf(db, a.id), await openOf(db, b.id)], [0, 1])
})

t.test('bad alternates are refused and change nothing', async (t) => {
  const { app, db } = await build(t)
  const a = await activeAmbassador(app, 'ALT-K')
  const m = as('ALT-M6', 'manager')
  const other = '00000000-0000-4000-8000-000000000001'
  const cases: [unknown, number, string][] = [
    [[a.id], 422, 'rule-violated'],
    [[other, other], 400, 'validation-failed'],
    [[other, '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003'], 400, 'validation-failed'],
    [['not-a-uuid'], 400, 'validation-failed'],
    ['x', 400, 'validation-failed'],
  ]
  for (const [alternates, status, code] of cases) {
    const res = await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: a.id, ...REQUEST, alternates } })
    t.same([res.status, res.body.code], [status, code], JSON.stringify(alternates))
  }
  t.equal((await db.selectFrom('engagements').select('id').execute()).length, 0, 'nothing was created')
  t.equal(await openOf(db, a.id), 0)
})

t.test('two requests passing on at once for one last slot: one moves, the other hears that none could take it', { skip: !usingServer && 'needs PostgreSQL' }, async (t) => {
  const { app, db } = await build(t)
  const a1 = await activeAmbassador(app, 'ALT-P')
  const a2 = await activeAmbassador(app, 'ALT-Q')
  const b = await activeAmbassador(app, 'ALT-R')
  await sql`UPDATE ambassadors SET capacity = 1 WHERE id = ${b.id}`.execute(db)
  const m1 = as('ALT-M7', 'manager')
  const m2 = as('ALT-M8', 'manager')
  const e1 = await request(app, m1, a1.id, [b.id])
  const e2 = await request(app, m2, a2.id, [b.id])
  const answers = await Promise.all([
    call(app, { method: 'POST', url: `/v1/engagements/${e1}/decline`, as: a1.me, body: { reason: 'capacity' } }),
    call(app, { method: 'POST', url: `/v1/engagements/${e2}/decline`, as: a2.me, body: { reason: 'capacity' } }),
  ])
  t.same(answers.map((r) => r.status), [200, 200])
  const got = [...await kinds(app, m1), ...await kinds(app, m2)].sort()
  t.same(got, ['request_moved', 'request_not_placed'])
  t.equal(await openOf(db, b.id), 1, 'B holds exactly one')
  const toB = await db.selectFrom('engagements').select('id').where('ambassadorId', '=', b.id).where('status', '=', 'requested').execute()
  t.equal(toB.length, 1)
})
