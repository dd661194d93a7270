// #13 bug "a silent side effect inside a check": expireOverdueRequests ran inside the checks of
// engagement.create and engagement.purge, so manager 1 purging their own expired request (or
// requesting the same Ambassador again) silently expired manager 2's overdue request: no
// engagement_expired for manager 2, no audit event, and the sweep later found nothing to do.
// Now only the request-expiry job expires requests: as a system actor, under the Ambassador row
// lock, telling the manager, audited in the job's name; an overdue request holds no slot before.
import { sql } from 'kysely'
import t, { type Test } from 'tap'
import type { App } from '../../src/app.ts'
import type { Db } from '../../src/db/database.ts'
import { expireRequests } from '../../src/jobs/request-expiry.ts'
import { activeAmbassador, as, build, call, usingServer } from '../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['phone'], urgency: 'routine', topics: ['return_to_work'], aboutMyEmployee: true }
const M1 = as('M13X1', 'manager')
const M2 = as('M13X2', 'manager')

async function request(app: App, m: ReturnType<typeof as>, ambassadorId: string) {
  const res = await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId, ...REQUEST } })
  if (res.status !== 201) throw new Error(`request: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.id as string
}

const overdue = (db: Db, ids: string[]) =>
  sql`UPDATE engagements SET requested_at = now() - interval '6 days', expires_at = now() - interval '1 day' WHERE id = ANY(${ids}::uuid[])`.execute(db)
const rawStatus = async (db: Db, id: string) => (await db.selectFrom('engagements').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status
const kinds = async (app: App, m: ReturnType<typeof as>) =>
  (await call(app, { url: '/v1/me/notifications', as: m })).body.items.map((n: any) => n.kind) as string[]
const jobEvents = (db: Db) =>
  sql<{ role: string; actorRef: string; action: string; resourceId: string | null; engagementId: string | null }>`
    SELECT role, actor_ref, action, resource_id, engagement_id FROM audit_events WHERE role = 'system' ORDER BY chain_id, seq`.execute(db).then((r) => r.rows)

async function scenario(t: Test, swept: number, nextStep: (app: App, ambassadorId: string, mine: string) => Promise<void>) {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'A13X', { capacity: 2 })
  const mine = await request(app, M1, amb.id)
  const theirs = await request(app, M2, amb.id)
  await overdue(db, [mine, theirs])

  await nextStep(app, amb.id, mine)

  t.equal(await rawStatus(db, theirs), 'requested', 'manager 2’s request was not written by manager 1’s action')
  t.equal((await call(app, { url: `/v1/engagements/${theirs}`, as: M2 })).body.status, 'expired', 'it reads as expired all the same (ENG-11, at query time)')
  t.same(await kinds(app, M2), [], 'manager 2 was not told yet: nothing expired it')
  t.same(await jobEvents(db), [], 'no system event yet')

  t.equal(await expireRequests(db), swept, 'the sweep finds manager 2’s request to expire')
  t.equal(await rawStatus(db, theirs), 'expired')
  t.same(await kinds(app, M2), ['engagement_expired'], 'manager 2 is told by the sweep')
  const events = await jobEvents(db)
  t.equal(events.length, 1, 'one audit event for the sweep’s work')
  t.match(events[0], { role: 'system', actorRef: 'system:request-expiry', action: 'job.expire-requests', resourceId: amb.id, engagementId: null })
  t.equal(await expireRequests(db), 0, 'a second sweep has nothing to do')
  t.equal((await jobEvents(db)).length, 1, 'and leaves no event')
  t.notOk(JSON.stringify((await sql`SELECT actor_ref, role, action, resource_id FROM audit_events`.execute(db)).rows).includes('M13X'), 'no manager id in the audit trail')
  const slot = await db.selectFrom('ambassadors').select('openEngagements').where('id', '=', amb.id).executeTakeFirstOrThrow()
  return slot.openEngagements
}

t.test('manager 1 purging their expired request does not expire manager 2’s', async (t) => {
  const open = await scenario(t, 1, async (app, _amb, mine) => {
    t.equal((await call(app, { method: 'DELETE', url: `/v1/engagements/${mine}`, as: M1 })).status, 204, 'manager 1 purges their own expired request')
  })
  t.equal(open, 0, 'both slots are free in the end')
})

t.test('manager 1 requesting the same Ambassador again does not expire manager 2’s request', async (t) => {
  const open = await scenario(t, 1, async (app, ambassadorId, mine) => {
    // Capacity 2, two overdue requests: neither holds a slot, so two new requests fit (ENG-2, ENG-11).
    // Manager 1's own overdue request ends in their request's write (the pair's unique index),
    // and they are told; manager 2's is not touched.
    await request(app, M1, ambassadorId)
    t.same(await kinds(app, M1), ['engagement_expired'], 'manager 1 is told their old request expired')
    t.equal((await call(app, { url: `/v1/engagements/${mine}`, as: M1 })).body.status, 'expired')
    await request(app, as('M13X4', 'manager'), ambassadorId)
    const full = await call(app, { method: 'POST', url: '/v1/engagements', as: as('M13X5', 'manager'), body: { ambassadorId, ...REQUEST } })
    t.same([full.status, full.body.code], [409, 'ambassador-unavailable'], 'the two live requests fill the capacity of 2')
  })
  t.equal(open, 2, 'the two live requests hold the two slots')
})

t.test('the sweep waits for the Ambassador row lock; it skips the Ambassador while a request holds it', { skip: !usingServer && 'needs a second connection (PostgreSQL)' }, async (t) => {
  const { app, db } = await build(t, { poolMax: 4 })
  const amb = await activeAmbassador(app, 'A13Y', { capacity: 2 })
  const theirs = await request(app, M2, amb.id)
  await overdue(db, [theirs])
  await db.transaction().execute(async (trx) => {
    await sql`SELECT id FROM ambassadors WHERE id = ${amb.id} FOR UPDATE`.execute(trx)
    t.equal(await expireRequests(db), 0, 'the locked Ambassador is skipped this round')
  })
  t.equal(await rawStatus(db, theirs), 'requested')
  t.equal(await expireRequests(db), 1, 'and handled on the next one')
})
