// CONF-3: logs never contain tokens, manager identities, query strings or request bodies.
import t from 'tap'
import { as, call, tokenFor } from '../helper.ts'
import { buildLocal } from './local-build.ts'

t.test('CONF-3 logs carry no tokens, identities, query strings or bodies; they carry the request id', async (t) => {
  const { app, logs } = await buildLocal(t, {
    captureLogs: true,
    extend(app) {
      app.get('/__test/boom', { config: { roles: ['manager'] } }, async () => {
        throw new Error('boom')
      })
    },
  })
  const manager = as('MGR-SECRET-4242', 'manager')
  const token = tokenFor(manager)
  const bio = 'Confidential bio text: I supported an employee through burnout'
  const applied = await call(app, {
    method: 'POST', url: '/v1/ambassadors', headers: { authorization: `Bearer ${token}` },
    body: { displayName: 'Logged Manager', bio: { en: bio, fr: 'Biographie confidentielle du gestionnaire' } },
  })
  t.equal(applied.status, 201)
  const listed = await call(app, { url: '/v1/ambassadors?language=fr&topic=return_to_work', headers: { authorization: `Bearer ${token}` } })
  t.equal(listed.status, 200)
  const badToken = `${token.slice(0, -6)}AAAAAA`
  const refused = await call(app, { url: '/v1/me', headers: { authorization: `Bearer ${badToken}` } })
  t.equal(refused.status, 401)
  const failed = await call(app, { url: '/__test/boom?manager=MGR-SECRET-4242', headers: { authorization: `Bearer ${token}` } })
  t.equal(failed.status, 500)

  const text = logs.join('')
  t.ok(logs.length >= 8, `some lines were logged (${logs.length})`)
  for (const [what, secret] of [
    ['the token', token],
    ['the bad token', badToken],
    ['a token signature', token.split('.')[2]],
    ['the query string', 'language=fr'],
    ['a query value', 'return_to_work'],
    ['the bio', bio],
    ['the French bio', 'Biographie confidentielle'],
    ['the manager’s sub', 'MGR-SECRET-4242'],
    ['the display name (body)', 'Logged Manager'],
    ['the Authorization scheme', 'Bearer'],
  ] as const) {
    t.notOk(text.includes(secret), `no log line contains ${what}`)
  }
  for (const res of [applied, listed, refused, failed]) {
    const id = res.headers['x-request-id'] as string
    t.match(id, /^[0-9a-f-]{36}$/)
    t.ok(logs.some((l) => JSON.parse(l).reqId === id), `request ${id} is logged by id`)
  }
  const routes = logs.map((l) => JSON.parse(l)).filter((l) => l.req).map((l) => l.req.route)
  t.ok(routes.includes('/v1/ambassadors'), 'the route pattern is logged, not the URL')
  const error = logs.map((l) => JSON.parse(l)).find((l) => l.err)
  t.ok(error, 'the 500 is logged')
  t.equal(error.level, 50)
})
