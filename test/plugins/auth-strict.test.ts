// AUTH-2, #12 item 7: stricter tokens. An `iat` in the future or not a number, an `exp` further away
// than the longest lifetime (JWT_MAX_LIFETIME_S, 12 h by default), and a request with two
// Authorization headers are refused with the same 401 as any bad token, which names its scheme
// (RFC 6750: WWW-Authenticate: Bearer).
import { createHmac } from 'node:crypto'
import t from 'tap'
import { TEST_SECRET, build } from '../helper.ts'

const now = () => Math.floor(Date.now() / 1000)
// Signed by hand: a library signer would fill in or coerce `iat`, which is what is under test.
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
function sign(payload: Record<string, unknown>) {
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`
  return `${body}.${createHmac('sha256', TEST_SECRET).update(body).digest('base64url')}`
}
const good = { sub: 'E1', roles: ['manager'] }

t.test('token times and duplicate headers', async (t) => {
  const { app } = await build(t)
  const me = (token: string, extra: Record<string, unknown> = {}) => app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${token}`, ...extra } })

  const ok = await me(sign({ ...good, iat: now(), exp: now() + 3600 }))
  t.equal(ok.statusCode, 200, 'an ordinary token')
  t.equal((await me(sign({ ...good, iat: now() + 10, exp: now() + 3600 }))).statusCode, 200, 'iat within the clock tolerance')
  t.equal((await me(sign({ ...good, iat: now() - 3600, exp: now() + 11 * 3600 }))).statusCode, 200, 'a 12-hour token')

  for (const [why, payload] of [
    ['iat in the future', { ...good, iat: now() + 600, exp: now() + 3600 }],
    ['iat not a number', { ...good, iat: String(now()), exp: now() + 3600 }],
    ['iat null', { ...good, iat: null, exp: now() + 3600 }],
    ['exp a year away', { ...good, exp: now() + 365 * 86400 }],
    ['exp 13 h away', { ...good, iat: now(), exp: now() + 13 * 3600 }],
    ['exp − iat over 12 h', { ...good, iat: now() - 12 * 3600, exp: now() + 3600 }],
  ] as const) {
    const res = await me(sign(payload))
    t.equal(res.statusCode, 401, why)
    t.equal(res.headers['www-authenticate'], 'Bearer realm="m2m-network"', `${why}: WWW-Authenticate`)
    t.equal(res.json().code, 'unauthorized')
  }

  const token = sign({ ...good, exp: now() + 600 })
  const other = sign({ sub: 'N1', roles: ['nmno'], exp: now() + 600 })
  const twice = await app.inject({ url: '/v1/me', headers: { authorization: [`Bearer ${token}`, `Bearer ${other}`] } as any })
  t.equal(twice.statusCode, 401, 'two Authorization headers')
  const none = await app.inject({ url: '/v1/me' })
  t.same([none.statusCode, none.headers['www-authenticate']], [401, 'Bearer realm="m2m-network"'], 'no token: the scheme is named')
})

t.test('the longest lifetime is configurable', async (t) => {
  const { app } = await build(t, { env: { JWT_MAX_LIFETIME_S: '600' } })
  const me = (payload: Record<string, unknown>) => app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${sign(payload)}` } })
  t.equal((await me({ ...good, exp: now() + 500 })).statusCode, 200)
  t.equal((await me({ ...good, exp: now() + 3600 })).statusCode, 401)
})
