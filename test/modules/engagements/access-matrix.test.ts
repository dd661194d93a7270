// SPEC §2 as a table: every engagement route × every role outside the pair is refused, with 404
// (not 403) for a principal who could otherwise reach the route (CONF-1).
import t from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call } from '../../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['phone'], urgency: 'routine', topics: ['crisis'], aboutMyEmployee: true }
const past = new Date(Date.now() - 3600_000).toISOString()

t.test('engagement access matrix', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'X001')
  const other = await activeAmbassador(app, 'X002')
  const owner = as('XM01', 'manager')
  const e = (await call(app, { method: 'POST', url: '/v1/engagements', as: owner, body: { ambassadorId: amb.id, ...REQUEST } })).body.id
  await call(app, { method: 'POST', url: `/v1/engagements/${e}/accept`, as: amb.me, body: {} })
  const meeting = (await call(app, { method: 'POST', url: `/v1/engagements/${e}/meetings`, as: owner, body: { scheduledAt: past, durationMinutes: 30, mode: 'phone' } })).body.id
  const goal = (await call(app, { method: 'POST', url: `/v1/engagements/${e}/goals`, as: owner, body: { title: 'Goal' } })).body.id
  const resource = (await db.selectFrom('resources').select('id').executeTakeFirstOrThrow()).id
  const referral = (await call(app, { method: 'POST', url: `/v1/engagements/${e}/referrals`, as: amb.me, body: { resourceId: resource, forWhom: 'employee_situation' } })).body.id

  const routes: [string, string, unknown][] = [
    ['GET', `/v1/engagements/${e}`, undefined],
    ['POST', `/v1/engagements/${e}/accept`, {}],
    ['POST', `/v1/engagements/${e}/decline`, { reason: 'other' }],
    ['POST', `/v1/engagements/${e}/withdraw`, {}],
    ['PATCH', `/v1/engagements/${e}`, { stage: 'ending' }],
    ['POST', `/v1/engagements/${e}/extend`, {}],
    ['POST', `/v1/engagements/${e}/close`, { outcome: 'other' }],
    ['POST', `/v1/engagements/${e}/transfer`, {}],
    ['GET', `/v1/engagements/${e}/meetings`, undefined],
    ['POST', `/v1/engagements/${e}/meetings`, { scheduledAt: past, durationMinutes: 30, mode: 'phone' }],
    ['PATCH', `/v1/engagements/${e}/meetings/${meeting}`, { held: true }],
    ['GET', `/v1/engagements/${e}/goals`, undefined],
    ['POST', `/v1/engagements/${e}/goals`, { title: 'x' }],
    ['PATCH', `/v1/engagements/${e}/goals/${goal}`, { title: 'y' }],
    ['GET', `/v1/engagements/${e}/referrals`, undefined],
    ['POST', `/v1/engagements/${e}/referrals`, { resourceId: resource, forWhom: 'employee_situation' }],
    ['PATCH', `/v1/engagements/${e}/referrals/${referral}`, { helpful: true }],
    ['GET', `/v1/engagements/${e}/access-log`, undefined],
    ['DELETE', `/v1/engagements/${e}`, undefined],
  ]
  const outsiders: [string, any, number][] = [
    ['another Ambassador', other.me, 404],
    ['another manager', as('XM99', 'manager'), 404],
    ['governance', GOVERNANCE, 403],
    ['hr_analyst', HR, 403],
    ['iservice', ISERVICE, 403],
    ['no token', undefined, 401],
  ]
  for (const [method, url, body] of routes) {
    for (const [label, who, expected] of outsiders) {
      const res = await call(app, { method: method as any, url, as: who, body })
      t.equal(res.status, expected, `${label}: ${method} ${url.replace(e, ':id')}`)
    }
    // nmno reaches only the de-identified engagement itself.
    const office = await call(app, { method: method as any, url, as: NMNO, body })
    const expected = method === 'GET' && url === `/v1/engagements/${e}` ? 200 : 403
    t.equal(office.status, expected, `nmno: ${method} ${url.replace(e, ':id')}`)
  }
  const state = await call(app, { url: `/v1/engagements/${e}`, as: owner })
  t.same([state.body.status, state.body.stage], ['accepted', 'building_trust'], 'no refused call changed anything')
  t.equal((await call(app, { url: `/v1/engagements/${e}/meetings`, as: owner })).body.items.filter((m: any) => m.held).length, 0)
})
