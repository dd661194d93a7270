// #12 item 6 behind a load balancer: the failed-authentication budget is per client. Without
// TRUST_PROXY, X-Forwarded-For is ignored (a client cannot dodge its budget by forging it); with the
// balancer's address in TRUST_PROXY, its X-Forwarded-For names the client, so one abusive client
// behind the balancer does not lock everyone else out.
import t from 'tap'
import type { App } from '../../src/app.ts'
import { build } from '../helper.ts'
import { loadConfig } from '../../src/config.ts'

const tokenless = (app: App, forwardedFor: string, remoteAddress = '10.9.0.1') =>
  app.inject({ url: '/v1/me', remoteAddress, headers: { 'x-forwarded-for': forwardedFor } }).then((r) => r.statusCode)

t.test('without TRUST_PROXY a forged X-Forwarded-For does not open a new budget', async (t) => {
  const { app } = await build(t, { env: { AUTH_FAILURE_MAX: '5' } })
  const statuses: number[] = []
  for (let i = 0; i < 10; i++) statuses.push(await tokenless(app, `198.51.100.${i}`))
  t.same(statuses, [401, 401, 401, 401, 401, 429, 429, 429, 429, 429], 'one budget: the balancer’s (or the forger’s) address')
})

t.test('with the balancer in TRUST_PROXY each client behind it has its own budget', async (t) => {
  const { app } = await build(t, { env: { AUTH_FAILURE_MAX: '5', TRUST_PROXY: '10.9.0.0/16' } })
  const abusive: number[] = []
  for (let i = 0; i < 8; i++) abusive.push(await tokenless(app, '198.51.100.7'))
  t.same(abusive, [401, 401, 401, 401, 401, 429, 429, 429], 'the abusive client is throttled')
  t.equal(await tokenless(app, '198.51.100.8'), 401, 'another client behind the same balancer is not')
  // A client that is not the balancer cannot pose as one.
  t.equal(await tokenless(app, '198.51.100.9', '203.0.113.5'), 401)
  t.equal(await tokenless(app, '198.51.100.7', '203.0.113.5'), 401, 'forged header from outside: its own address counts')
})

t.test('TRUST_PROXY values', async (t) => {
  t.equal(loadConfig({ JWT_SECRET: 'x'.repeat(40) }).trustProxy, false)
  t.equal(loadConfig({ JWT_SECRET: 'x'.repeat(40), TRUST_PROXY: '2' }).trustProxy, 2)
  t.same(loadConfig({ JWT_SECRET: 'x'.repeat(40), TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy, ['10.0.0.0/8', '127.0.0.1'])
  t.throws(() => loadConfig({ JWT_SECRET: 'x'.repeat(40), TRUST_PROXY: 'everyone' }))
})
