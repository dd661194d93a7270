// AMB-7 with COI-1/COI-2: the directory's eligibleForMe=true hides the caller and every Ambassador
// in conflict with them (declarations either way, reporting chains at any depth) without saying why,
// and its ETag changes with declarations and reporting lines, so a 304 never hides a new conflict.
import t from 'tap'
import { activeAmbassador, as, build, call, NMNO } from '../../helper.ts'

const DIR = '/v1/ambassadors?eligibleForMe=true'
const ids = (res: any) => res.body.items.map((i: any) => i.id).sort()

async function setup(t: any) {
  const { app } = await build(t)
  const a = await activeAmbassador(app, 'E100')
  const b = await activeAmbassador(app, 'E200')
  const c = await activeAmbassador(app, 'E250')
  const manager = as('E300', 'manager')
  return { app, a, b, c, manager }
}

t.test('a declaration in either direction hides the Ambassador from that manager only', async (t) => {
  const { app, a, b, c, manager } = await setup(t)
  t.same(ids(await call(app, { url: DIR, as: manager })), [a.id, b.id, c.id].sort())
  // The manager declared about A; B (the Ambassador) declared about the manager.
  t.equal((await call(app, { method: 'POST', url: '/v1/conflict-declarations', as: manager, body: { ambassadorId: a.id, employeeRef: 'E300', kind: 'close_friend' } })).status, 201)
  t.equal((await call(app, { method: 'POST', url: '/v1/conflict-declarations', as: b.me, body: { ambassadorId: b.id, employeeRef: 'E300', kind: 'family' } })).status, 201)
  const res = await call(app, { url: DIR, as: manager })
  t.same(ids(res), [c.id])
  t.notMatch(JSON.stringify(res.body), /conflict|family|declar/i, 'says nothing about why')
  // The unfiltered directory and other managers are unaffected.
  t.same(ids(await call(app, { url: '/v1/ambassadors', as: manager })), [a.id, b.id, c.id].sort())
  t.same(ids(await call(app, { url: DIR, as: as('E301', 'manager') })), [a.id, b.id, c.id].sort())
})

t.test('an nmno declaration, and one made by the manager acting as an Ambassador, count too', async (t) => {
  const { app, a, b, c } = await setup(t)
  // C (an Ambassador, browsing as a manager) declared about A's employee: A is hidden for C.
  t.equal((await call(app, { method: 'POST', url: '/v1/conflict-declarations', as: c.me, body: { ambassadorId: c.id, employeeRef: 'E100', kind: 'other' } })).status, 201)
  // nmno declared B and E250 (C) in conflict.
  t.equal((await call(app, { method: 'POST', url: '/v1/conflict-declarations', as: NMNO, body: { ambassadorId: b.id, employeeRef: 'E250', kind: 'personal_conflict' } })).status, 201)
  t.same(ids(await call(app, { url: DIR, as: c.me })), [], 'C sees neither A, B nor themself')
  // And the other way: A sees B only (C declared about A).
  t.same(ids(await call(app, { url: DIR, as: a.me })), [b.id])
})

t.test('the reporting chain at any depth, both ways; a cycle in the snapshot does not hang', async (t) => {
  const { app, a, b, c, manager } = await setup(t)
  const res0 = await call(app, { method: 'PUT', url: '/v1/org/reporting-lines', as: NMNO, body: { items: [
    // The manager reports to X who reports to C: C is two levels above.
    { employeeRef: 'E300', supervisorRef: 'X1', orgUnit: 'Ops' }, { employeeRef: 'X1', supervisorRef: 'E250', orgUnit: 'Ops' },
    // A is two levels below the manager.
    { employeeRef: 'E100', supervisorRef: 'Y1', orgUnit: 'Ops' }, { employeeRef: 'Y1', supervisorRef: 'E300', orgUnit: 'Ops' },
    // C sits in a cycle (bad HR data): C → Z1 → Z2 → C.
    { employeeRef: 'E250', supervisorRef: 'Z1' }, { employeeRef: 'Z1', supervisorRef: 'Z2' }, { employeeRef: 'Z2', supervisorRef: 'E250' },
    // B is in another branch.
    { employeeRef: 'E200', supervisorRef: 'W1' },
  ] } })
  t.equal(res0.status, 200)
  t.same(ids(await call(app, { url: DIR, as: manager })), [b.id])
  // Someone inside the cycle: Z1 is above C (and, through the cycle, below it), so above the
  // manager and A too (C → X1 → E300 → Y1 → A): only B remains, and the walk ends.
  t.same(ids(await call(app, { url: DIR, as: as('Z1', 'manager') })), [b.id])
  // A colleague outside every chain sees everyone.
  t.same(ids(await call(app, { url: DIR, as: as('E900', 'manager') })), [a.id, b.id, c.id].sort())
})

t.test('the ETag changes when a declaration or the reporting lines change: no stale 304', async (t) => {
  const { app, a, manager } = await setup(t)
  const first = await call(app, { url: DIR, as: manager })
  const etag = first.headers.etag as string
  t.equal((await call(app, { url: DIR, as: manager, headers: { 'if-none-match': etag } })).status, 304)

  const d = await call(app, { method: 'POST', url: '/v1/conflict-declarations', as: manager, body: { ambassadorId: a.id, employeeRef: 'E300', kind: 'other' } })
  let res = await call(app, { url: DIR, as: manager, headers: { 'if-none-match': etag } })
  t.equal(res.status, 200, 'a new declaration is not hidden behind a 304')
  t.notOk(ids(res).includes(a.id))
  const etag2 = res.headers.etag as string
  t.not(etag2, etag)

  await call(app, { method: 'DELETE', url: `/v1/conflict-declarations/${d.body.id}`, as: manager })
  res = await call(app, { url: DIR, as: manager, headers: { 'if-none-match': etag2 } })
  t.equal(res.status, 200)
  t.ok(ids(res).includes(a.id), 'withdrawing the declaration shows the Ambassador again')
  const etag3 = res.headers.etag as string

  await call(app, { method: 'PUT', url: '/v1/org/reporting-lines', as: NMNO, body: { items: [{ employeeRef: 'E300', supervisorRef: 'E100' }] } })
  res = await call(app, { url: DIR, as: manager, headers: { 'if-none-match': etag3 } })
  t.equal(res.status, 200, 'a new reporting line is not hidden behind a 304')
  t.notOk(ids(res).includes(a.id))
})
