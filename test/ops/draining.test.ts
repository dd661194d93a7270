// #12 items 8 and 10: once the process is stopping (server.ts sets lifecycle.draining on SIGTERM),
// readiness answers 503 so that a load balancer takes the replica out, while liveness and the
// requests still arriving are served until the server closes.
import t from 'tap'
import { as, build, call } from '../helper.ts'

t.test('draining: readiness fails, everything else is still served', async (t) => {
  const { app } = await build(t)
  t.equal((await call(app, { url: '/health/ready' })).status, 200, 'ready before')
  app.lifecycle.draining = true
  const ready = await call(app, { url: '/health/ready' })
  t.equal(ready.status, 503, 'not ready while draining')
  t.match(ready.headers['content-type'], /^application\/problem\+json/)
  t.equal(ready.body.code, 'service-unavailable')
  t.equal((await call(app, { url: '/health/live' })).status, 200, 'still alive')
  t.equal((await call(app, { url: '/v1/me', as: as('DR1', 'manager') })).status, 200, 'requests still served')
})
