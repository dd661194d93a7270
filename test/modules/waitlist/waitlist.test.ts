// #16 item 2: the waitlist. A manager joins only when no fitting Ambassador has room; when a
// fitting slot opens, the first waiting manager (urgent first, then first come) is offered it for
// 48 h, the slot held for them; accepting makes the request (every ENG-2 rule); an unaccepted offer
// lapses and passes on. The Ambassador learns nothing until the request exists; nmno sees counts.
import { sql } from 'kysely'
import t from 'tap'
import type { App } from '../../../src/app.ts'
import type { Db } from '../../../src/db/database.ts'
import { offerWaitlistSlots } from '../../../src/jobs/waitlist-offers.ts'
import { GOVERNANCE, HR, ISERVICE, NMNO, acceptTermsFor, activeAmbassador, as, build, call, usingServer, type Principal } from '../../helper.ts'

const WANT = { language: 'en', modes: ['phone'], topics: ['return_to_work'], urgency: 'routine', aboutMyEmployee: true }
const REQUEST = { language: 'en', preferredModes: ['phone'], urgency: 'routine', topics: ['return_to_work'], aboutMyEmployee: true }

const join = (app: App, m: Principal, body: Record<string, unknown> = {}) => call(app, { method: 'POST', url: '/v1/waitlist', as: m, body: { ...WANT, ...body } })
const mine = async (app: App, m: Principal) => (await call(app, { url: '/v1/waitlist', as: m })).body.items as any[]
const kinds = async (app: App, p: Principal) => ((await call(app, { url: '/v1/me/notifications', as: p })).body.items as any[]).map((n) => n.kind).sort()

/** A full Ambassador (capacity 1, one request by a filler manager); `open()` withdraws that request: the slot opens. */
async function fullAmbassador(app: App, db: Db, sub: string, profile: Record<string, unknown> = {}) {
  const amb = await activeAmbassador(app, sub, profile)
  await sql`UPDATE ambassadors SET capacity = 1 WHERE id = ${amb.id}`.execute(db)
  const filler = as(`${sub}-filler`, 'manager')
  const req = await call(app, { method: 'POST', url: '/v1/engagements', as: filler, body: { ambassadorId: amb.id, ...REQUEST } })
  if (req.status !== 201) throw new Error(`fill: ${req.status} ${JSON.stringify(req.body)}`)
  const open = () => call(app, { method: 'POST', url: `/v1/engagements/${req.body.id}/withdraw`, as: filler, body: {} })
  return { ...amb, open }
}

t.test('joining: only when no fitting Ambassador has room, once; refusals change nothing', async (t) => {
  const { app, db } = await build(t)
  const a = await fullAmbassador(app, db, 'W-A')
  const m = as('W-M1', 'manager')
  // A fitting Ambassador with room: request them instead.
  const free = await activeAmbassador(app, 'W-B')
  const refused = await join(app, m)
  t.same([refused.status, refused.body.code], [409, 'ambassador-available'])
  t.same(await mine(app, m), [])
  // Room that does not fit (French only), or that the manager cannot use (in conflict), does not count.
  await sql`UPDATE ambassadors SET languages = '{fr}' WHERE id = ${free.id}`.execute(db)
  const c = await activeAmbassador(app, 'W-C')
  t.equal((await call(app, { method: 'POST', url: '/v1/conflict-declarations', as: m, body: { ambassadorId: c.id, employeeRef: 'W-M1', kind: 'other' } })).status, 201)
  const joined = await join(app, m)
  t.equal(joined.status, 201)
  t.match(joined.body, { language: 'en', modes: ['phone'], topics: ['return_to_work'], urgency: 'routine', status: 'waiting', offer: null })
  t.equal(joined.headers['cache-control'], 'no-store')
  t.same((await mine(app, m)).map((e) => e.id), [joined.body.id])
  t.same([(await join(app, m)).status, (await join(app, m)).body.code], [409, 'already-exists'], 'once')
  t.same([(await join(app, as('W-M2', 'manager'), { aboutMyEmployee: false })).status], [422], 'not for a manager’s own challenges (ENG-1)')
  for (const bad of [{ language: 'de' }, { modes: [] }, { topics: ['a', 'b'] }, { topics: ['crisis', 'team_impact', 'accommodation', 'grief_and_loss', 'substance_use', 'return_to_work'] }, { urgency: 'now' }, { extra: 1 }]) {
    const res = await join(app, as('W-M2', 'manager'), bad)
    t.same([res.status, res.body.code], [400, 'validation-failed'], JSON.stringify(bad))
  }
  for (const who of [NMNO, GOVERNANCE, HR, ISERVICE]) {
    t.equal((await join(app, who)).status, 403)
    t.equal((await call(app, { url: '/v1/waitlist', as: who })).status, 403)
  }
  // Another manager can neither withdraw nor accept on that entry.
  const other = as('W-M3', 'manager')
  t.equal((await call(app, { method: 'DELETE', url: `/v1/waitlist/${joined.body.id}`, as: other })).status, 404)
  t.equal((await call(app, { method: 'POST', url: `/v1/waitlist/${joined.body.id}/accept-offer`, as: other, body: {} })).status, 404)
  t.same(await mine(app, other), [])
  t.equal((await call(app, { method: 'POST', url: `/v1/waitlist/${joined.body.id}/accept-offer`, as: m, body: {} })).body.code, 'invalid-transition', 'no offer yet')
  t.equal(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM waitlist_entries`.execute(db)).rows[0].n), 1)
  void a
})

t.test('a slot that opens goes to the first waiting manager (urgent first), held for them; accepting makes the request', async (t) => {
  const { app, db } = await build(t)
  const a = await fullAmbassador(app, db, 'W-D')
  const first = as('W-M4', 'manager')
  const urgent = as('W-M5', 'manager')
  const third = as('W-M6', 'manager')
  t.equal((await join(app, first)).status, 201)
  t.equal((await join(app, urgent, { urgency: 'urgent' })).status, 201)
  t.equal((await join(app, third)).status, 201)
  const ambassadorBefore = await kinds(app, a.me)

  t.equal((await a.open()).status, 200, 'the filler withdraws: a slot opens')
  const offered = await mine(app, urgent)
  t.match(offered, [{ status: 'offered', offer: { ambassador: { id: a.id, displayName: 'Ambassador W-D' } } }], 'the urgent entry is offered the slot')
  t.ok(Math.abs(new Date(offered[0].offer.expiresAt).getTime() - Date.now() - 48 * 3600_000) < 60_000, 'for 48 h')
  t.same(await kinds(app, urgent), ['waitlist_offer'])
  t.match((await call(app, { url: '/v1/me/tasks', as: urgent })).body.items, [{ kind: 'waitlist_offer', subjectId: offered[0].id, urgent: true }], 'and it is on their task list')
  t.match(await mine(app, first), [{ status: 'waiting', offer: null }])
  t.same(await kinds(app, a.me), ambassadorBefore, 'the Ambassador learns nothing')
  // The slot is held: a direct request is refused, the suggestions do not list the Ambassador.
  const direct = await call(app, { method: 'POST', url: '/v1/engagements', as: as('W-M7', 'manager'), body: { ambassadorId: a.id, ...REQUEST } })
  t.same([direct.status, direct.body.code], [409, 'ambassador-unavailable'])
  t.same((await call(app, { url: '/v1/ambassadors/suggestions', as: as('W-M7', 'manager') })).body.items, [])
  t.equal((await call(app, { method: 'POST', url: `/v1/waitlist/${offered[0].id}/accept-offer`, as: first, body: {} })).status, 404, 'not the first manager’s to accept')

  const early = await call(app, { method: 'POST', url: `/v1/waitlist/${offered[0].id}/accept-offer`, as: urgent, body: {} })
  t.same([early.status, early.body.code], [422, 'terms-not-accepted'], 'a request needs the network’s terms accepted (#14), as any')
  await acceptTermsFor(db, 'W-M5')
  const accepted = await call(app, { method: 'POST', url: `/v1/waitlist/${offered[0].id}/accept-offer`, as: urgent, body: {} })
  t.equal(accepted.status, 201)
  t.match(accepted.body, { view: 'manager', status: 'requested', ambassador: { id: a.id }, urgency: 'urgent', topics: ['return_to_work'] })
  t.same(await mine(app, urgent), [], 'the entry ended')
  t.equal(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM waitlist_entries WHERE manager_ref = 'W-M5'`.execute(db)).rows[0].n), 0, 'and no row keeps it')
  t.ok((await kinds(app, a.me)).includes('engagement_requested'), 'the Ambassador hears of the request, as of any')
  t.match((await call(app, { url: `/v1/engagements/${accepted.body.id}`, as: a.me })).body, { managerRef: 'W-M5', status: 'requested' })
  t.equal((await call(app, { method: 'POST', url: `/v1/waitlist/${offered[0].id}/accept-offer`, as: urgent, body: {} })).status, 404, 'once')
  const events = (await sql<{ action: string; role: string; actorRef: string }>`SELECT action, role, actor_ref FROM audit_events WHERE action LIKE 'waitlist.%' OR action = 'engagement.accept-offer' ORDER BY at, seq`.execute(db)).rows
  t.match(events.find((e) => e.action === 'waitlist.offer'), { role: 'system', actorRef: 'system:waitlist-offers' })
  t.ok(events.filter((e) => e.role === 'manager').every((e) => /^p-[0-9a-f]{32}$/.test(e.actorRef)), 'the manager only as a pseudonym')
  t.notMatch(JSON.stringify(events), /W-M/)
})

t.test('withdrawing an offered entry, or letting the offer lapse, passes the slot on', async (t) => {
  const { app, db } = await build(t)
  const a = await fullAmbassador(app, db, 'W-E')
  const [m1, m2, m3] = [as('W-M8', 'manager'), as('W-M9', 'manager'), as('W-M10', 'manager')]
  for (const m of [m1, m2, m3]) t.equal((await join(app, m)).status, 201)
  await a.open()
  const e1 = (await mine(app, m1))[0]
  t.equal(e1.status, 'offered')
  t.equal((await call(app, { method: 'DELETE', url: `/v1/waitlist/${e1.id}`, as: m1 })).status, 204)
  t.same(await mine(app, m1), [])
  const e2 = (await mine(app, m2))[0]
  t.match(e2, { status: 'offered', offer: { ambassador: { id: a.id } } }, 'the next one is offered it')
  // m2 lets it lapse: at once it reads as lapsed and cannot be accepted; the job ends it and offers on.
  await sql`UPDATE waitlist_entries SET offer_expires_at = now() - interval '1 minute' WHERE id = ${e2.id}`.execute(db)
  t.match(await mine(app, m2), [{ status: 'lapsed', offer: null }])
  t.same((await call(app, { method: 'POST', url: `/v1/waitlist/${e2.id}/accept-offer`, as: m2, body: {} })).body.code, 'invalid-transition')
  t.match(await offerWaitlistSlots(db), { lapsed: 1, offered: 1 })
  t.same(await mine(app, m2), [])
  t.ok((await kinds(app, m2)).includes('waitlist_offer_lapsed'))
  t.match(await mine(app, m3), [{ status: 'offered', offer: { ambassador: { id: a.id } } }])
  t.match(await offerWaitlistSlots(db), { lapsed: 0, offered: 0 }, 'a second run finds nothing')
})

t.test('room added (capacity raised) is offered at once; a conflicted manager is skipped', async (t) => {
  const { app, db } = await build(t)
  const a = await fullAmbassador(app, db, 'W-F')
  const [conflicted, m] = [as('W-M11', 'manager'), as('W-M12', 'manager')]
  t.equal((await join(app, conflicted)).status, 201)
  t.equal((await join(app, m)).status, 201)
  t.equal((await call(app, { method: 'POST', url: '/v1/conflict-declarations', as: a.me, body: { ambassadorId: a.id, employeeRef: 'W-M11', kind: 'family' } })).status, 201)
  t.equal((await call(app, { method: 'PATCH', url: `/v1/ambassadors/${a.id}`, as: a.me, body: { capacity: 2 } })).status, 200)
  t.match(await offerWaitlistSlots(db), { offered: 0 }, 'the edit itself offered it: nothing left for the job')
  t.match(await mine(app, conflicted), [{ status: 'waiting' }], 'never offered an Ambassador in conflict with them')
  t.match(await mine(app, m), [{ status: 'offered', offer: { ambassador: { id: a.id } } }])
})

t.test('a new Ambassador activated is offered to the waitlist; room no write offered (a direct change) is offered by the job', async (t) => {
  const { app, db } = await build(t)
  const m = as('W-M17', 'manager')
  t.equal((await join(app, m)).status, 201)
  const a = await activeAmbassador(app, 'W-J')
  t.match(await mine(app, m), [{ status: 'offered', offer: { ambassador: { id: a.id } } }], 'offered on activation')
  const m2 = as('W-M18', 'manager')
  await sql`UPDATE ambassadors SET capacity = 1 WHERE id = ${a.id}`.execute(db)
  t.equal((await join(app, m2)).status, 201, 'the one slot is held by the offer: no room')
  await sql`UPDATE ambassadors SET capacity = 2 WHERE id = ${a.id}`.execute(db)
  t.match(await offerWaitlistSlots(db), { offered: 1 })
  t.match(await mine(app, m2), [{ status: 'offered', offer: { ambassador: { id: a.id } } }])
})

t.test('nmno sees only counts of unmet demand, perturbed and suppressed', async (t) => {
  const { app, db } = await build(t, { env: { STATS_MIN_CELL: '5' } })
  // 22 waiting: 20 in English, 2 in French; 14 about a crisis, 8 about grief.
  await sql`INSERT INTO waitlist_entries (manager_ref, language, modes, topics, urgency)
    SELECT 'D-' || i, CASE WHEN i <= 20 THEN 'en' ELSE 'fr' END, '{phone}', CASE WHEN i <= 12 OR i > 20 THEN '{crisis}'::text[] ELSE '{grief_and_loss}'::text[] END, 'routine'
    FROM generate_series(1, 22) i`.execute(db)
  const res = await call(app, { url: '/v1/waitlist/demand', as: NMNO })
  t.equal(res.status, 200)
  t.equal(res.body.threshold, 5)
  const published = (cells: any[]) => cells.filter((c) => !c.suppressed).map((c) => c.count as number)
  t.ok(Math.abs(res.body.total.count - 22) <= 2, 'the total, within the perturbation')
  for (const line of [res.body.byLanguage, res.body.byTopic]) {
    t.ok(published(line).every((n) => n === 0 || n >= 5), 'no small count is published')
    t.ok(line.every((c: any) => (c.count === null) === c.suppressed))
  }
  const rest = res.body.total.count - published(res.body.byLanguage).reduce((s: number, n: number) => s + n, 0)
  t.ok(rest === 0 || rest >= 5, 'the total less the published languages gives no small count away')
  t.match(res.body.byLanguage.find((c: any) => c.language === 'fr'), { count: null, suppressed: true }, 'two French speakers: withheld')
  t.ok(Math.abs(res.body.byTopic.find((c: any) => c.topic === 'crisis').count - 14) <= 2, 'a count, within the perturbation')
  t.notMatch(JSON.stringify(res.body), /D-\d|manager|id/)
  t.equal((await call(app, { url: '/v1/waitlist/demand', as: GOVERNANCE })).status, 200)
  for (const who of [HR, ISERVICE, as('D-1', 'manager')]) t.equal((await call(app, { url: '/v1/waitlist/demand', as: who })).status, 403)
})

t.test('concurrency: two slots opening at once give two offers; one slot, one offer; a join racing an opening never waits beside room', { skip: !usingServer && 'needs PostgreSQL' }, async (t) => {
  const { app, db } = await build(t)
  const a = await fullAmbassador(app, db, 'W-G')
  const b = await fullAmbassador(app, db, 'W-H')
  const c = await fullAmbassador(app, db, 'W-I')
  const [m1, m2, m3] = [as('W-M13', 'manager'), as('W-M14', 'manager'), as('W-M15', 'manager')]
  t.equal((await join(app, m1)).status, 201)
  t.equal((await join(app, m2)).status, 201)
  t.equal((await join(app, m3)).status, 201)
  const opened = await Promise.all([a.open(), b.open()])
  t.same(opened.map((r) => r.status), [200, 200])
  const offers = (await sql<{ managerRef: string; offerAmbassadorId: string }>`SELECT manager_ref, offer_ambassador_id FROM waitlist_entries WHERE status = 'offered' ORDER BY manager_ref`.execute(db)).rows
  t.equal(offers.length, 2, 'two slots, two offers')
  t.same(offers.map((o) => o.managerRef).sort(), ['W-M13', 'W-M14'], 'to the first two, first come')
  t.same(offers.map((o) => o.offerAmbassadorId).sort(), [a.id, b.id].sort(), 'one per slot')
  // One slot (C's) opens while the last one waits and a fourth manager joins: either the join is
  // refused (it saw the room) or it waits behind m3, who gets the one offer.
  const m4 = as('W-M16', 'manager')
  const [openC, join4] = await Promise.all([c.open(), join(app, m4)])
  t.equal(openC.status, 200)
  t.ok(join4.status === 201 || join4.body.code === 'ambassador-available', `join: ${join4.status}`)
  const onC = (await sql<{ managerRef: string }>`SELECT manager_ref FROM waitlist_entries WHERE offer_ambassador_id = ${c.id} AND status = 'offered'`.execute(db)).rows
  t.same(onC.map((o) => o.managerRef), ['W-M15'], 'one slot, one offer, to the first in line')
  t.match(await offerWaitlistSlots(db), { offered: 0 }, 'no slot left unoffered')
})

t.test('the statistics count the joins (unmet demand) from de-identified facts, as every statistic', async (t) => {
  const { app, db } = await build(t, { env: { STATS_MIN_CELL: '5' } })
  // No Ambassador at all: everyone may join.
  for (let i = 0; i < 12; i++) t.equal((await join(app, as(`S-M${i}`, 'manager'), { topics: i < 10 ? ['crisis'] : [], language: i < 11 ? 'en' : 'fr' })).status, 201)
  for (const e of (await sql<{ id: string; managerRef: string }>`SELECT id, manager_ref FROM waitlist_entries`.execute(db)).rows) {
    t.equal((await call(app, { method: 'DELETE', url: `/v1/waitlist/${e.id}`, as: as(e.managerRef, 'manager') })).status, 204)
  }
  t.equal(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM waitlist_entries`.execute(db)).rows[0].n), 0, 'withdrawn entries are gone')
  t.notMatch(JSON.stringify((await sql`SELECT * FROM waitlist_facts`.execute(db)).rows), /S-M/, 'the facts name nobody')
  const res = await call(app, { url: '/v1/stats/waitlist?groupBy=language', as: HR })
  t.equal(res.status, 200)
  t.ok(Math.abs(res.body.total.count - 12) <= 2, 'the joins still count')
  t.match(res.body.cells.find((c: any) => c.language === 'fr'), { count: null, suppressed: true }, 'one French speaker: withheld')
  const topics = (await call(app, { url: '/v1/stats/waitlist?groupBy=topic', as: NMNO })).body.cells
  t.same(topics.map((c: any) => c.topic).sort(), ['crisis', 'none'])
  t.ok(topics.every((c: any) => (c.suppressed ? c.count === null : c.count === 0 || c.count >= 5)), 'no small count published (10 about a crisis, 2 naming none: both withheld)')
  const csv = await call(app, { url: '/v1/stats/waitlist?groupBy=urgency', as: GOVERNANCE, headers: { accept: 'text/csv' } })
  t.match(csv.raw.body, /^level,urgency,count,suppressed\r\n/)
  t.equal((await call(app, { url: '/v1/stats/waitlist?groupBy=mode', as: HR })).status, 400, 'not a dimension of the waitlist')
  t.equal((await call(app, { url: '/v1/stats/waitlist', as: as('S-M1', 'manager') })).status, 403)
})
