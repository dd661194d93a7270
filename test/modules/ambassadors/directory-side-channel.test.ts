// CONF-5 (#11, finding 6): a manager watching the directory must not see an Ambassador's caseload
// move. The directory's ETag and the public view's ETag change only when what they show changes:
// a request, an acceptance, a decline or a closure that leaves the Ambassador available changes
// neither; availability flipping (the directory shows it) does.
import t from 'tap'
import { activeAmbassador, as, build, call, NMNO } from '../../helper.ts'
import { engagement } from '../reports/fixtures.ts'

const WATCHER = as('M-WATCH', 'manager')

t.test('the directory does not follow an Ambassador’s requests, declines and closures', async (t) => {
  const { app } = await build(t)
  const b = await activeAmbassador(app, 'SC01')
  await call(app, { method: 'PATCH', url: `/v1/ambassadors/${b.id}`, as: NMNO, body: { capacity: 3 } })
  const watch = async () => {
    const list = await call(app, { url: '/v1/ambassadors', as: WATCHER })
    const one = await call(app, { url: `/v1/ambassadors/${b.id}`, as: WATCHER })
    return { list: list.headers.etag as string, one: one.headers.etag as string, body: JSON.stringify([list.body, one.body]) }
  }
  const before = await watch()
  t.ok(before.list && before.one)

  // Another manager asks B for help; B declines; another asks, B accepts, they meet, they close.
  const m1 = as('M-SC1', 'manager')
  const r1 = await call(app, { method: 'POST', url: '/v1/engagements', as: m1, body: { ambassadorId: b.id, language: 'en', preferredModes: ['video'], urgency: 'routine', topics: ['team_impact'], aboutMyEmployee: true } })
  t.equal(r1.status, 201)
  t.same(await watch(), before, 'a request: nothing moves')
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${r1.body.id}/decline`, as: b.me, body: { reason: 'capacity' } })).status, 200)
  t.same(await watch(), before, 'a decline: nothing moves')
  await engagement(app, b, 'M-SC2', 'closed')
  t.same(await watch(), before, 'an engagement held and closed: nothing moves')

  // The watcher's conditional request keeps answering 304.
  const cond = await call(app, { url: '/v1/ambassadors', as: WATCHER, headers: { 'if-none-match': before.list } })
  t.equal(cond.status, 304)

  // A conflict declared somewhere does not move the plain directory (only eligibleForMe depends on it).
  t.equal((await call(app, { method: 'POST', url: '/v1/conflict-declarations', as: NMNO, body: { ambassadorId: b.id, employeeRef: 'E-ELSEWHERE', kind: 'family' } })).status, 201)
  t.same(await watch(), before, 'a conflict declaration: the plain directory does not move')

  // Filling the last slot flips availability, which the directory shows: now it moves.
  await engagement(app, b, 'M-SC3', 'accepted')
  await engagement(app, b, 'M-SC4', 'accepted')
  t.same(await watch(), before, 'two of three slots taken: still available, nothing moves')
  await engagement(app, b, 'M-SC5', 'accepted')
  const full = await watch()
  t.not(full.list, before.list, 'availability flipped: the directory ETag moves')
  t.not(full.one, before.one, 'availability flipped: the public view ETag moves')
  t.equal((await call(app, { url: `/v1/ambassadors/${b.id}`, as: WATCHER })).body.available, false)

  // A public edit moves it as before.
  await call(app, { method: 'PATCH', url: `/v1/ambassadors/${b.id}`, as: b.me, body: { topics: ['return_to_work'] } })
  t.not((await watch()).list, full.list, 'a public edit moves the ETag')
})

t.test('an applicant or a candidate in selection does not move the directory', async (t) => {
  const { app } = await build(t)
  await activeAmbassador(app, 'SC10')
  const before = (await call(app, { url: '/v1/ambassadors', as: WATCHER })).headers.etag
  const applied = await call(app, { method: 'POST', url: '/v1/ambassadors', as: as('SC11', 'manager'), body: { displayName: 'Candidate', bio: { en: 'x', fr: 'y' }, languages: ['en'], modes: ['phone'], topics: ['crisis'] } })
  t.equal(applied.status, 201)
  await call(app, { method: 'POST', url: `/v1/ambassadors/${applied.body.id}/transitions`, as: NMNO, body: { to: 'screened' } })
  t.equal((await call(app, { url: '/v1/ambassadors', as: WATCHER })).headers.etag, before, 'someone applying and being screened is not seen')
})
