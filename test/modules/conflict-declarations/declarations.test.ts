// COI-1: declarations, by role. Only the declarer and nmno ever see a declaration; the declared
// employee learns nothing, and no refusal depends on what someone else declared.
import t from 'tap'
import { activeAmbassador, as, build, call, GOVERNANCE, HR, ISERVICE, NMNO, orientedCandidate, usingServer } from '../../helper.ts'

const URL = '/v1/conflict-declarations'

async function setup(t: any) {
  const { app } = await build(t)
  const a = await activeAmbassador(app, 'E100') // an active Ambassador
  const b = await activeAmbassador(app, 'E200') // another Ambassador
  const manager = as('E300', 'manager')
  return { app, a, b, manager }
}

t.test('an active Ambassador declares about any employee, with their own ambassadorId', async (t) => {
  const { app, a } = await setup(t)
  const res = await call(app, { method: 'POST', url: URL, as: a.me, body: { ambassadorId: a.id, employeeRef: 'E555', kind: 'family' } })
  t.equal(res.status, 201)
  t.match(res.body, { ambassadorId: a.id, employeeRef: 'E555', kind: 'family', declarerRef: 'E100', declarerRole: 'ambassador' })
  t.equal(res.headers['cache-control'], 'no-store')
  t.equal(res.headers.location, `${URL}/${res.body.id}`)
  const list = await call(app, { url: URL, as: a.me })
  t.same(list.body.items.map((i: any) => i.id), [res.body.id])
})

t.test('a manager declares about an Ambassador, with their own employeeRef', async (t) => {
  const { app, a, manager } = await setup(t)
  const res = await call(app, { method: 'POST', url: URL, as: manager, body: { ambassadorId: a.id, employeeRef: 'E300', kind: 'close_friend' } })
  t.equal(res.status, 201)
  t.match(res.body, { declarerRef: 'E300', declarerRole: 'manager' })
})

t.test('nmno declares either way, about any record', async (t) => {
  const { app, a } = await setup(t)
  const cand = await orientedCandidate(app, 'E400')
  for (const [ambassadorId, employeeRef] of [[a.id, 'E777'], [cand.id, 'E300']]) {
    const res = await call(app, { method: 'POST', url: URL, as: NMNO, body: { ambassadorId, employeeRef, kind: 'reporting_line' } })
    t.equal(res.status, 201)
    t.equal(res.body.declarerRole, 'nmno')
  }
})

t.test('refuses a declaration on somebody else’s behalf (forbidden)', async (t) => {
  const { app, a, b, manager } = await setup(t)
  // An Ambassador naming another Ambassador's record about a third person.
  let res = await call(app, { method: 'POST', url: URL, as: a.me, body: { ambassadorId: b.id, employeeRef: 'E555', kind: 'other' } })
  t.same([res.status, res.body.code], [403, 'forbidden'])
  // A manager (not an Ambassador) naming someone else.
  res = await call(app, { method: 'POST', url: URL, as: manager, body: { ambassadorId: a.id, employeeRef: 'E555', kind: 'other' } })
  t.same([res.status, res.body.code], [403, 'forbidden'])
})

t.test('a suspended or not-yet-active candidate does not act as an Ambassador', async (t) => {
  const { app } = await setup(t)
  const cand = await orientedCandidate(app, 'E400')
  const res = await call(app, { method: 'POST', url: URL, as: cand.me, body: { ambassadorId: cand.id, employeeRef: 'E555', kind: 'other' } })
  t.same([res.status, res.body.code], [403, 'forbidden'])
})

t.test('a manager cannot name a record the directory does not show (404), nor an unknown one', async (t) => {
  const { app, manager } = await setup(t)
  const cand = await orientedCandidate(app, 'E400')
  for (const ambassadorId of [cand.id, '00000000-0000-4000-8000-000000000000']) {
    const res = await call(app, { method: 'POST', url: URL, as: manager, body: { ambassadorId, employeeRef: 'E300', kind: 'other' } })
    t.same([res.status, res.body.code], [404, 'not-found'])
  }
  const res = await call(app, { method: 'POST', url: URL, as: NMNO, body: { ambassadorId: '00000000-0000-4000-8000-000000000000', employeeRef: 'E300', kind: 'other' } })
  t.same([res.status, res.body.code], [404, 'not-found'])
})

t.test('a declaration about oneself is refused (rule-violated)', async (t) => {
  const { app, a } = await setup(t)
  let res = await call(app, { method: 'POST', url: URL, as: a.me, body: { ambassadorId: a.id, employeeRef: 'E100', kind: 'other' } })
  t.same([res.status, res.body.code], [422, 'rule-violated'])
  res = await call(app, { method: 'POST', url: URL, as: NMNO, body: { ambassadorId: a.id, employeeRef: 'E100', kind: 'other' } })
  t.same([res.status, res.body.code], [422, 'rule-violated'])
})

t.test('a second identical declaration by the same declarer is already-exists; by someone else it is accepted (nothing leaks)', async (t) => {
  const { app, a, manager } = await setup(t)
  // The manager declares about the Ambassador first; the Ambassador then declares the same pair.
  const first = await call(app, { method: 'POST', url: URL, as: manager, body: { ambassadorId: a.id, employeeRef: 'E300', kind: 'other' } })
  t.equal(first.status, 201)
  const other = await call(app, { method: 'POST', url: URL, as: a.me, body: { ambassadorId: a.id, employeeRef: 'E300', kind: 'family' } })
  t.equal(other.status, 201)
  const again = await call(app, { method: 'POST', url: URL, as: manager, body: { ambassadorId: a.id, employeeRef: 'E300', kind: 'family' } })
  t.same([again.status, again.body.code], [409, 'already-exists'])
  t.equal(again.body.declarationId, first.body.id)
})

t.test('roles without declarations: governance, hr_analyst, iservice are refused on every route', async (t) => {
  const { app, a } = await setup(t)
  const d = await call(app, { method: 'POST', url: URL, as: NMNO, body: { ambassadorId: a.id, employeeRef: 'E555', kind: 'other' } })
  for (const who of [GOVERNANCE, HR, ISERVICE]) {
    for (const r of [
      { method: 'POST' as const, url: URL, body: { ambassadorId: a.id, employeeRef: who.sub, kind: 'other' } },
      { method: 'GET' as const, url: URL },
      { method: 'DELETE' as const, url: `${URL}/${d.body.id}` },
    ]) {
      const res = await call(app, { ...r, as: who })
      t.same([res.status, res.body.code], [403, 'forbidden'], `${who.roles[0]} ${r.method}`)
    }
  }
  const anon = await call(app, { url: URL })
  t.equal(anon.status, 401)
})

t.test('lists show only what the caller declared; nmno sees all; the declared employee sees nothing', async (t) => {
  const { app, a, b, manager } = await setup(t)
  const byA = await call(app, { method: 'POST', url: URL, as: a.me, body: { ambassadorId: a.id, employeeRef: 'E300', kind: 'family' } })
  const byM = await call(app, { method: 'POST', url: URL, as: manager, body: { ambassadorId: b.id, employeeRef: 'E300', kind: 'other' } })
  const byN = await call(app, { method: 'POST', url: URL, as: NMNO, body: { ambassadorId: b.id, employeeRef: 'E100', kind: 'other' } })
  t.same((await call(app, { url: URL, as: a.me })).body.items.map((i: any) => i.id), [byA.body.id])
  t.same((await call(app, { url: URL, as: manager })).body.items.map((i: any) => i.id), [byM.body.id])
  // B is named in two declarations and declared nothing.
  t.same((await call(app, { url: URL, as: b.me })).body.items, [])
  const all = await call(app, { url: URL, as: NMNO })
  t.same(all.body.items.map((i: any) => i.id).sort(), [byA.body.id, byM.body.id, byN.body.id].sort())
  // Pagination.
  const p1 = await call(app, { url: `${URL}?limit=2`, as: NMNO })
  t.equal(p1.body.items.length, 2)
  const p2 = await call(app, { url: `${URL}?limit=2&cursor=${p1.body.nextCursor}`, as: NMNO })
  t.equal(p2.body.items.length, 1)
  t.equal(p2.body.nextCursor, null)
  t.same([...p1.body.items, ...p2.body.items].map((i: any) => i.id).sort(), all.body.items.map((i: any) => i.id).sort())
  const bad = await call(app, { url: `${URL}?cursor=nope`, as: NMNO })
  t.same([bad.status, bad.body.code], [400, 'invalid-cursor'])
})

t.test('delete: the declarer or nmno; anyone else gets 404 as if it did not exist', async (t) => {
  const { app, a, b, manager } = await setup(t)
  const mk = async () => (await call(app, { method: 'POST', url: URL, as: manager, body: { ambassadorId: a.id, employeeRef: 'E300', kind: 'other' } })).body.id
  let id = await mk()
  for (const who of [a.me, b.me, as('E999', 'manager')]) {
    const res = await call(app, { method: 'DELETE', url: `${URL}/${id}`, as: who })
    t.same([res.status, res.body.code], [404, 'not-found'])
  }
  let res = await call(app, { method: 'DELETE', url: `${URL}/${id}`, as: manager })
  t.equal(res.status, 204)
  res = await call(app, { method: 'DELETE', url: `${URL}/${id}`, as: manager })
  t.same([res.status, res.body.code], [404, 'not-found'])
  id = await mk()
  res = await call(app, { method: 'DELETE', url: `${URL}/${id}`, as: NMNO })
  t.equal(res.status, 204)
  t.same((await call(app, { url: URL, as: manager })).body.items, [])
})

t.test('bad input is a 400 and changes nothing', async (t) => {
  const { app, a } = await setup(t)
  for (const body of [
    { ambassadorId: a.id, employeeRef: 'E555', kind: 'enemy' },
    { ambassadorId: 'not-a-uuid', employeeRef: 'E555', kind: 'other' },
    { ambassadorId: a.id, employeeRef: 'E 555', kind: 'other' },
    { ambassadorId: a.id, employeeRef: 'E555', kind: 'other', declarerRef: 'E1' },
    { ambassadorId: a.id, kind: 'other' },
  ]) {
    const res = await call(app, { method: 'POST', url: URL, as: a.me, body })
    t.same([res.status, res.body.code], [400, 'validation-failed'], JSON.stringify(body))
  }
  const res = await call(app, { method: 'DELETE', url: `${URL}/nope`, as: NMNO })
  t.same([res.status, res.body.code], [400, 'validation-failed'])
  t.same((await call(app, { url: URL, as: NMNO })).body.items, [])
})

t.test('the same declaration sent concurrently by one declarer is stored once (the others: already-exists)', { skip: !usingServer && 'needs a PostgreSQL server' }, async (t) => {
  const { app, db } = await build(t, { poolMax: 10 })
  const a = await activeAmbassador(app, 'E100')
  const results = await Promise.all(Array.from({ length: 6 }, () =>
    call(app, { method: 'POST', url: URL, as: a.me, body: { ambassadorId: a.id, employeeRef: 'E555', kind: 'other' } })))
  t.same(results.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409])
  t.ok(results.filter((r) => r.status === 409).every((r) => r.body.code === 'already-exists'))
  const n = await db.selectFrom('conflictDeclarations').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
  t.equal(Number(n.n), 1)
})
