// AUD-1…3: every write and every identified read leaves an id-only event (denied attempts too), the
// manager only as a pseudonym; the trail refuses edits, and verification finds one made anyway.
import { sql } from 'kysely'
import t, { type Test } from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call, usingServer } from '../../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['phone'], urgency: 'routine', topics: ['crisis'], aboutMyEmployee: true }
const past = new Date(Date.now() - 3600_000).toISOString()

async function scenario(t: Test) {
  const built = await build(t, { captureLogs: true })
  const { app } = built
  const amb = await activeAmbassador(app, 'A501')
  const manager = as('M501', 'manager')
  const e = (await call(app, { method: 'POST', url: '/v1/engagements', as: manager, body: { ambassadorId: amb.id, ...REQUEST } })).body.id as string
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${e}/accept`, as: amb.me, body: {} })).status, 200)
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${e}/meetings`, as: manager, body: { scheduledAt: past, durationMinutes: 30, mode: 'phone' } })).status, 201)
  t.equal((await call(app, { method: 'GET', url: `/v1/engagements/${e}`, as: manager })).status, 200)
  t.equal((await call(app, { method: 'GET', url: `/v1/engagements/${e}/meetings`, as: amb.me })).status, 200)
  t.equal((await call(app, { method: 'GET', url: `/v1/engagements/${e}`, as: NMNO })).status, 200)
  return { ...built, amb, manager, e }
}

const events = async (app: any, query: string) => {
  const r = await call(app, { url: `/v1/audit/events?${query}&limit=100`, as: NMNO })
  if (r.status !== 200) throw new Error(`audit events: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body.items as any[]
}

t.test('AUD-1 writes and identified reads leave id-only events; the manager appears only as a pseudonym', async (t) => {
  const { app, amb, manager, e } = await scenario(t)
  const list = await events(app, `engagementId=${e}`)
  const by = (action: string) => list.filter((x) => x.action === action)

  const [created] = by('engagement.create')
  t.ok(created, 'the request is audited')
  t.equal(created.role, 'manager')
  t.match(created.actorRef, /^p-[0-9a-f]{32}$/, 'a keyed pseudonym, not the sub')
  t.equal(created.resourceId, e, 'the event names the created engagement')
  t.equal(created.outcome, 'success')
  t.match(created.requestId, /^[0-9a-f-]{36}$/, 'the request id is kept for investigations')

  const [accepted] = by('engagement.accept')
  t.same([accepted.role, accepted.actorRef], ['ambassador', amb.id], 'an Ambassador appears by their record id')
  const [meeting] = by('meeting.create')
  t.equal(meeting.actorRef, created.actorRef, 'the same manager has the same pseudonym')
  t.not(meeting.resourceId, e, 'the meeting event names the meeting it created')

  const reads = by('engagement.read')
  t.same(reads.map((r) => r.role).sort(), ['manager', 'nmno'], 'reads of the detail by the manager and by nmno')
  t.equal(reads.find((r) => r.role === 'nmno').actorRef, NMNO.sub, 'staff appear by id')
  t.same(by('meeting.list').map((r) => [r.role, r.actorRef]), [['ambassador', amb.id]])

  const all = JSON.stringify(await events(app, ''))
  t.notOk(all.includes(manager.sub), 'no event anywhere holds the manager’s id')
  for (const x of list) t.same(Object.keys(x).sort(), ['action', 'actorRef', 'at', 'chainId', 'engagementId', 'id', 'outcome', 'requestId', 'resourceId', 'resourceType', 'role', 'seq'], 'ids only, no content')
})

t.test('AUD-1 denied attempts are recorded; a refused write leaves no success event', async (t) => {
  const { app, e } = await scenario(t)
  const stranger = as('M777', 'manager')
  t.equal((await call(app, { url: `/v1/engagements/${e}`, as: stranger })).status, 404)
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${e}/close`, as: stranger, body: { outcome: 'other' } })).status, 404)
  t.equal((await call(app, { url: `/v1/engagements/${e}/goals`, as: stranger })).status, 404)

  const denied = await events(app, `engagementId=${e}&outcome=denied`)
  t.same(denied.map((x) => x.action).sort(), ['engagement.close', 'engagement.read', 'goal.list'])
  t.ok(denied.every((x) => x.role === 'manager' && /^p-/.test(x.actorRef)), 'a stranger manager is pseudonymized too')
  t.not(denied[0].actorRef, (await events(app, `engagementId=${e}&action=engagement.create`))[0].actorRef, 'another pseudonym than the owner’s')
  t.equal((await events(app, `engagementId=${e}&action=engagement.close&outcome=success`)).length, 0, 'no success event for the refused close')
})

t.test('AUD-1 who may read the trail and verify it', async (t) => {
  const { app, amb, manager } = await scenario(t)
  for (const url of ['/v1/audit/events', '/v1/audit/verify']) {
    t.equal((await call(app, { url, as: NMNO })).status, 200, `nmno ${url}`)
    t.equal((await call(app, { url, as: GOVERNANCE })).status, 200, `governance ${url}`)
    for (const p of [HR, ISERVICE, manager, amb.me]) t.equal((await call(app, { url, as: p })).status, 403, `${p.sub} ${url}`)
    t.equal((await call(app, { url })).status, 401)
  }
  t.equal((await call(app, { url: '/v1/audit/events?outcome=maybe', as: NMNO })).status, 400)
  t.equal((await call(app, { url: '/v1/audit/events?cursor=bm9wZQ', as: NMNO })).status, 400)
  t.equal((await call(app, { url: '/v1/audit/events?extra=1', as: NMNO })).status, 400)
  const verified = await call(app, { url: '/v1/audit/verify', as: GOVERNANCE })
  t.match(verified.body, { ok: true, chains: 16 })
  t.ok(verified.body.events > 10)
  t.equal(verified.body.heads.length, 16, 'each chain head, to keep outside the database')
  t.equal(verified.body.heads.reduce((n: number, h: any) => n + h.seq, 0), verified.body.events, 'the heads account for every event')
  t.equal(verified.headers['cache-control'], 'no-store')
})

t.test('AUD-1 the office pages through the trail, newest first, without a gap', async (t) => {
  const { app } = await scenario(t)
  const seen: string[] = []
  let cursor: string | null = null
  let last = Infinity
  do {
    const r: any = await call(app, { url: `/v1/audit/events?limit=3${cursor ? `&cursor=${cursor}` : ''}`, as: NMNO })
    t.equal(r.status, 200)
    for (const x of r.body.items) {
      t.ok(Date.parse(x.at) <= last, 'newest first')
      last = Date.parse(x.at)
      seen.push(x.id)
    }
    cursor = r.body.nextCursor
  } while (cursor)
  const total = (await call(app, { url: '/v1/audit/verify', as: NMNO })).body.events
  t.equal(seen.length, total, 'every event once')
  t.equal(new Set(seen).size, total)
})

t.test('AUD-2 the database refuses to change or remove an event', async (t) => {
  const { db } = await scenario(t)
  await t.rejects(sql`UPDATE audit_events SET action = 'x'`.execute(db), /append-only/)
  await t.rejects(sql`DELETE FROM audit_events`.execute(db), /append-only/)
  await t.rejects(sql`TRUNCATE audit_events`.execute(db), /append-only/)
  await t.rejects(sql`UPDATE audit_chains SET seq = 0`.execute(db), /forward/)
})

/** What a superuser could do: switch triggers off for one transaction and change the table. */
const tamper = (db: any, statement: ReturnType<typeof sql>) =>
  db.transaction().execute(async (trx: any) => {
    await sql`SET LOCAL session_replication_role = replica`.execute(trx)
    await statement.execute(trx)
  })

t.test('AUD-2 an edited event is found and named', async (t) => {
  const { app, db, e } = await scenario(t)
  const victim = (await events(app, `engagementId=${e}&action=engagement.accept`))[0]
  await tamper(db, sql`UPDATE audit_events SET actor_ref = 'someone-else' WHERE id = ${victim.id}`)
  const v = (await call(app, { url: '/v1/audit/verify', as: NMNO })).body
  t.equal(v.ok, false)
  t.match(v.firstBad, { problem: 'altered', eventId: victim.id, chainId: victim.chainId, seq: victim.seq })
})

t.test('AUD-2 an edit that re-hashes its own event still breaks the next link', async (t) => {
  const { app, db } = await scenario(t)
  const all = await events(app, '')
  // An event with a successor in its chain.
  const victim = all.find((x) => all.some((y) => y.chainId === x.chainId && y.seq === x.seq + 1))!
  const next = all.find((y) => y.chainId === victim.chainId && y.seq === victim.seq + 1)!
  await tamper(db, sql`UPDATE audit_events SET action = 'engagement.read',
    hash = audit_hash(prev_hash, audit_canonical(chain_id, seq, at, actor_ref, role, 'engagement.read', resource_type, resource_id, engagement_id, outcome, request_id))
    WHERE id = ${victim.id}`)
  const v = (await call(app, { url: '/v1/audit/verify', as: NMNO })).body
  t.match(v, { ok: false, firstBad: { problem: 'broken-link', eventId: next.id } })
})

t.test('AUD-2 a deleted event is found: in the middle of a chain, or at its end', async (t) => {
  const { app, db } = await scenario(t)
  const all = await events(app, '')
  const middle = all.find((x) => all.some((y) => y.chainId === x.chainId && y.seq === x.seq + 1))!
  const next = all.find((y) => y.chainId === middle.chainId && y.seq === middle.seq + 1)!
  await tamper(db, sql`DELETE FROM audit_events WHERE id = ${middle.id}`)
  let v = (await call(app, { url: '/v1/audit/verify', as: NMNO })).body
  t.match(v, { ok: false, firstBad: { problem: 'broken-link', eventId: next.id, chainId: middle.chainId, seq: next.seq } })

  // Put the chain right again is impossible; a second database shows the tail case.
  const second = await scenario(t)
  const tail = (await events(second.app, '')).reduce((a, b) => (b.chainId === a.chainId && b.seq > a.seq ? b : a))
  await tamper(second.db, sql`DELETE FROM audit_events WHERE chain_id = ${tail.chainId} AND seq = (SELECT max(seq) FROM audit_events WHERE chain_id = ${tail.chainId})`)
  v = (await call(second.app, { url: '/v1/audit/verify', as: NMNO })).body
  t.match(v, { ok: false, firstBad: { problem: 'truncated', eventId: null, chainId: tail.chainId } })
})

t.test('AUD-3 the manager reads who accessed their engagement; nobody else can', async (t) => {
  const { app, amb, manager, e } = await scenario(t)
  const r = await call(app, { url: `/v1/engagements/${e}/access-log?limit=100`, as: manager })
  t.equal(r.status, 200)
  t.equal(r.headers['cache-control'], 'no-store')
  const who = new Set(r.body.items.map((x: any) => x.who))
  t.ok(who.has('You'), 'the manager’s own actions')
  t.ok(who.has('Ambassador A501'), 'the Ambassador by display name')
  t.ok(who.has('National M2M Network Office'), 'the office’s read of the de-identified view')
  t.ok(r.body.items.some((x: any) => x.action === 'engagement.read' && x.role === 'nmno'))
  const fr = await call(app, { url: `/v1/engagements/${e}/access-log?limit=100`, as: manager, headers: { 'accept-language': 'fr' } })
  t.ok(fr.body.items.some((x: any) => x.who === 'Bureau national du Réseau M2M'), 'in French')
  t.notOk(JSON.stringify(r.body).includes(NMNO.sub), 'staff ids are not shown to the manager')

  for (const p of [as('M777', 'manager'), amb.me]) t.equal((await call(app, { url: `/v1/engagements/${e}/access-log`, as: p })).status, 404, `${p.sub}: 404`)
  for (const p of [NMNO, GOVERNANCE, HR, ISERVICE]) t.equal((await call(app, { url: `/v1/engagements/${e}/access-log`, as: p })).status, 403, `${p.sub}: 403`)
  t.equal((await call(app, { url: '/v1/engagements/00000000-0000-4000-8000-000000000000/access-log', as: manager })).status, 404)
})

t.test('CONF-3 the logs of the scenario hold no manager id and no token', async (t) => {
  const { logs, manager } = await scenario(t)
  const text = logs.join('\n')
  t.ok(text.length > 0)
  t.notOk(text.includes(manager.sub), 'no manager id')
  t.notOk(/eyJ[A-Za-z0-9_-]{10,}/.test(text), 'no token')
  t.notOk(/p-[0-9a-f]{32}/.test(text), 'no pseudonym either')
})

t.test('AUD-2 concurrent writes spread over several chains, never waiting on one lock, and verify', { skip: !usingServer && 'PostgreSQL only' }, async (t) => {
  const { app } = await build(t, { poolMax: 12 })
  const resource = (i: number) => ({ slug: `concurrent_${i}`, kind: 'learning', name: { en: `R${i}`, fr: `R${i}` }, description: { en: 'A test resource.', fr: 'Une ressource d’essai.' } })
  const writes = Array.from({ length: 40 }, (_, i) => call(app, { method: 'POST', url: '/v1/resources', as: NMNO, body: resource(i) }))
  const answers = await Promise.all(writes)
  t.ok(answers.every((a) => a.status === 201), 'every write succeeded')
  const v = (await call(app, { url: '/v1/audit/verify', as: NMNO })).body
  t.equal(v.ok, true, 'every chain verifies')
  t.ok(v.events >= 40, 'one event per write')
  const chains = new Set((await events(app, '')).map((x) => x.chainId))
  t.ok(chains.size > 1, `events landed on ${chains.size} chains`)
})
