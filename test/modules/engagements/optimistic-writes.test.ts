// #18: an engagement request and its withdrawal are two autocommit statements each (a read of the
// facts, the policy in TypeScript, one guarded write: src/modules/engagements/README.md), with every
// rule of the transactional path: the audit event in the write (the manager's pseudonym scoped to
// the engagement), the Ambassador's notification, the duplicate, capacity, conflicts (COI-4), the
// waitlist (#16), Idempotency-Keys. The races run on PostgreSQL, the guard failing on purpose
// (a side connection holds or moves what the write re-checks, between its read and its write).
import { sql } from 'kysely'
import t from 'tap'
import type { Db } from '../../../src/db/database.ts'
import { optimisticSeam } from '../../../src/modules/engagements/service.ts'
import { managerPseudonym } from '../../../src/policy/audit.ts'
import { NMNO, activeAmbassador, as, build, call, usingServer } from '../../helper.ts'

const REQUEST = { language: 'fr', preferredModes: ['phone'], urgency: 'routine', topics: ['return_to_work'], aboutMyEmployee: true }

/** Every statement sent while fn runs: each query through Kysely, and BEGIN + COMMIT per transaction. */
async function statements(db: Db, fn: () => Promise<unknown>): Promise<string[]> {
  const executor = (db as any).getExecutor()
  let base = Object.getPrototypeOf(executor)
  while (base && !Object.prototype.hasOwnProperty.call(base, 'executeQuery')) base = Object.getPrototypeOf(base)
  const builder = Object.getPrototypeOf(db.transaction())
  const seen: string[] = []
  const query = base.executeQuery
  const execute = builder.execute
  base.executeQuery = function (q: { sql: string }, ...rest: unknown[]) { seen.push(q.sql); return query.call(this, q, ...rest) }
  builder.execute = async function (...args: unknown[]) {
    seen.push('BEGIN')
    try { return await execute.apply(this, args) } finally { seen.push('COMMIT') }
  }
  try { await fn() } finally { base.executeQuery = query; builder.execute = execute }
  return seen
}

const request = (app: any, who: any, ambassadorId: string, headers?: Record<string, string>, acceptTerms?: boolean) =>
  call(app, { method: 'POST', url: '/v1/engagements', as: who, body: { ambassadorId, ...REQUEST }, headers, acceptTerms })
const withdraw = (app: any, who: any, id: string, headers?: Record<string, string>) =>
  call(app, { method: 'POST', url: `/v1/engagements/${id}/withdraw`, as: who, body: {}, headers })

const eventsOf = (db: Db, id: string) => db.selectFrom('auditEvents').select(['action', 'actorRef', 'role', 'outcome', 'resourceId'])
  .where('engagementId', '=', id).orderBy('at').orderBy('seq').execute()

t.afterEach(() => { delete optimisticSeam.between })

t.test('a request and a withdrawal: two statements each, no transaction, every effect of the transactional path', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'OW01')
  const m = as('OWM1', 'manager')
  await request(app, m, (await activeAmbassador(app, 'OW02')).id) // terms accepted, caches warm
  let res: any
  const sent = await statements(db, async () => { res = await request(app, m, amb.id, undefined, false) })
  t.equal(res.status, 201)
  t.equal(sent.length, 2, `two statements (${sent.map((q) => q.slice(0, 30).replace(/\s+/g, ' ')).join(' | ')})`)
  t.notOk(sent.includes('BEGIN'), 'no transaction')
  t.match(res.body, { view: 'manager', status: 'requested', ambassador: { id: amb.id, displayName: 'Ambassador OW01' }, version: 1, surveyToken: null })
  t.equal(res.headers.location, `/v1/engagements/${res.body.id}`)
  const id = res.body.id
  t.same(await eventsOf(db, id), [{ action: 'engagement.create', actorRef: managerPseudonym('OWM1', id), role: 'manager', outcome: 'success', resourceId: id }], 'the event, the pseudonym scoped to the engagement (AUD-1)')
  const note = await db.selectFrom('notifications').select(['kind', 'subjectId']).where('recipientRef', '=', 'OW01').where('kind', '=', 'engagement_requested').execute()
  t.same(note, [{ kind: 'engagement_requested', subjectId: id }], 'the Ambassador is told')
  t.equal((await db.selectFrom('engagementKeys').select('engagementId').where('engagementId', '=', id).execute()).length, 1, 'its data key')
  t.equal((await call(app, { url: `/v1/ambassadors/${amb.id}`, as: NMNO })).body.openEngagements, 1, 'the slot')
  const read = await call(app, { url: `/v1/engagements/${id}`, as: m })
  t.same(res.body, read.body, 'the answer is the manager’s view, as a read gives it')

  // The directory's validator does not move on a request (CONF-5): the Ambassador still has room.
  const before = await call(app, { url: '/v1/ambassadors', as: m })
  await request(app, as('OWM9', 'manager'), amb.id)
  t.equal((await call(app, { url: '/v1/ambassadors', as: m, headers: { 'if-none-match': before.headers.etag as string } })).status, 304)

  // Denials answer as before, each with its denied event.
  t.equal((await request(app, m, amb.id)).body.code, 'duplicate-engagement')
  t.equal((await request(app, as('OW01', 'manager'), amb.id)).body.code, 'self-engagement')
  t.equal((await call(app, { method: 'POST', url: '/v1/engagements', as: as('OWM2', 'manager'), acceptTerms: false, body: { ambassadorId: amb.id, ...REQUEST } })).body.code, 'terms-not-accepted')
  const denied = await db.selectFrom('auditEvents').select(['action', 'outcome']).where('outcome', '=', 'denied').where('action', '=', 'engagement.create').execute()
  t.equal(denied.length, 3)

  // The withdrawal.
  let w: any
  const sentW = await statements(db, async () => { w = await withdraw(app, m, id, { 'if-match': res.headers.etag as string }) })
  t.equal(w.status, 200)
  t.equal(sentW.length, 2, `two statements (${sentW.map((q) => q.slice(0, 30).replace(/\s+/g, ' ')).join(' | ')})`)
  t.match(w.body, { view: 'manager', id, status: 'withdrawn', version: 2 })
  const after = await call(app, { url: `/v1/engagements/${id}`, as: m })
  t.same(w.body, after.body, 'the manager’s view, from the write')
  t.equal(w.headers.etag, after.headers.etag)
  t.match((await eventsOf(db, id)).map((e) => [e.action, e.actorRef, e.outcome]), [
    ['engagement.create', managerPseudonym('OWM1', id), 'success'], ['engagement.read', managerPseudonym('OWM1', id), 'success'],
    ['engagement.withdraw', managerPseudonym('OWM1', id), 'success'], ['engagement.read', managerPseudonym('OWM1', id), 'success'],
  ])
  t.equal((await call(app, { url: `/v1/ambassadors/${amb.id}`, as: NMNO })).body.openEngagements, 1, 'the slot freed (one other request left)')
  // Refusals: a stale If-Match, a second withdrawal, someone else's engagement (404, as if absent).
  t.equal((await withdraw(app, m, id, { 'if-match': res.headers.etag as string })).status, 412)
  t.equal((await withdraw(app, m, id)).body.code, 'invalid-transition')
  t.equal((await withdraw(app, as('OWM3', 'manager'), id)).status, 404)
  const deniedW = await db.selectFrom('auditEvents').select(['actorRef']).where('outcome', '=', 'denied').where('action', '=', 'engagement.withdraw').execute()
  t.equal(deniedW.length, 3, 'each refusal has its denied event')
  t.ok(deniedW.every((e) => e.actorRef?.startsWith('p-')), 'pseudonyms only')
})

t.test('an Idempotency-Key: the transactional path, replayed as before', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'OW10')
  const m = as('OWM10', 'manager')
  let first: any
  const sent = await statements(db, async () => { first = await request(app, m, amb.id, { 'idempotency-key': 'ow-key-1' }) })
  t.equal(first.status, 201)
  t.ok(sent.includes('BEGIN'), 'the held commit needs the transaction')
  const again = await request(app, m, amb.id, { 'idempotency-key': 'ow-key-1' })
  t.equal(again.status, 201)
  t.same(again.body, first.body)
  t.equal((await db.selectFrom('engagements').select('id').where('managerRef', '=', 'OWM10').execute()).length, 1)
  const w = await withdraw(app, m, first.body.id, { 'idempotency-key': 'ow-key-2' })
  t.equal(w.status, 200)
  t.same((await withdraw(app, m, first.body.id, { 'idempotency-key': 'ow-key-2' })).body, w.body)
})

t.test('someone waits on the waitlist: the withdrawal takes the transactional path and the slot is offered (#16)', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'OW20', { capacity: 1, languages: ['fr'], modes: ['phone'], topics: ['return_to_work'] })
  const m = as('OWM20', 'manager')
  const r = await request(app, m, amb.id)
  t.equal(r.status, 201)
  const waiter = as('OWM21', 'manager')
  const joined = await call(app, { method: 'POST', url: '/v1/waitlist', as: waiter, body: { language: 'fr', modes: ['phone'], topics: ['return_to_work'], urgency: 'routine', aboutMyEmployee: true } })
  t.equal(joined.status, 201, JSON.stringify(joined.body))
  let w: any
  const sent = await statements(db, async () => { w = await withdraw(app, m, r.body.id) })
  t.equal(w.status, 200)
  t.ok(sent.includes('BEGIN'), 'in a transaction')
  const entry = await db.selectFrom('waitlistEntries').select(['status', 'offerAmbassadorId']).where('managerRef', '=', 'OWM21').executeTakeFirst()
  t.same(entry, { status: 'offered', offerAmbassadorId: amb.id }, 'the freed slot is offered in the same write')
})

const server = { skip: !usingServer && 'needs a PostgreSQL server (TEST_DATABASE_URL)' }

/** A side transaction on its own connection: `work` runs in it; it commits when `until` resolves. */
function sideTransaction(db: Db, work: (conn: any) => Promise<unknown>, until: Promise<unknown>) {
  let started!: () => void
  const ready = new Promise<void>((r) => { started = r })
  // Without the app's plugins: this runs inside the request's scope (the seam), as another client would.
  const done = db.withoutPlugins().connection().execute(async (conn) => {
    await sql`BEGIN`.execute(conn)
    await work(conn)
    started()
    await until
    await sql`COMMIT`.execute(conn)
  })
  return { ready, done }
}

/** Resolves once some backend waits on a lock while running a statement that matches `like`. */
async function someoneWaits(db: Db, like: string) {
  for (let i = 0; i < 500; i++) {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE ${like}`.execute(db)
    if (r.rows[0].n > 0) return
    await new Promise((res) => setTimeout(res, 10))
  }
  throw new Error('nobody waited')
}

t.test('racing for the last slots: exactly the capacity is taken (ENG-2)', server, async (t) => {
  const { app } = await build(t, { poolMax: 20 })
  const amb = await activeAmbassador(app, 'OW30', { capacity: 3 })
  const results = await Promise.all(Array.from({ length: 16 }, (_, i) => request(app, as(`OWR${i}`, 'manager'), amb.id)))
  t.equal(results.filter((r) => r.status === 201).length, 3)
  t.ok(results.filter((r) => r.status !== 201).every((r) => r.status === 409 && r.body.code === 'ambassador-unavailable'))
  t.equal((await call(app, { url: `/v1/ambassadors/${amb.id}`, as: NMNO })).body.openEngagements, 3)
})

t.test('a declaration in flight while the request writes: the write waits, finds the version moved, reads again and is refused (COI-4)', server, async (t) => {
  const { app, db } = await build(t, { poolMax: 20 })
  const amb = await activeAmbassador(app, 'OW40')
  let release!: () => void
  const until = new Promise<void>((r) => { release = r })
  let side: ReturnType<typeof sideTransaction> | undefined
  optimisticSeam.between = async (what, attempt) => {
    if (what !== 'request' || attempt !== 1) return
    // The declaration is written, its transaction not committed: conflict_versions is held.
    side = sideTransaction(db, (conn) => sql`INSERT INTO conflict_declarations (ambassador_id, employee_ref, kind, declarer_ref, declarer_role)
      VALUES (${amb.id}, 'OWM40', 'close_friend', 'OWM40', 'manager')`.execute(conn), until)
    await side.ready
  }
  const pending = request(app, as('OWM40', 'manager'), amb.id)
  await someoneWaits(db, '%conflict_versions%')
  release()
  const res = await pending
  await side!.done
  t.equal(res.status, 409)
  t.equal(res.body.code, 'conflict-of-interest')
  t.equal((await db.selectFrom('engagements').select('id').where('managerRef', '=', 'OWM40').execute()).length, 0, 'nothing was created')
  t.equal((await call(app, { url: `/v1/ambassadors/${amb.id}`, as: NMNO })).body.openEngagements, 0)
})

t.test('declarations racing requests: no engagement the declaration did not mark (COI-4)', server, async (t) => {
  const { app, db } = await build(t, { poolMax: 20 })
  const pairs = await Promise.all(Array.from({ length: 6 }, (_, i) => activeAmbassador(app, `OW5${i}`)))
  await Promise.all(pairs.map((a, i) => Promise.all([
    request(app, as(`OWM5${i}`, 'manager'), a.id),
    call(app, { method: 'POST', url: '/v1/conflict-declarations', as: as(`OWM5${i}`, 'manager'), body: { ambassadorId: a.id, employeeRef: `OWM5${i}`, kind: 'close_friend' } }),
  ])))
  const open = await db.selectFrom('engagements').select(['managerRef', 'status']).where('managerRef', 'like', 'OWM5%')
    .where('status', 'in', ['requested', 'accepted', 'active']).execute()
  t.same(open, [], 'every engagement made is marked transfer_required')
  // A declaration that frees a slot of the Ambassador (its declarer's engagement moves) while another
  // manager requests them: the two take the conflict version, then the Ambassador row, in one order.
  const firsts = await Promise.all(pairs.map((a, i) => request(app, as(`OWX5${i}`, 'manager'), a.id)))
  t.ok(firsts.every((r) => r.status === 201))
  const raced = await Promise.all(pairs.flatMap((a, i) => [
    request(app, as(`OWY5${i}`, 'manager'), a.id),
    call(app, { method: 'POST', url: '/v1/conflict-declarations', as: as(`OWX5${i}`, 'manager'), body: { ambassadorId: a.id, employeeRef: `OWX5${i}`, kind: 'close_friend' } }),
  ]))
  t.same(raced.map((r) => r.status), pairs.flatMap(() => [201, 201]), 'both succeed, nothing fails')
  const moved = await db.selectFrom('engagements').select('status').where('managerRef', 'like', 'OWX5%').execute()
  t.ok(moved.every((e) => e.status === 'transfer_required'), 'the declarers’ engagements are moved (COI-4)')
  for (const a of pairs) t.equal((await call(app, { url: `/v1/ambassadors/${a.id}`, as: NMNO })).body.openEngagements, 1, 'one slot: the new request')
})

t.test('the Ambassador row moves between the read and the write: read again, then the transactional path', async (t) => {
  const { app, db } = await build(t, { poolMax: 20 })
  const amb = await activeAmbassador(app, 'OW60')
  const attempts: number[] = []
  optimisticSeam.between = async (what, attempt) => {
    attempts.push(attempt)
    await sql`UPDATE ambassadors SET stamp = stamp WHERE id = ${amb.id}`.execute(db.withoutPlugins()) // what any write to the row does
  }
  let res: any
  const sent = await statements(db, async () => { res = await request(app, as('OWM60', 'manager'), amb.id) })
  t.equal(res.status, 201)
  t.same(attempts, [1, 2], 'two optimistic attempts')
  t.ok(sent.includes('BEGIN'), 'then the transaction')
  t.equal((await eventsOf(db, res.body.id)).filter((e) => e.action === 'engagement.create').length, 1, 'one event')
  t.equal((await call(app, { url: `/v1/ambassadors/${amb.id}`, as: NMNO })).body.openEngagements, 1, 'one slot')
  // One retry suffices when the row moved once.
  attempts.length = 0
  let once = false
  optimisticSeam.between = async (_what, attempt) => {
    attempts.push(attempt)
    if (!once) { once = true; await sql`UPDATE ambassadors SET stamp = stamp WHERE id = ${amb.id}`.execute(db.withoutPlugins()) }
  }
  const sent2 = await statements(db, async () => { res = await withdraw(app, as('OWM60', 'manager'), res.body.id) })
  t.equal(res.status, 200)
  t.same(attempts, [1], 'the withdrawal does not read the Ambassador’s stamp')
  t.notOk(sent2.includes('BEGIN'))
})

t.test('a withdrawal racing another write on the same engagement', server, async (t) => {
  const { app, db } = await build(t, { poolMax: 20 })
  const amb = await activeAmbassador(app, 'OW70')
  const m = as('OWM70', 'manager')
  const r = await request(app, m, amb.id)
  // The Ambassador accepts while the withdrawal is between its read and its write: the version moved.
  optimisticSeam.between = async (what, attempt) => {
    if (what === 'withdrawal' && attempt === 1) t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${r.body.id}/accept`, as: amb.me, body: {} })).status, 200)
  }
  const w = await withdraw(app, m, r.body.id)
  t.equal(w.status, 200)
  t.match(w.body, { status: 'withdrawn', respondedAt: String, version: 3 }, 'withdrawn after the acceptance, read again')
  delete optimisticSeam.between
  // Two withdrawals at once: one withdraws, the other is told it is withdrawn already.
  const r2 = await request(app, m, amb.id)
  const both = await Promise.all([withdraw(app, m, r2.body.id), withdraw(app, m, r2.body.id)])
  t.same(both.map((x) => x.status).sort(), [200, 409])
  t.equal((await call(app, { url: `/v1/ambassadors/${amb.id}`, as: NMNO })).body.openEngagements, 0, 'one slot freed, once')
  t.equal((await db.selectFrom('auditEvents').select('id').where('action', '=', 'engagement.withdraw').where('outcome', '=', 'success').execute()).length, 2)
})

t.test('a manager joins the waitlist while a withdrawal writes: the withdrawal waits, reads again, and the slot is offered (#16)', server, async (t) => {
  const { app, db } = await build(t, { poolMax: 20 })
  const amb = await activeAmbassador(app, 'OW80', { capacity: 1, languages: ['fr'], modes: ['phone'], topics: ['return_to_work'] })
  const m = as('OWM80', 'manager')
  const r = await request(app, m, amb.id)
  let release!: () => void
  const until = new Promise<void>((res) => { release = res })
  let side: ReturnType<typeof sideTransaction> | undefined
  const attempts: number[] = []
  optimisticSeam.between = async (what, attempt) => {
    attempts.push(attempt)
    if (what !== 'withdrawal' || attempt !== 1) return
    // A join in flight: it moved the waitlist's version (lockWaitlist) and added its entry, uncommitted.
    side = sideTransaction(db, async (conn) => {
      await sql`UPDATE waitlist_versions SET version = version + 1 WHERE id = 1`.execute(conn)
      await sql`INSERT INTO waitlist_entries (manager_ref, language, modes, topics, urgency) VALUES ('OWM81', 'fr', '{phone}', '{return_to_work}', 'routine')`.execute(conn)
    }, until)
    await side.ready
  }
  const pending = withdraw(app, m, r.body.id)
  await someoneWaits(db, '%waitlist_versions%')
  release()
  const w = await pending
  await side!.done
  t.equal(w.status, 200)
  t.same(attempts, [1], 'one optimistic attempt, then the transaction (someone waits)')
  const entry = await db.selectFrom('waitlistEntries').select(['status', 'offerAmbassadorId']).where('managerRef', '=', 'OWM81').executeTakeFirst()
  t.same(entry, { status: 'offered', offerAmbassadorId: amb.id }, 'the freed slot is offered')
})
