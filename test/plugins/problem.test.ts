// SPEC §4: every error is an RFC 9457 problem (en/fr); bad input of any kind is a 4xx that changes
// nothing; a 500 never leaks a stack, SQL, a constraint name or a value.
import { sql } from 'kysely'
import pg from 'pg'
import t, { type Test } from 'tap'
import { inTransaction } from '../../src/db/tx.ts'
import { authorize } from '../../src/policy/authorize.ts'
import { as, call, type Principal } from '../helper.ts'
import { buildLocal } from './local-build.ts'

type Res = Awaited<ReturnType<typeof call>>
function assertProblem(t: Test, res: Res, status: number, code: string) {
  t.equal(res.status, status, `status ${status}`)
  t.equal(res.body?.code, code, `code ${code}`)
  t.match(res.headers['content-type'], /^application\/problem\+json/, 'application/problem+json')
  t.equal(res.body?.status, status, 'status member')
  t.match(res.body?.type, /^https:\/\//, 'type is a URI')
  t.type(res.body?.title, 'string')
}

const FAKE_SQL = 'duplicate key value violates unique constraint "ambassadors_employee_ref_key" SELECT * FROM ambassadors WHERE employee_ref = \'SECRET-E555\''

t.test('§4 problems', async (t) => {
  const { app, logs } = await buildLocal(t, {
    captureLogs: true,
    extend(app) {
      app.get('/__test/boom', { config: { roles: ['manager'] } }, async () => {
        throw new Error(FAKE_SQL)
      })
      app.get('/__test/pg-error', { config: { public: true } }, async () => {
        const err = new pg.DatabaseError('duplicate key value violates unique constraint "secret_pkey"', 0, 'error')
        Object.assign(err, { severity: 'ERROR', code: '23505', detail: 'Key (employee_ref)=(PG-SECRET-777) already exists.', constraint: 'secret_pkey', table: 'ambassadors', routine: '_bt_check_unique' })
        throw err
      })
      // A write route as the policy boundary wants it (authorized in its transaction), failing in PostgreSQL.
      app.post('/__test/real-db-error', { config: { roles: ['nmno'], action: 'resource.create' } }, async (req) => {
        await inTransaction(app.db, async (trx) => {
          await authorize(trx, req.actor, 'resource.create', { slug: 'real-db-error' })
          await sql`CREATE TEMP TABLE t_dup (v text PRIMARY KEY) ON COMMIT DROP`.execute(trx)
          await sql`INSERT INTO t_dup VALUES ('REAL-SECRET-888')`.execute(trx)
          await sql`INSERT INTO t_dup VALUES ('REAL-SECRET-888')`.execute(trx)
        })
        return { ok: true }
      })
    },
  })
  const me = as('P100', 'manager')
  const post = (body: unknown, who: Principal = me, headers: Record<string, string> = {}) =>
    call(app, { method: 'POST', url: '/v1/ambassadors', as: who, body, headers })
  const noApplication = async (t: Test, who: Principal = me) => {
    const res = await call(app, { url: '/v1/me', as: who })
    t.equal(res.status, 200)
    t.equal(res.body.application, null, 'nothing was created')
  }

  t.test('an unknown route → 404 not-found problem', async (t) => {
    assertProblem(t, await call(app, { url: '/v1/nope' }), 404, 'not-found')
    assertProblem(t, await call(app, { url: '/v1/nope', as: me }), 404, 'not-found')
    const res = await call(app, { url: '/nope?secret=1' })
    t.equal(res.body.instance, '/nope', 'instance carries no query string')
  })

  t.test('malformed JSON → 400 malformed-body', async (t) => {
    assertProblem(t, await post('{"displayName": "Half', me, { 'content-type': 'application/json' }), 400, 'malformed-body')
    await noApplication(t)
  })

  t.test('a body over the limit (64 KiB by default) → 413 payload-too-large', async (t) => {
    const big = JSON.stringify({ displayName: 'Big', bio: { en: 'x'.repeat(70 * 1024) } })
    assertProblem(t, await post(big, me, { 'content-type': 'application/json' }), 413, 'payload-too-large')
    await noApplication(t)
  })

  t.test('text/plain on a JSON route → 415 unsupported-media-type', async (t) => {
    assertProblem(t, await post('displayName=x', me, { 'content-type': 'text/plain' }), 415, 'unsupported-media-type')
    await noApplication(t)
  })

  t.test('mass assignment: an unknown field → 400 validation-failed naming it, nothing created', async (t) => {
    const res = await post({ displayName: 'Sneaky', status: 'active' })
    assertProblem(t, res, 400, 'validation-failed')
    t.ok(res.body.errors.some((e: any) => e.path === '/body/status'), JSON.stringify(res.body.errors))
    const nested = await post({ displayName: 'Sneaky', bio: { en: 'Hello', termEnd: '2099-01-01' } })
    assertProblem(t, nested, 400, 'validation-failed')
    t.ok(nested.body.errors.some((e: any) => e.path === '/body/bio/termEnd'), JSON.stringify(nested.body.errors))
    await noApplication(t)
  })

  t.test('wrong types: bodies are not coerced ("3" is not 3)', async (t) => {
    const res = await post({ displayName: 'Typed', capacity: '3' })
    assertProblem(t, res, 400, 'validation-failed')
    t.ok(res.body.errors.some((e: any) => e.path === '/body/capacity'), JSON.stringify(res.body.errors))
    assertProblem(t, await post({ displayName: 'Typed', languages: 'en' }), 400, 'validation-failed')
    assertProblem(t, await post([{ displayName: 'Array' }]), 400, 'validation-failed')
    await noApplication(t)
  })

  t.test('a bad UUID in a path → 400 validation-failed', async (t) => {
    const res = await call(app, { url: '/v1/ambassadors/not-a-uuid', as: me })
    assertProblem(t, res, 400, 'validation-failed')
    t.ok(res.body.errors.some((e: any) => e.path.startsWith('/params')), JSON.stringify(res.body.errors))
  })

  t.test('an unknown query parameter → 400 validation-failed', async (t) => {
    assertProblem(t, await call(app, { url: '/v1/ambassadors?region=west', as: me }), 400, 'validation-failed')
    assertProblem(t, await call(app, { url: '/v1/ambassadors?limit=1000', as: me }), 400, 'validation-failed')
  })

  t.test('a malformed Accept-Language → 400 invalid-header', async (t) => {
    for (const value of ['en;q=abc', 'fr;q=2', '12345', 'en,,fr;x=1']) {
      assertProblem(t, await call(app, { url: '/v1/me', as: me, headers: { 'accept-language': value } }), 400, 'invalid-header')
    }
  })

  t.test('Accept-Language: fr-CA → French title and content-language fr; de → English', async (t) => {
    const fr = await call(app, { url: '/v1/nope', headers: { 'accept-language': 'fr-CA' } })
    assertProblem(t, fr, 404, 'not-found')
    t.equal(fr.body.title, 'Introuvable')
    t.equal(fr.headers['content-language'], 'fr')
    const weighted = await call(app, { url: '/v1/nope', headers: { 'accept-language': 'de;q=1, fr;q=0.5, en;q=0.1' } })
    t.equal(weighted.headers['content-language'], 'fr', 'the best official language by q')
    const de = await call(app, { url: '/v1/nope', headers: { 'accept-language': 'de' } })
    t.equal(de.body.title, 'Not found')
    t.equal(de.headers['content-language'], 'en')
  })

  t.test('a 500 never leaks internals', async (t) => {
    const res = await call(app, { url: '/__test/boom', as: me })
    assertProblem(t, res, 500, 'internal-error')
    const text = res.raw.body
    for (const leak of ['duplicate key', 'ambassadors_employee_ref_key', 'SECRET-E555', 'SELECT', 'stack', '.ts:']) {
      t.notOk(text.includes(leak), `body does not contain ${leak}`)
    }
    t.same(Object.keys(res.body).sort(), ['code', 'detail', 'instance', 'requestId', 'status', 'title', 'type'])
    t.equal(res.body.requestId, res.headers['x-request-id'], 'the request id to quote')
  })

  t.test('a database error is a 500 whose detail and values reach neither the client nor the logs', async (t) => {
    for (const [url, secret, constraint] of [['/__test/pg-error', 'PG-SECRET-777', 'secret_pkey'], ['/__test/real-db-error', 'REAL-SECRET-888', 't_dup_pkey']]) {
      const before = logs.length
      const res = url === '/__test/real-db-error' ? await call(app, { method: 'POST', url, as: as('N900', 'nmno'), body: {} }) : await call(app, { url })
      assertProblem(t, res, 500, 'internal-error')
      t.notOk(res.raw.body.includes(secret), `${url}: no value in the body`)
      t.notOk(res.raw.body.includes(constraint), `${url}: no constraint in the body`)
      const lines = logs.slice(before).join('')
      t.match(lines, /"code":"23505"/, `${url}: the SQLSTATE is logged`)
      t.notOk(lines.includes(secret), `${url}: no value in the logs`)
      t.notOk(lines.includes('already exists'), `${url}: no pg detail in the logs`)
    }
  })

  t.test('a 4xx problem carries cache-control no-store and the request id', async (t) => {
    const res = await call(app, { url: '/v1/ambassadors/not-a-uuid', as: me })
    t.equal(res.headers['cache-control'], 'no-store')
    t.match(res.body.requestId, /^[0-9a-f-]{36}$/)
  })
})
