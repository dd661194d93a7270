// #12 item 4: bounded everything. Every list under an engagement is paginated like the top-level
// lists (limit 1–100, default 20, sealed keyset cursor, {items, nextCursor}), and an engagement holds
// at most ENGAGEMENT_CAPS of each thing, checked after the engagement row is locked in the write's
// transaction: past a cap the write is a 409 `limit-reached` problem and nothing is stored, and
// parallel writes racing for the last slots store exactly the cap.
import { sql } from 'kysely'
import t, { type Test } from 'tap'
import type { Db } from '../../../src/db/database.ts'
import { ENGAGEMENT_CAPS, PRINCIPAL_CAPS } from '../../../src/shared/caps.ts'
import { NMNO, activeAmbassador, as, build, call, type Principal } from '../../helper.ts'
import type { App } from '../../../src/app.ts'

const REQUEST = { language: 'en', preferredModes: ['video'], urgency: 'routine', topics: ['team_impact'], aboutMyEmployee: true }
const future = (days: number) => new Date(Date.now() + days * 86400_000).toISOString()
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString()
const CONSENT = { recipient: { kind: 'agency', name: 'Employee Assistance Program' }, direction: 'release', infoCategories: ['situation_summary'], purpose: 'Engage an EAP counsellor' }
const DISCLOSURE = { direction: 'release', recipient: { kind: 'agency', name: 'Police' }, infoCategories: ['safety_concerns'], basis: 'imminent_harm_others', justification: 'A plan and the means to act on it today' }
const CRISIS = () => ({ category: 'imminent_harm_others', authoritiesContacted: ['police'], weaponsInvolved: false, occurredAt: ago(30) })
const MEETING = () => ({ scheduledAt: future(2), durationMinutes: 30, mode: 'phone' })

async function pair(app: App, manager: Principal, ambassadorId: string, amb: Principal) {
  const eid = (await call(app, { method: 'POST', url: '/v1/engagements', as: manager, body: { ambassadorId, ...REQUEST } })).body.id as string
  const accepted = await call(app, { method: 'POST', url: `/v1/engagements/${eid}/accept`, as: amb, body: {} })
  if (accepted.status !== 200) throw new Error(JSON.stringify(accepted.body))
  return eid
}

const count = async (db: Db, table: string, eid: string) =>
  Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(table)} WHERE engagement_id = ${eid}`.execute(db)).rows[0].n)

/** n copies of row `id` of `table`, each with a new id (fills an engagement up to a cap quickly). */
const clone = (db: Db, table: string, id: string, n: number, changes: Record<string, unknown> = {}) => n > 0
  ? sql`INSERT INTO ${sql.raw(table)} SELECT (jsonb_populate_record(NULL::${sql.raw(table)}, to_jsonb(x) || ${JSON.stringify(changes)}::jsonb || jsonb_build_object('id', gen_random_uuid()))).*
      FROM ${sql.raw(table)} x, generate_series(1, ${n}) WHERE x.id = ${id}`.execute(db)
  : Promise.resolve()

t.test('the lists under an engagement page with limit and cursor', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'B001')
  t.equal((await call(app, { method: 'PATCH', url: `/v1/ambassadors/${amb.id}`, as: NMNO, body: { designatedContactRef: 'N901' } })).status, 200)
  const m = as('BM01', 'manager')
  const eid = await pair(app, m, amb.id, amb.me)
  // Extensions agreed (ENG-5), so that meetings are bounded here by the caps only.
  await sql`UPDATE engagements SET extensions = 60 WHERE id = ${eid}`.execute(db)
  const post = (path: string, who: Principal, body: unknown) => call(app, { method: 'POST', url: `/v1/engagements/${eid}/${path}`, as: who, body })
  const eap = (await sql<{ id: string }>`SELECT id FROM resources WHERE slug = 'eap'`.execute(db)).rows[0].id
  const N = 7
  const writes: Record<string, () => Promise<{ status: number }>> = {
    meetings: () => post('meetings', m, MEETING()),
    goals: () => post('goals', m, { title: 'A goal' }),
    referrals: () => post('referrals', amb.me, { resourceId: eap, forWhom: 'employee_situation' }),
    consents: () => post('consents', amb.me, CONSENT),
    disclosures: () => post('disclosures', amb.me, DISCLOSURE),
    'crisis-escalations': () => post('crisis-escalations', amb.me, CRISIS()),
  }
  for (const [path, write] of Object.entries(writes)) {
    for (let i = 0; i < N; i++) t.equal((await write()).status, 201, `${path} ${i}`)
  }
  // Rows that differ only in microseconds, or not at all, in their sort key: the walk still hands
  // out each row once (a cursor keeping only milliseconds would repeat a row forever).
  await sql`UPDATE goals SET created_at = '2026-06-01T10:00:00.123456Z' WHERE engagement_id = ${eid}`.execute(db)
  await sql`UPDATE referrals SET created_at = '2026-06-01T10:00:00.123Z'::timestamptz + make_interval(secs => random() / 1000) WHERE engagement_id = ${eid}`.execute(db)
  await sql`UPDATE meetings SET scheduled_at = date_trunc('milliseconds', scheduled_at) + make_interval(secs => random() / 1000) WHERE engagement_id = ${eid}`.execute(db)

  for (const path of [...Object.keys(writes), 'access-log']) {
    t.test(path, async (t) => {
      const url = `/v1/engagements/${eid}/${path}`
      for (const who of [m, amb.me]) {
        if (path === 'access-log' && who === amb.me) continue
        const all = await call(app, { url: `${url}${url.includes('?') ? '&' : '?'}limit=100`, as: who })
        t.equal(all.status, 200)
        t.equal(all.body.nextCursor, null, 'one page holds them all')
        if (path !== 'access-log') t.equal(all.body.items.length, N)
        const seen: string[] = []
        let cursor: string | null = null
        let pages = 0
        do {
          const res = await call(app, { url: `${url}?limit=3${cursor ? `&cursor=${cursor}` : ''}`, as: who })
          t.equal(res.status, 200)
          t.ok(res.body.items.length <= 3)
          seen.push(...res.body.items.map((i: { id: string }) => i.id))
          cursor = res.body.nextCursor
          pages++
        } while (cursor && pages < 100)
        t.same(seen, all.body.items.map((i: { id: string }) => i.id), 'the walk hands out every item once, in the same order')
        t.equal(pages, Math.ceil(all.body.items.length / 3))
      }
      const first = await call(app, { url: `${url}?limit=2`, as: m })
      const cursor = first.body.nextCursor as string
      t.type(cursor, 'string')
      const tampered = cursor.slice(0, -2) + (cursor.endsWith('AA') ? 'BB' : 'AA')
      for (const bad of [tampered, 'not-a-cursor', 'A'.repeat(600)]) {
        const res = await call(app, { url: `${url}?cursor=${bad}`, as: m })
        t.equal(res.status, 400, bad.slice(0, 20))
        t.match(res.headers['content-type'], /application\/problem\+json/)
        t.ok(['invalid-cursor', 'validation-failed'].includes(res.body.code))
      }
      t.equal((await call(app, { url: `${url}?cursor=${tampered}`, as: m })).body.code, 'invalid-cursor')
      for (const limit of ['101', '0', '-1', 'x']) {
        const res = await call(app, { url: `${url}?limit=${limit}`, as: m })
        t.same([res.status, res.body.code], [400, 'validation-failed'], `limit=${limit}`)
      }
      t.equal((await call(app, { url: `${url}?page=2`, as: m })).status, 400, 'no unknown query parameter')
    })
  }

  t.test('the default page is 20', async (t) => {
    await clone(db, 'goals', (await call(app, { url: `/v1/engagements/${eid}/goals`, as: m })).body.items[0].id, 20)
    const res = await call(app, { url: `/v1/engagements/${eid}/goals`, as: m })
    t.equal(res.body.items.length, 20)
    t.type(res.body.nextCursor, 'string')
    const rest = await call(app, { url: `/v1/engagements/${eid}/goals?cursor=${res.body.nextCursor}`, as: m })
    t.same([rest.body.items.length, rest.body.nextCursor], [N + 20 - 20, null])
  })
})

t.test('each engagement holds at most its caps (409 limit-reached, nothing stored)', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'B002', { capacity: 10 })
  t.equal((await call(app, { method: 'PATCH', url: `/v1/ambassadors/${amb.id}`, as: NMNO, body: { designatedContactRef: 'N901' } })).status, 200)
  const eap = (await sql<{ id: string }>`SELECT id FROM resources WHERE slug = 'eap'`.execute(db)).rows[0].id
  let managers = 0
  const fresh = async () => {
    const m = as(`BC${String(++managers).padStart(2, '0')}`, 'manager')
    return { m, eid: await pair(app, m, amb.id, amb.me) }
  }
  const post = (eid: string, path: string, who: Principal, body: unknown, lang?: string) =>
    call(app, { method: 'POST', url: `/v1/engagements/${eid}/${path}`, as: who, body, ...(lang ? { headers: { 'accept-language': lang } } : {}) })
  const refused = (t: Test, res: { status: number; body: any; headers: Record<string, unknown> }, cap: string) => {
    t.same([res.status, res.body.code, res.body.cap, res.body.max], [409, 'limit-reached', cap, ENGAGEMENT_CAPS[cap as keyof typeof ENGAGEMENT_CAPS]], cap)
    t.match(res.headers['content-type'], /application\/problem\+json/)
  }

  t.test('goals: filled through the API up to the cap; the next one is refused, in English and French', async (t) => {
    const { m, eid } = await fresh()
    for (let i = 0; i < ENGAGEMENT_CAPS.goals; i++) {
      const r = await post(eid, 'goals', m, { title: `Goal ${i}` })
      if (r.status !== 201) t.fail(JSON.stringify(r.body))
    }
    const en = await post(eid, 'goals', m, { title: 'One too many' })
    refused(t, en, 'goals')
    t.match(en.body.detail, /already holds 50 goals/)
    const fr = await post(eid, 'goals', m, { title: 'Encore un' }, 'fr')
    t.equal(fr.status, 409)
    t.match(fr.body.detail, /compte déjà 50 objectifs/)
    t.equal(await count(db, 'goals', eid), ENGAGEMENT_CAPS.goals, 'nothing stored')
    const list = await call(app, { url: `/v1/engagements/${eid}/goals?limit=100`, as: m })
    t.equal(list.body.items.length, ENGAGEMENT_CAPS.goals)
    const goal = list.body.items[0].id
    t.equal((await call(app, { method: 'PATCH', url: `/v1/engagements/${eid}/goals/${goal}`, as: m, body: { status: 'dropped' } })).status, 200, 'the goals already there still change')
    refused(t, await post(eid, 'goals', m, { title: 'A dropped goal still counts' }), 'goals')
  })

  t.test('referrals: open ones and all of them', async (t) => {
    const { eid } = await fresh()
    const first = await post(eid, 'referrals', amb.me, { resourceId: eap, forWhom: 'employee_situation' })
    t.equal(first.status, 201)
    await clone(db, 'referrals', first.body.id, ENGAGEMENT_CAPS.openReferrals - 1)
    refused(t, await post(eid, 'referrals', amb.me, { resourceId: eap, forWhom: 'employee_situation' }), 'openReferrals')
    t.equal(await count(db, 'referrals', eid), ENGAGEMENT_CAPS.openReferrals)
    t.equal((await call(app, { method: 'PATCH', url: `/v1/engagements/${eid}/referrals/${first.body.id}`, as: amb.me, body: { followedUpAt: ago(5), helpful: true } })).status, 200)
    t.equal((await post(eid, 'referrals', amb.me, { resourceId: eap, forWhom: 'employee_situation' })).status, 201, 'a followed-up referral frees a slot')
    await clone(db, 'referrals', first.body.id, ENGAGEMENT_CAPS.referrals - ENGAGEMENT_CAPS.openReferrals - 1)
    await sql`UPDATE referrals SET followed_up_at = now() WHERE engagement_id = ${eid}`.execute(db)
    refused(t, await post(eid, 'referrals', amb.me, { resourceId: eap, forWhom: 'employee_situation' }), 'referrals')
    t.equal(await count(db, 'referrals', eid), ENGAGEMENT_CAPS.referrals)
  })

  t.test('meetings: scheduled ones and all of them', async (t) => {
    const { m, eid } = await fresh()
    await sql`UPDATE engagements SET extensions = 60 WHERE id = ${eid}`.execute(db)
    const first = await post(eid, 'meetings', m, MEETING())
    t.equal(first.status, 201)
    await clone(db, 'meetings', first.body.id, ENGAGEMENT_CAPS.scheduledMeetings - 1)
    refused(t, await post(eid, 'meetings', amb.me, MEETING()), 'scheduledMeetings')
    t.equal((await call(app, { method: 'PATCH', url: `/v1/engagements/${eid}/meetings/${first.body.id}`, as: m, body: { cancelled: true } })).status, 200)
    t.equal((await post(eid, 'meetings', m, MEETING())).status, 201, 'a cancelled meeting frees a scheduled slot')
    await clone(db, 'meetings', first.body.id, ENGAGEMENT_CAPS.meetings - ENGAGEMENT_CAPS.scheduledMeetings - 1)
    await sql`UPDATE meetings SET cancelled = true WHERE engagement_id = ${eid}`.execute(db)
    refused(t, await post(eid, 'meetings', m, MEETING()), 'meetings')
    t.equal(await count(db, 'meetings', eid), ENGAGEMENT_CAPS.meetings)
  })

  t.test('consents: awaiting the manager and all of them', async (t) => {
    const { m, eid } = await fresh()
    const first = await post(eid, 'consents', amb.me, CONSENT)
    t.equal(first.status, 201)
    await clone(db, 'consents', first.body.id, ENGAGEMENT_CAPS.pendingConsents - 1)
    refused(t, await post(eid, 'consents', m, CONSENT), 'pendingConsents')
    await sql`UPDATE consents SET expires_at = now() - interval '1 day', created_at = now() - interval '2 days' WHERE id = ${first.body.id}`.execute(db)
    t.equal((await post(eid, 'consents', amb.me, CONSENT)).status, 201, 'an expired draft no longer awaits the manager')
    await clone(db, 'consents', first.body.id, ENGAGEMENT_CAPS.consents - ENGAGEMENT_CAPS.pendingConsents - 1)
    await sql`UPDATE consents SET status = 'withdrawn', withdrawn_at = now() WHERE engagement_id = ${eid}`.execute(db)
    refused(t, await post(eid, 'consents', amb.me, CONSENT), 'consents')
    t.equal(await count(db, 'consents', eid), ENGAGEMENT_CAPS.consents)
  })

  t.test('disclosures and crisis escalations', async (t) => {
    const { eid } = await fresh()
    const d = await post(eid, 'disclosures', amb.me, DISCLOSURE)
    t.equal(d.status, 201)
    await clone(db, 'disclosures', d.body.id, ENGAGEMENT_CAPS.disclosures - 1)
    refused(t, await post(eid, 'disclosures', amb.me, DISCLOSURE), 'disclosures')
    t.equal(await count(db, 'disclosures', eid), ENGAGEMENT_CAPS.disclosures)
    const c = await post(eid, 'crisis-escalations', amb.me, CRISIS())
    t.equal(c.status, 201)
    await clone(db, 'crisis_escalations', c.body.id, ENGAGEMENT_CAPS.crisisEscalations - 1)
    refused(t, await post(eid, 'crisis-escalations', amb.me, CRISIS()), 'crisisEscalations')
    t.equal(await count(db, 'crisis_escalations', eid), ENGAGEMENT_CAPS.crisisEscalations)
  })

  t.test('parallel writes racing for the last slots store exactly the cap', async (t) => {
    for (const [path, table, who, body, cap] of [
      ['goals', 'goals', 'manager', { title: 'Racing goal' }, ENGAGEMENT_CAPS.goals],
      ['referrals', 'referrals', 'ambassador', { resourceId: eap, forWhom: 'manager_self_care' }, ENGAGEMENT_CAPS.openReferrals],
      ['disclosures', 'disclosures', 'ambassador', DISCLOSURE, ENGAGEMENT_CAPS.disclosures],
    ] as const) {
      const { m, eid } = await fresh()
      const caller = who === 'manager' ? m : amb.me
      const seed = await post(eid, path, caller, body)
      t.equal(seed.status, 201)
      await clone(db, table, seed.body.id, cap - 3)
      const results = await Promise.all(Array.from({ length: 10 }, () => post(eid, path, caller, body)))
      const statuses = results.map((r) => r.status).sort()
      t.same(statuses, [201, 201, ...Array(8).fill(409)], `${path}: two slots left, two of ten succeed`)
      t.ok(results.filter((r) => r.status === 409).every((r) => r.body.code === 'limit-reached'))
      t.equal(await count(db, table, eid), cap, `${path}: exactly the cap stored`)
    }
  })
})

t.test('the Ambassadors yet to accept the current Guidelines of Conduct page the same way', async (t) => {
  const { app } = await build(t)
  for (const sub of ['BG01', 'BG02', 'BG03']) await activeAmbassador(app, sub)
  const V2 = { text: { en: 'Version two of the Guidelines of Conduct: refrain from clinical advice.', fr: 'Version deux des lignes directrices de conduite : s’abstenir de conseils cliniques.' } }
  t.equal((await call(app, { method: 'POST', url: '/v1/conduct-guidelines', as: NMNO, body: V2 })).status, 201)
  const url = '/v1/conduct-guidelines/current/pending-acceptances'
  const first = await call(app, { url: `${url}?limit=2`, as: NMNO })
  t.same([first.status, first.body.items.length, first.body.currentVersion], [200, 2, 2])
  t.type(first.body.nextCursor, 'string')
  const second = await call(app, { url: `${url}?limit=2&cursor=${first.body.nextCursor}`, as: NMNO })
  t.same([second.body.items.length, second.body.nextCursor], [1, null])
  t.same([...first.body.items, ...second.body.items].map((i: { displayName: string }) => i.displayName), ['Ambassador BG01', 'Ambassador BG02', 'Ambassador BG03'])
  t.equal((await call(app, { url: `${url}?cursor=${first.body.nextCursor.slice(0, -2)}AA`, as: NMNO })).body.code, 'invalid-cursor')
  t.equal((await call(app, { url: `${url}?limit=101`, as: NMNO })).status, 400)
})

t.test('lists page through rows written in the same microsecond, each once', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'B003')
  t.equal((await call(app, { method: 'PATCH', url: `/v1/ambassadors/${amb.id}`, as: NMNO, body: { designatedContactRef: 'N901' } })).status, 200)
  const m = as('BN01', 'manager')
  const eid = await pair(app, m, amb.id, amb.me)
  for (let i = 0; i < 3; i++) {
    t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${eid}/consents`, as: amb.me, body: CONSENT })).status, 201)
    t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${eid}/disclosures`, as: amb.me, body: DISCLOSURE })).status, 201)
  }
  // One statement may notify several at once (the same transaction time); a cursor keeping only
  // milliseconds of such a time skipped the rest of the group.
  await pair(app, as('BN02', 'manager'), amb.id, amb.me)
  await pair(app, as('BN03', 'manager'), amb.id, amb.me)
  for (const employeeRef of ['X001', 'X002', 'X003']) {
    t.equal((await call(app, { method: 'POST', url: '/v1/conflict-declarations', as: NMNO, body: { ambassadorId: amb.id, employeeRef, kind: 'other' } })).status, 201)
  }
  await sql`UPDATE notifications SET created_at = '2026-06-01T10:00:00.123456Z'`.execute(db)
  await sql`UPDATE engagements SET requested_at = '2026-06-01T10:00:00.123456Z'`.execute(db)
  await sql`UPDATE conflict_declarations SET created_at = '2026-06-01T10:00:00.123456Z'`.execute(db)
  for (const [url, who] of [['/v1/me/notifications', m], ['/v1/notifications', NMNO], ['/v1/engagements', NMNO], ['/v1/engagements?as=ambassador', amb.me], ['/v1/conflict-declarations', NMNO]] as const) {
    const all = await call(app, { url: `${url}${url.includes('?') ? '&' : '?'}limit=100`, as: who })
    t.ok(all.body.items.length >= 3, url)
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const res = await call(app, { url: `${url}${url.includes('?') ? '&' : '?'}limit=1${cursor ? `&cursor=${cursor}` : ''}`, as: who })
      t.equal(res.status, 200)
      seen.push(...res.body.items.map((i: { id: string }) => i.id))
      cursor = res.body.nextCursor
    } while (cursor && ++pages < 50)
    t.same(seen, all.body.items.map((i: { id: string }) => i.id), `${url}: every row once, newest first`)
  }
})

t.test('an Ambassador holds at most PRINCIPAL_CAPS.conflictDeclarations declarations', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'B004')
  const max = PRINCIPAL_CAPS.conflictDeclarations
  const declare = (employeeRef: string, lang?: string) => call(app, { method: 'POST', url: '/v1/conflict-declarations', as: amb.me, body: { ambassadorId: amb.id, employeeRef, kind: 'family' }, ...(lang ? { headers: { 'accept-language': lang } } : {}) })
  const held = async () => Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM conflict_declarations WHERE declarer_ref = 'B004'`.execute(db)).rows[0].n)
  await sql`INSERT INTO conflict_declarations (ambassador_id, employee_ref, kind, declarer_ref, declarer_role)
    SELECT ${amb.id}, 'F' || g, 'family', 'B004', 'ambassador' FROM generate_series(1, ${max - 3}) g`.execute(db)
  const results = await Promise.all(['P1', 'P2', 'P3', 'P4', 'P5', 'P6'].map((ref) => declare(ref)))
  t.same(results.map((r) => r.status).sort(), [201, 201, 201, 409, 409, 409], 'three slots left: three of six parallel declarations succeed')
  t.equal(await held(), max, 'exactly the cap stored')
  const over = await declare('Q1')
  t.same([over.status, over.body.code, over.body.cap, over.body.max], [409, 'limit-reached', 'conflictDeclarations', max])
  t.match((await declare('Q2', 'fr')).body.detail, /maximum permis par personne/)
  t.equal(await held(), max, 'nothing stored')
  const mine = (await call(app, { url: '/v1/conflict-declarations?limit=1', as: amb.me })).body.items[0].id
  t.equal((await call(app, { method: 'DELETE', url: `/v1/conflict-declarations/${mine}`, as: amb.me })).status, 204)
  t.equal((await declare('Q3')).status, 201, 'a withdrawn declaration frees its slot')
  t.equal((await call(app, { method: 'POST', url: '/v1/conflict-declarations', as: NMNO, body: { ambassadorId: amb.id, employeeRef: 'Q4', kind: 'other' } })).status, 201, 'the Office is not capped')
})
