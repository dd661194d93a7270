// AUTH-2: bearer JWT verification. Every failure is the same 401 problem; roles gate routes (403).
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createSigner } from 'fast-jwt'
import t, { type Test } from 'tap'
import { buildApp, type App } from '../../src/app.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import { HR, TEST_SECRET, as, build, call, testDatabase } from '../helper.ts'

const now = () => Math.floor(Date.now() / 1000)
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
const hs256 = (payload: Record<string, unknown>, key = TEST_SECRET) => createSigner({ key, algorithm: 'HS256' })(payload)

async function get(app: App, url: string, token?: string, headers: Record<string, string> = {}) {
  return call(app, { url, headers: { ...headers, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) } })
}

function assertProblem(t: Test, res: Awaited<ReturnType<typeof call>>, status: number, code: string) {
  t.equal(res.status, status, `status ${status}`)
  t.equal(res.body?.code, code, `code ${code}`)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
}

async function buildWithConfig(t: Test, config: Readonly<Config>): Promise<App> {
  const { db } = await testDatabase(t)
  const app = await buildApp({ config, db })
  await app.ready()
  t.teardown(() => app.close())
  return app
}

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 })
const pem = (k: KeyObject) => k.export({ format: 'pem', type: k.type === 'private' ? 'pkcs8' : 'spki' }).toString()

t.test('AUTH-2 HS256 (development and tests)', async (t) => {
  const { app } = await build(t)
  const good = { sub: 'E1', roles: ['manager'] }
  const unauthorizedDetails = new Set<string>()
  const rejects = async (t: Test, token: string | undefined, headers: Record<string, string> = {}) => {
    const res = await get(app, '/v1/me', token, headers)
    assertProblem(t, res, 401, 'unauthorized')
    unauthorizedDetails.add(JSON.stringify({ title: res.body.title, detail: res.body.detail }))
  }

  t.test('a valid token is accepted', async (t) => {
    const res = await get(app, '/v1/me', hs256({ ...good, exp: now() + 600 }))
    t.equal(res.status, 200)
    t.equal(res.body.sub, 'E1')
  })
  t.test('no token → 401', async (t) => rejects(t, undefined))
  t.test('a malformed Authorization header → 401', async (t) => {
    await rejects(t, undefined, { authorization: 'Basic dXNlcjpwYXNz' })
    await rejects(t, undefined, { authorization: 'Bearer' })
    await rejects(t, undefined, { authorization: 'Bearer not-a-jwt' })
    await rejects(t, 'a.b.c')
  })
  t.test('alg: none → 401', async (t) => {
    await rejects(t, `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...good, exp: now() + 600 })}.`)
  })
  t.test('a token signed with another secret → 401', async (t) => {
    await rejects(t, hs256({ ...good, exp: now() + 600 }, 'another-secret-another-secret-another-secret'))
  })
  t.test('expired beyond the 30 s tolerance → 401', async (t) => rejects(t, hs256({ ...good, exp: now() - 120 })))
  t.test('clock tolerance ≤ 30 s: expired 10 s ago is still accepted', async (t) => {
    const res = await get(app, '/v1/me', hs256({ ...good, exp: now() - 10 }))
    t.equal(res.status, 200)
  })
  t.test('nbf in the future → 401', async (t) => rejects(t, hs256({ ...good, exp: now() + 600, nbf: now() + 300 })))
  t.test('missing sub → 401', async (t) => rejects(t, hs256({ roles: ['manager'], exp: now() + 600 })))
  t.test('a sub that is not an employee id → 401', async (t) => rejects(t, hs256({ sub: 'E1 <script>', roles: ['manager'], exp: now() + 600 })))
  t.test('missing exp → 401', async (t) => rejects(t, hs256(good)))
  t.test('algorithm confusion: RS256 or ES256 signed tokens when HS256 is configured → 401', async (t) => {
    const { privateKey } = rsa()
    await rejects(t, createSigner({ key: pem(privateKey), algorithm: 'RS256' })({ ...good, exp: now() + 600 }))
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    await rejects(t, createSigner({ key: pem(ec.privateKey), algorithm: 'ES256' })({ ...good, exp: now() + 600 }))
  })
  t.test('a 401 never says why: every failure reads the same', async (t) => {
    t.equal(unauthorizedDetails.size, 1, [...unauthorizedDetails].join(' | '))
  })
  t.test('a wrong role → 403 forbidden', async (t) => {
    const res = await call(app, { url: '/v1/ambassadors', as: HR })
    assertProblem(t, res, 403, 'forbidden')
  })
  t.test('unknown roles in the claim are ignored', async (t) => {
    const res = await get(app, '/v1/me', hs256({ sub: 'E2', roles: ['manager', 'superuser', 'admin'], exp: now() + 600 }))
    t.equal(res.status, 200)
    t.same(res.body.roles, ['manager'])
    const only = await get(app, '/v1/ambassadors', hs256({ sub: 'E3', roles: ['admin'], exp: now() + 600 }))
    assertProblem(t, only, 403, 'forbidden')
    const notArray = await get(app, '/v1/me', hs256({ sub: 'E4', roles: 'nmno', exp: now() + 600 }))
    t.equal(notArray.status, 200)
    t.same(notArray.body.roles, [], 'a roles claim that is not an array gives no role')
  })
})

t.test('AUTH-2 iss and aud are checked when configured', async (t) => {
  const { app } = await build(t, { env: { JWT_ISSUER: 'https://idp.example', JWT_AUDIENCE: 'm2m-api' } })
  const base = { sub: 'E1', roles: ['manager'], exp: now() + 600 }
  t.equal((await get(app, '/v1/me', hs256({ ...base, iss: 'https://idp.example', aud: 'm2m-api' }))).status, 200, 'right iss and aud')
  assertProblem(t, await get(app, '/v1/me', hs256({ ...base, iss: 'https://evil.example', aud: 'm2m-api' })), 401, 'unauthorized')
  assertProblem(t, await get(app, '/v1/me', hs256({ ...base, iss: 'https://idp.example', aud: 'other-api' })), 401, 'unauthorized')
  assertProblem(t, await get(app, '/v1/me', hs256({ ...base, aud: 'm2m-api' })), 401, 'unauthorized')
  assertProblem(t, await get(app, '/v1/me', hs256({ ...base, iss: 'https://idp.example' })), 401, 'unauthorized')
})

t.test('AUTH-2 JWKS (production mode): asymmetric keys from the identity provider', async (t) => {
  const { publicKey, privateKey } = rsa()
  const other = rsa()
  const kid = 'key-1'
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ keys: [jwk] }))
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const port = (server.address() as AddressInfo).port
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    JWT_ISSUER: 'https://idp.example',
    JWT_AUDIENCE: 'm2m-api',
    AUDIT_KEY: 'a'.repeat(40),
    DATA_KEY: 'd'.repeat(40),
    LOG_LEVEL: 'silent',
  })
  t.same(config.jwt.algorithms, ['RS256'])
  const app = await buildWithConfig(t, config)
  const claims = { sub: 'E10', roles: ['manager'], iss: 'https://idp.example', aud: 'm2m-api', exp: now() + 600 }

  t.test('an RS256 token signed with the published key → 200', async (t) => {
    const token = createSigner({ key: pem(privateKey), algorithm: 'RS256', kid })(claims)
    const res = await get(app, '/v1/me', token)
    t.equal(res.status, 200)
    t.equal(res.body.sub, 'E10')
  })
  t.test('an RS256 token signed with another key under the same kid → 401', async (t) => {
    const token = createSigner({ key: pem(other.privateKey), algorithm: 'RS256', kid })(claims)
    assertProblem(t, await get(app, '/v1/me', token), 401, 'unauthorized')
  })
  t.test('an unknown kid → 401', async (t) => {
    const token = createSigner({ key: pem(privateKey), algorithm: 'RS256', kid: 'nope' })(claims)
    assertProblem(t, await get(app, '/v1/me', token), 401, 'unauthorized')
  })
  t.test('algorithm confusion: HS256 signed with the public key as secret → 401', async (t) => {
    const token = createSigner({ key: pem(publicKey), algorithm: 'HS256', kid })(claims)
    assertProblem(t, await get(app, '/v1/me', token), 401, 'unauthorized')
  })
  t.test('alg: none → 401', async (t) => {
    assertProblem(t, await get(app, '/v1/me', `${b64({ alg: 'none', kid })}.${b64(claims)}.`), 401, 'unauthorized')
  })
  t.test('wrong audience → 401', async (t) => {
    const token = createSigner({ key: pem(privateKey), algorithm: 'RS256', kid })({ ...claims, aud: 'other' })
    assertProblem(t, await get(app, '/v1/me', token), 401, 'unauthorized')
  })
  t.test('the HS256 test secret means nothing here', async (t) => {
    assertProblem(t, await get(app, '/v1/me', hs256(claims)), 401, 'unauthorized')
  })
})

t.test('AUTH-2 a token for a principal with no role reaches only what any principal may', async (t) => {
  const { app } = await build(t)
  const res = await call(app, { url: '/v1/me', as: as('E77') })
  t.equal(res.status, 200)
  t.same(res.body.roles, [])
})
