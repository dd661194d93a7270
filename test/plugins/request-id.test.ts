// #16 part 3: an incoming X-Request-Id that is valid (1–128 of [A-Za-z0-9._:-]) is kept as the
// request id — logs, the problem's requestId, the audit event — and echoed; any other value is
// replaced by a generated UUID, never refused.
import { sql } from 'kysely'
import t from 'tap'
import { as, call, NMNO } from '../helper.ts'
import { buildLocal } from './local-build.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

t.test('a valid X-Request-Id is kept: echoed, logged, in problems and audit events', async (t) => {
  const { app, db, logs } = await buildLocal(t, { captureLogs: true })
  const manager = as('M-RID-1', 'manager')
  for (const id of ['iservice:7f3a.trace-01', 'a', 'x'.repeat(128), '0b9c2a1e-4f4e-4c1b-9d7e-1a2b3c4d5e6f']) {
    const res = await call(app, { url: '/v1/me', as: manager, headers: { 'x-request-id': id } })
    t.equal(res.status, 200)
    t.equal(res.headers['x-request-id'], id, `${id.slice(0, 20)} echoed`)
    const lines = logs.map((l) => JSON.parse(l)).filter((l) => l.reqId === id)
    t.ok(lines.some((l) => l.req) && lines.some((l) => l.res), 'the request and its answer are logged under that id')
  }
  const refused = await call(app, { url: '/v1/engagements/00000000-0000-4000-8000-000000000000', as: manager, headers: { 'x-request-id': 'corr-404' } })
  t.equal(refused.status, 404)
  t.equal(refused.headers['x-request-id'], 'corr-404')
  t.equal(refused.body.requestId, 'corr-404', 'the problem quotes it')
  const applied = await call(app, { method: 'POST', url: '/v1/ambassadors', as: as('M-RID-2', 'manager'), headers: { 'x-request-id': 'corr-apply-1' }, body: { displayName: 'Request Id', bio: { en: 'Bio', fr: 'Bio' } } })
  t.equal(applied.status, 201)
  const events = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_events WHERE request_id = 'corr-apply-1'`.execute(db)
  t.ok(events.rows[0].n >= 1, 'the audit event of the write carries it')
})

t.test('an invalid X-Request-Id is replaced by a generated id, not refused', async (t) => {
  const { app, logs } = await buildLocal(t, { captureLogs: true })
  const bad = ['', 'x'.repeat(129), 'has space', 'semi;colon', 'slash/es', 'é-accent', '<script>', 'a,b']
  for (const id of bad) {
    const res = await call(app, { url: '/v1/me', as: NMNO, headers: { 'x-request-id': id } })
    t.equal(res.status, 200, `${JSON.stringify(id.slice(0, 20))}: answered`)
    const echoed = res.headers['x-request-id'] as string
    t.match(echoed, UUID, 'a generated UUID instead')
    t.not(echoed, id)
    t.ok(logs.some((l) => JSON.parse(l).reqId === echoed), 'logged under the generated id')
  }
  t.notOk(logs.join('').includes('<script>'), 'the rejected value is not logged')
  const none = await call(app, { url: '/v1/me', as: NMNO })
  t.match(none.headers['x-request-id'], UUID, 'no header: a generated UUID')
  const a = await call(app, { url: '/v1/me', as: NMNO })
  t.not(a.headers['x-request-id'], none.headers['x-request-id'], 'one id per request')
})

t.test('framework refusals (before any hook) echo the kept id too', async (t) => {
  const { app } = await buildLocal(t)
  const res = await call(app, { url: `/v1/engagements/${'x'.repeat(300)}`, as: NMNO, headers: { 'x-request-id': 'corr-414' } })
  t.equal(res.status, 414)
  t.equal(res.headers['x-request-id'], 'corr-414')
  t.equal(res.body.requestId, 'corr-414')
})
