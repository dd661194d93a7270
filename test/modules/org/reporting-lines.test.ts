// COI-2: the reporting-lines snapshot, replaced whole by nmno (or the HR feed with the nmno role).
import t from 'tap'
import { as, build, call, GOVERNANCE, HR, ISERVICE, NMNO } from '../../helper.ts'

const URL = '/v1/org/reporting-lines'

t.test('nmno replaces the snapshot; the previous one is gone', async (t) => {
  const { app, db } = await build(t)
  let res = await call(app, { method: 'PUT', url: URL, as: NMNO, body: { items: [
    { employeeRef: 'E1', supervisorRef: 'E2', orgUnit: 'Ops' }, { employeeRef: 'E2', supervisorRef: null },
  ] } })
  t.equal(res.status, 200)
  t.equal(res.body.count, 2)
  t.ok(Date.parse(res.body.importedAt))
  t.equal(res.headers['cache-control'], 'no-store')
  res = await call(app, { method: 'PUT', url: URL, as: NMNO, body: { items: [{ employeeRef: 'E3', supervisorRef: 'E4', orgUnit: null }] } })
  t.equal(res.body.count, 1)
  const rows = await db.selectFrom('reportingLines').select(['employeeRef', 'supervisorRef', 'orgUnit']).execute()
  t.same(rows, [{ employeeRef: 'E3', supervisorRef: 'E4', orgUnit: null }])
  res = await call(app, { method: 'PUT', url: URL, as: NMNO, body: { items: [] } })
  t.same([res.status, res.body.count], [200, 0])
})

t.test('every other role is refused', async (t) => {
  const { app } = await build(t)
  for (const who of [as('E1', 'manager'), GOVERNANCE, HR, ISERVICE]) {
    const res = await call(app, { method: 'PUT', url: URL, as: who, body: { items: [] } })
    t.same([res.status, res.body.code], [403, 'forbidden'], who.roles[0])
  }
  t.equal((await call(app, { method: 'PUT', url: URL, body: { items: [] } })).status, 401)
})

t.test('bad snapshots are 400 and change nothing', async (t) => {
  const { app, db } = await build(t)
  await call(app, { method: 'PUT', url: URL, as: NMNO, body: { items: [{ employeeRef: 'E1', supervisorRef: 'E2' }] } })
  for (const body of [
    { items: [{ employeeRef: 'E1', supervisorRef: 'E2' }, { employeeRef: 'E1', supervisorRef: 'E3' }] },
    { items: [{ employeeRef: 'E1' }] },
    { items: [{ employeeRef: 'E1', supervisorRef: 'E2', extra: 1 }] },
    { items: [], extra: true },
    { items: [{ employeeRef: '', supervisorRef: 'E2' }] },
    {},
  ]) {
    const res = await call(app, { method: 'PUT', url: URL, as: NMNO, body })
    t.same([res.status, res.body.code], [400, 'validation-failed'], JSON.stringify(body))
  }
  const rows = await db.selectFrom('reportingLines').select(['employeeRef']).execute()
  t.same(rows, [{ employeeRef: 'E1' }])
})

t.test('a snapshot of 50 000 lines is accepted (route body limit), 50 001 is refused', async (t) => {
  const { app, db } = await build(t)
  const items = Array.from({ length: 50_000 }, (_, i) => ({ employeeRef: `EMPLOYEE-${i}`, supervisorRef: i === 0 ? null : `EMPLOYEE-${Math.floor((i - 1) / 5)}`, orgUnit: `Directorate ${i % 40}` }))
  let res = await call(app, { method: 'PUT', url: URL, as: NMNO, body: { items } })
  t.same([res.status, res.body.count], [200, 50_000])
  const n = await db.selectFrom('reportingLines').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
  t.equal(Number(n.n), 50_000)
  res = await call(app, { method: 'PUT', url: URL, as: NMNO, body: { items: [...items, { employeeRef: 'X', supervisorRef: null }] } })
  t.same([res.status, res.body.code], [400, 'validation-failed'])
})

t.test('the raised body limit is this route’s only: above it is a 413, and other routes keep the global limit', async (t) => {
  const { app } = await build(t)
  const huge = JSON.stringify({ items: [{ employeeRef: 'E1', supervisorRef: null, orgUnit: 'x'.repeat(200) }] }).replace('"items":[', `"items":[${' '.repeat(17 * 1024 * 1024)}`)
  let res = await call(app, { method: 'PUT', url: URL, as: NMNO, body: huge, headers: { 'content-type': 'application/json' } })
  t.same([res.status, res.body.code], [413, 'payload-too-large'])
  res = await call(app, { method: 'POST', url: '/v1/conflict-declarations', as: NMNO, body: JSON.stringify({ pad: 'x'.repeat(200_000) }), headers: { 'content-type': 'application/json' } })
  t.same([res.status, res.body.code], [413, 'payload-too-large'])
})
