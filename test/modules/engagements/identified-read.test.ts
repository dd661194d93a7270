// #18: the identified read GET /v1/engagements/{id} in two statements (the read, which also resolves
// the Ambassador the caller acts as, and its audit event as one autocommit statement), with nothing
// weakened: each view still gets its event, committed before the answer, naming the caller as
// before (AUD-1); a 404 gets no success event (its denied one stays, AUD-1); nmno still gets only
// the de-identified view (CONF-2); the chain still verifies (AUD-2).
import { sql } from 'kysely'
import t, { type Test } from 'tap'
import { NMNO, activeAmbassador, as, build, call, countStatements, usingServer } from '../../helper.ts'

// Before any pool opens a connection (build() below).
const statements = countStatements()

const REQUEST = { language: 'en', preferredModes: ['phone'], urgency: 'routine', topics: ['crisis'], aboutMyEmployee: true }

async function scenario(t: Test) {
  const built = await build(t)
  const { app } = built
  const amb = await activeAmbassador(app, 'A601')
  const manager = as('M601', 'manager')
  const created = await call(app, { method: 'POST', url: '/v1/engagements', as: manager, body: { ambassadorId: amb.id, ...REQUEST } })
  t.equal(created.status, 201)
  return { ...built, amb, manager, e: created.body.id as string }
}

const events = async (app: any, query: string) => {
  const r = await call(app, { url: `/v1/audit/events?${query}&limit=100`, as: NMNO })
  if (r.status !== 200) throw new Error(`audit events: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body.items as any[]
}

/** The statements one call sends, and its answer. */
async function counted(app: any, url: string, who: any) {
  const before = statements()
  const r = await call(app, { url, as: who })
  return { r, n: statements() - before }
}

t.test('each view of the identified read: two statements, its own event, the caller named as before', async (t) => {
  const { app, amb, manager, e } = await scenario(t)
  const url = `/v1/engagements/${e}`
  const owner = (await events(app, `engagementId=${e}&action=engagement.create`))[0].actorRef

  for (const [who, view, role, actorRef] of [[manager, 'manager', 'manager', owner], [amb.me, 'ambassador', 'ambassador', amb.id], [NMNO, 'deidentified', 'nmno', NMNO.sub]] as const) {
    const { r, n } = await counted(app, url, who)
    t.equal(r.status, 200, `${view}: 200`)
    t.equal(r.body.view, view, `${view}: its view`)
    t.ok(n <= 2, `${view}: ${n} statements (≤ 2: the read and its audit event)`)
    // The event was committed before the answer went out: it is there as soon as the answer is.
    const mine = (await events(app, `engagementId=${e}&action=engagement.read`)).filter((x) => x.requestId === r.headers['x-request-id'])
    t.equal(mine.length, 1, `${view}: one event for the read`)
    t.match(mine[0], { role, actorRef, outcome: 'success', resourceType: 'engagement', resourceId: e, engagementId: e }, `${view}: named as before`)
  }
  const deidentified = (await call(app, { url, as: NMNO })).body
  for (const k of ['managerRef', 'ambassador', 'ambassadorId', 'requestedAt', 'topics']) t.notOk(k in deidentified, `nmno never sees ${k}`)
  t.same((await events(app, `engagementId=${e}&action=engagement.read`)).map((x) => x.role).sort(), ['ambassador', 'manager', 'nmno', 'nmno'])

  const verified = await call(app, { url: '/v1/audit/verify', as: NMNO })
  t.match(verified.body, { ok: true }, 'the chain verifies')
  t.equal(verified.body.heads.reduce((s: number, h: any) => s + h.seq, 0), verified.body.events, 'every event is on a chain')
})

t.test('a 404 gets no success event; its denied event names the caller as before', async (t) => {
  const { app, amb, manager, e } = await scenario(t)
  const url = `/v1/engagements/${e}`
  const owner = (await events(app, `engagementId=${e}&action=engagement.create`))[0].actorRef
  const stranger = as('M777', 'manager')
  t.equal((await call(app, { url, as: stranger })).status, 404, 'a stranger manager')
  const unknown = '00000000-0000-4000-8000-000000000001'
  t.equal((await call(app, { url: `/v1/engagements/${unknown}`, as: manager })).status, 404, 'an engagement that does not exist')

  // Withdrawn: no longer the Ambassador's (CONF-5), so 404 for them.
  t.equal((await call(app, { method: 'POST', url: `${url}/withdraw`, as: manager, body: {} })).status, 200)
  t.equal((await call(app, { url, as: amb.me })).status, 404, 'the Ambassador, once withdrawn')

  const reads = await events(app, `engagementId=${e}&action=engagement.read`)
  t.equal(reads.filter((x) => x.outcome === 'success').length, 0, 'no success event for a 404')
  const denied = reads.filter((x) => x.outcome === 'denied')
  t.equal(denied.length, 2, 'each refused read is recorded as denied (AUD-1)')
  const byStranger = denied.find((x) => x.role === 'manager')
  t.match(byStranger?.actorRef, /^p-[0-9a-f]{32}$/, 'the stranger by a pseudonym')
  t.not(byStranger?.actorRef, owner, 'not the owner’s')
  t.ok(denied.some((x) => x.role === 'ambassador' && x.actorRef === amb.id), 'the former Ambassador by their record id')
  t.same((await events(app, `engagementId=${unknown}`)).map((x) => x.outcome), ['denied'], 'an unknown id: denied only')
  t.match((await call(app, { url: '/v1/audit/verify', as: NMNO })).body, { ok: true })
})

t.test('concurrent identified reads each append their event; the chain verifies', async (t) => {
  const { app, amb, manager, e } = await scenario(t)
  const url = `/v1/engagements/${e}`
  const who = [manager, amb.me, NMNO]
  const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => call(app, { url, as: who[i % 3] })))
  t.ok(answers.every((r) => r.status === 200), 'all answered 200')
  const reads = await events(app, `engagementId=${e}&action=engagement.read&outcome=success`)
  t.equal(reads.length, 30, 'one event each')
  t.same(new Set(reads.map((x) => x.requestId)), new Set(answers.map((r) => r.headers['x-request-id'])), 'for each request')
  t.match((await call(app, { url: '/v1/audit/verify', as: NMNO })).body, { ok: true })
})

t.test('every chain head taken: the read waits for one, then its event is appended', { skip: !usingServer && 'one connection on PGlite: no other transaction can hold the heads' }, async (t) => {
  const { app, db, manager, e } = await scenario(t)
  let pending: ReturnType<typeof call> | undefined
  let waited = false
  await db.transaction().execute(async (trx) => {
    await sql`SELECT id FROM audit_chains FOR UPDATE`.execute(trx)
    pending = call(app, { url: `/v1/engagements/${e}`, as: manager })
    // Until the read's event waits on a head this transaction holds (not a timing: a state).
    for (let i = 0; i < 500; i++) {
      const waiting = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%audit_chains%'`.execute(db)
      if ((waited = waiting.rows[0].n > 0)) break
      await new Promise((r) => setTimeout(r, 20))
    }
  })
  t.ok(waited, 'the read waited for a head (every one was taken)')
  const r = await pending!
  t.equal(r.status, 200)
  const mine = (await events(app, `engagementId=${e}&action=engagement.read`)).filter((x) => x.requestId === r.headers['x-request-id'])
  t.equal(mine.length, 1, 'its event, on the head it waited for')
  t.match((await call(app, { url: '/v1/audit/verify', as: NMNO })).body, { ok: true })
})

t.test('the read and its event are named prepared statements on PostgreSQL, the same text on PGlite', async (t) => {
  // One connection, so that the session that prepared the statements is the one asked.
  const { app, db } = await build(t, { poolMax: 1 })
  const amb = await activeAmbassador(app, 'A602')
  const e = (await call(app, { method: 'POST', url: '/v1/engagements', as: as('M602', 'manager'), body: { ambassadorId: amb.id, ...REQUEST } })).body.id
  for (let i = 0; i < 3; i++) t.equal((await call(app, { url: `/v1/engagements/${e}`, as: amb.me })).body.view, 'ambassador')
  if (usingServer) {
    const names = (await sql<{ name: string }>`SELECT name FROM pg_prepared_statements`.execute(db)).rows.map((r) => r.name)
    t.ok(names.includes('m2m_engagement_read'), 'the read')
    t.ok(names.includes('m2m_audit_append'), 'its audit event')
  } else {
    t.pass('PGlite: the same texts, unnamed')
  }
})
