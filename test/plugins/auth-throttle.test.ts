// #12 item 6: abuse without a valid token is throttled. Failed authentications are counted per
// client address (AUTH_FAILURE_MAX per AUTH_FAILURE_WINDOW_S); past the budget the address gets a 429
// problem with Retry-After before any token work — a valid token from that address too, until the
// window ends — while other addresses are unaffected. In JWKS mode an unknown `kid` refetches the key
// set at most once per JWT_JWKS_COOLDOWN_S. Every refusal carries the same security headers as a 200.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { createSigner } from 'fast-jwt'
import t, { type Test } from 'tap'
import { buildApp, type App } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { securityHeaders } from '../../src/plugins/headers.ts'
import { as, build, testDatabase, tokenFor } from '../helper.ts'

const now = () => Math.floor(Date.now() / 1000)
const badlySigned = () => createSigner({ key: 'x'.repeat(48), algorithm: 'HS256' })({ sub: 'E1', roles: ['manager'], exp: now() + 600 })
const me = as('TH1', 'manager')

const get = (app: App, authorization?: string, remoteAddress = '127.0.0.1', url = '/v1/me') =>
  app.inject({ url, remoteAddress, headers: authorization ? { authorization } : {} })

t.test('failed authentication is throttled per client address (default budget: 100 per minute)', async (t) => {
  const { app, logs } = await build(t, { captureLogs: true })
  const statuses: number[] = []
  for (let i = 0; i < 800; i++) statuses.push((await get(app, `Bearer ${badlySigned()}`, '10.0.0.1')).statusCode)
  t.same(statuses.slice(0, 100), Array(100).fill(401), 'the first 100 badly signed tokens: 401')
  t.same(statuses.slice(100), Array(700).fill(429), 'the other 700: 429')
  let tokenless = 0
  for (let i = 0; i < 700; i++) if ((await get(app, undefined, '10.0.0.3')).statusCode === 429) tokenless++
  t.equal(tokenless, 600, '700 tokenless requests from another address: 600 of them 429')
  t.equal(logs.filter((l) => l.includes('too many failed authentications')).length, 2, 'one warning per address blocked, not one per request')
})

t.test('a blocked address: 429 problem with Retry-After, even for a valid token; other addresses unaffected; free again after the window', async (t) => {
  const { app } = await build(t, { env: { AUTH_FAILURE_MAX: '5', AUTH_FAILURE_WINDOW_S: '2' } })
  for (let i = 0; i < 5; i++) t.equal((await get(app, `Bearer ${badlySigned()}`, '10.0.0.7')).statusCode, 401)
  const limited = await get(app, `Bearer ${badlySigned()}`, '10.0.0.7')
  t.equal(limited.statusCode, 429)
  t.match(limited.headers['content-type'], /^application\/problem\+json/)
  t.equal(limited.json().code, 'too-many-requests')
  t.ok(Number(limited.headers['retry-after']) >= 1 && Number(limited.headers['retry-after']) <= 2, `retry-after ${limited.headers['retry-after']}`)
  t.equal((await get(app, undefined, '10.0.0.7')).statusCode, 429, 'tokenless from the blocked address')
  t.equal((await get(app, `Bearer ${tokenFor(me)}`, '10.0.0.7')).statusCode, 429, 'a valid token from the blocked address: no token work is done, so 429 too')
  t.equal((await get(app, `Bearer ${tokenFor(me)}`, '10.0.0.8')).statusCode, 200, 'another address: a valid token works')
  t.equal((await get(app, `Bearer ${badlySigned()}`, '10.0.0.8')).statusCode, 401, 'another address: a bad token is a 401')
  t.equal((await get(app, undefined, '10.0.0.7', '/health/live')).statusCode, 200, 'public routes are not throttled')
  await new Promise((r) => setTimeout(r, 2_500))
  t.equal((await get(app, `Bearer ${tokenFor(me)}`, '10.0.0.7')).statusCode, 200, 'after the window, a valid token works again')
  t.equal((await get(app, `Bearer ${badlySigned()}`, '10.0.0.7')).statusCode, 401, 'and a bad one is a 401 again')
  const fr = await get(app, `Bearer ${badlySigned()}`, '10.0.0.9')
  t.equal(fr.statusCode, 401)
})

t.test('successful requests do not count against the failure budget', async (t) => {
  const { app } = await build(t, { env: { AUTH_FAILURE_MAX: '3' } })
  for (let i = 0; i < 20; i++) t.equal((await get(app, `Bearer ${tokenFor(me)}`, '10.0.1.1')).statusCode, 200)
  const forbidden = await app.inject({ url: '/v1/ambassadors/00000000-0000-4000-8000-000000000000/competencies', method: 'PUT', remoteAddress: '10.0.1.1', headers: { authorization: `Bearer ${tokenFor(me)}` }, payload: {} })
  t.equal(forbidden.statusCode, 403, 'a 403 is not a failed authentication')
  for (let i = 0; i < 5; i++) await app.inject({ url: '/v1/ambassadors/00000000-0000-4000-8000-000000000000/competencies', method: 'PUT', remoteAddress: '10.0.1.1', headers: { authorization: `Bearer ${tokenFor(me)}` }, payload: {} })
  t.equal((await get(app, `Bearer ${tokenFor(me)}`, '10.0.1.1')).statusCode, 200)
})

async function jwksServer(t: Test, port: number) {
  const keys = [generateKeyPairSync('rsa', { modulusLength: 2048 })]
  const kidOf = (i: number) => `key-${i}`
  let fetches = 0
  const server: Server = createServer((req, res) => {
    if (req.url !== '/jwks.json') return void res.writeHead(404).end()
    fetches++
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ keys: keys.map((k, i) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: kidOf(i), alg: 'RS256', use: 'sig' })) }))
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const sign = (i: number, kid = kidOf(i)) => createSigner({ key: keys[i].privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), algorithm: 'RS256', kid })({ sub: 'E20', roles: ['manager'], iss: 'https://idp.example', aud: 'm2m-api', exp: now() + 600 })
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    fetches: () => fetches,
    rotate: () => { keys.push(generateKeyPairSync('rsa', { modulusLength: 2048 })); return keys.length - 1 },
    sign,
  }
}

async function jwksApp(t: Test, url: string, env: Record<string, string> = {}) {
  const config = loadConfig({
    NODE_ENV: 'test', JWT_JWKS_URL: url, JWT_ISSUER: 'https://idp.example', JWT_AUDIENCE: 'm2m-api',
    AUDIT_KEY: 'a'.repeat(40), DATA_KEY: 'd'.repeat(40), LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '1000000', AUTH_FAILURE_MAX: '100000', ...env,
  })
  const { db } = await testDatabase(t)
  const app = await buildApp({ config, db })
  await app.ready()
  t.teardown(() => app.close())
  return app
}

t.test('JWKS: 40 random kids make at most one refetch per cooldown; a rotated key is found after it', async (t) => {
  const idp = await jwksServer(t, 3852)
  const app = await jwksApp(t, idp.url, { JWT_JWKS_COOLDOWN_S: '1' })
  t.equal((await get(app, `Bearer ${idp.sign(0)}`)).statusCode, 200, 'a token of the published key')
  t.equal(idp.fetches(), 1, 'one fetch for the first token')
  const random = await Promise.all(Array.from({ length: 20 }, () => get(app, `Bearer ${idp.sign(0, randomBytes(8).toString('hex'))}`)))
  for (let i = 0; i < 20; i++) random.push(await get(app, `Bearer ${idp.sign(0, randomBytes(8).toString('hex'))}`))
  t.same([...new Set(random.map((r) => r.statusCode))], [401], '40 unknown kids: 401')
  t.ok(idp.fetches() <= 2, `40 unknown kids, ${idp.fetches() - 1} refetch(es) (at most one per cooldown)`)
  t.equal((await get(app, `Bearer ${idp.sign(0)}`)).statusCode, 200, 'the known key still works')
  const next = idp.rotate()
  await new Promise((r) => setTimeout(r, 1_200))
  const before = idp.fetches()
  t.equal((await get(app, `Bearer ${idp.sign(next)}`)).statusCode, 200, 'a rotated-in key is found once the cooldown has passed')
  t.equal(idp.fetches(), before + 1, 'with one fetch')
  t.equal((await get(app, `Bearer ${idp.sign(next)}`)).statusCode, 200)
  t.equal(idp.fetches(), before + 1, 'and then from the cache')
})

t.test('JWKS: with the default 30 s cooldown, 40 random kids make no refetch at all', async (t) => {
  const idp = await jwksServer(t, 3853)
  const app = await jwksApp(t, idp.url)
  t.equal((await get(app, `Bearer ${idp.sign(0)}`)).statusCode, 200)
  for (let i = 0; i < 40; i++) t.equal((await get(app, `Bearer ${idp.sign(0, `random-${i}`)}`)).statusCode, 401)
  t.equal(idp.fetches(), 1, 'the key set was fetched once')
})

t.test('401, 403, 404, 406 and 429 carry the same security headers as a 200', async (t) => {
  const { app } = await build(t, { env: { AUTH_FAILURE_MAX: '1', RATE_LIMIT_MAX: '3' } })
  const names = Object.keys(securityHeaders())
  t.ok(names.length >= 8, names.join(', '))
  const ok = await get(app, `Bearer ${tokenFor(me)}`)
  t.equal(ok.statusCode, 200)
  const pick = (h: Record<string, unknown>) => Object.fromEntries(names.map((n) => [n, h[n]]))
  const expected = pick(ok.headers)
  const answers = {
    401: await get(app, undefined, '10.0.2.1'),
    403: await get(app, `Bearer ${tokenFor(as('TH2', 'hr_analyst'))}`, '127.0.0.1', '/v1/ambassadors'),
    404: await get(app, `Bearer ${tokenFor(me)}`, '127.0.0.1', '/v1/nope'),
    406: await app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${tokenFor(me)}`, accept: 'text/html' } }),
    '429 (failed authentication)': await get(app, undefined, '10.0.2.1'),
    '400 (Accept-Language)': await app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${tokenFor(me)}`, 'accept-language': 'fr;q=9' } }),
  } as Record<string, Awaited<ReturnType<typeof get>>>
  for (let i = 0; i < 3; i++) await get(app, `Bearer ${tokenFor(as('TH3', 'manager'))}`)
  answers['429 (rate limit)'] = await get(app, `Bearer ${tokenFor(as('TH3', 'manager'))}`)
  for (const [what, res] of Object.entries(answers)) {
    t.equal(String(res.statusCode), what.split(' ')[0], what)
    t.same(pick(res.headers), expected, `${what}: the security headers of a 200`)
  }
  t.match(answers[401].headers['www-authenticate'], /^Bearer /)
})
