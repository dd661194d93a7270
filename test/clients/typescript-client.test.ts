// #16 part 3: the typed client (clients/typescript) against a real server: the example of the
// iService flow runs end to end over HTTP, problems come back typed, X-Request-Id goes both ways.
import t from 'tap'
import { createM2MClient } from '../../clients/typescript/index.ts'
import { iServiceFlow } from '../../clients/typescript/examples/iservice-flow.ts'
import { activeAmbassador, as, build, ISERVICE, tokenFor } from '../helper.ts'

const PORT = 47310

t.test('the example iService flow runs against a real server', async (t) => {
  const { app } = await build(t)
  await activeAmbassador(app, 'A-CLIENT-1')
  const baseUrl = await app.listen({ host: '127.0.0.1', port: PORT })
  const lines: string[] = []
  const result = await iServiceFlow(baseUrl, {
    service: tokenFor(ISERVICE),
    manager: tokenFor(as('M-CLIENT-1', 'manager')),
    ambassador: tokenFor(as('A-CLIENT-1', 'manager')),
  }, (line) => lines.push(line))
  t.same(result.statuses, ['requested', 'accepted'], 'requested, then accepted by the Ambassador')
  t.ok(result.ambassadorInbox.includes('engagement_requested'), 'the Ambassador was told of the request')
  t.ok(result.managerInbox.includes('engagement_accepted'), 'the manager was told of the answer')
  t.match(result.requestId, /^[0-9a-f-]{36}$/, 'the client sent an X-Request-Id, echoed')
  t.equal(lines.length, 4, 'the example logs its four steps')

  const manager = createM2MClient(baseUrl, () => tokenFor(as('M-CLIENT-1', 'manager')), { language: 'fr', requestId: () => 'iservice:corr-42' })
  const missing = await manager.GET('/v1/engagements/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } })
  t.equal(missing.response.status, 404)
  t.equal(missing.error?.code, 'not-found', 'a problem comes back as the typed error')
  t.equal(missing.error?.requestId, 'iservice:corr-42', 'the caller’s X-Request-Id is kept')
  t.equal(missing.response.headers.get('content-language'), 'fr', 'in the language asked for')
  const anonymous = createM2MClient(baseUrl, 'not-a-token')
  const refused = await anonymous.GET('/v1/me')
  t.equal(refused.response.status, 401)
  t.equal(refused.error?.code, 'unauthorized')
})
