// SPEC §4: liveness, readiness against the database; a database that is gone is a 503 problem.
import t from 'tap'
import { createDatabase } from '../../src/db/database.ts'
import { as, build, call, testConfig } from '../helper.ts'
import { buildLocal } from './local-build.ts'

t.test('§4 /health/live and /health/ready answer without a token', async (t) => {
  const { app } = await build(t)
  const live = await call(app, { url: '/health/live' })
  t.equal(live.status, 200)
  t.same(live.body, { status: 'ok' })
  t.equal(live.headers['cache-control'], 'no-store')
  const ready = await call(app, { url: '/health/ready' })
  t.equal(ready.status, 200)
  t.same(ready.body, { status: 'ready' })
})

t.test('§4 readiness against a database that is gone → 503 service-unavailable; liveness stays 200', async (t) => {
  // Nothing listens on port 1: the pool fails fast (no PostgreSQL server is needed for this test).
  const { db } = createDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:1/gone', pgliteDir: '', db: { poolMax: 1, statementTimeoutMs: 1000, acquireTimeoutMs: 500 } })
  t.teardown(() => db.destroy())
  const { app } = await buildLocal(t, { db, config: testConfig() })
  const ready = await call(app, { url: '/health/ready' })
  t.equal(ready.status, 503)
  t.equal(ready.body.code, 'service-unavailable')
  t.match(ready.headers['content-type'], /^application\/problem\+json/)
  t.notMatch(ready.raw.body, /ECONNREFUSED|127\.0\.0\.1|postgres/, 'no connection details leak')
  t.equal((await call(app, { url: '/health/live' })).status, 200)
})

t.test('§4 a request that needs a database that is gone → 503 service-unavailable, not 500', async (t) => {
  const { db } = createDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:1/gone', pgliteDir: '', db: { poolMax: 1, statementTimeoutMs: 1000, acquireTimeoutMs: 500 } })
  t.teardown(() => db.destroy())
  const { app } = await buildLocal(t, { db, config: testConfig() })
  const res = await call(app, { url: '/v1/me', as: as('E1', 'manager') })
  t.equal(res.status, 503)
  t.equal(res.body.code, 'service-unavailable')
  t.match(res.headers['content-type'], /^application\/problem\+json/)
})
