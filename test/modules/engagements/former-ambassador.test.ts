// CONF-5 (#11, finding 5): visibility belongs to the *current* assignment. An Ambassador who
// declined, was transferred away from (suspension, their own transfer request) or lost the role
// gets 404 on that engagement and every sub-resource, at once and for good, even once reinstated.
import t from 'tap'
import { NMNO, GOVERNANCE, activeAmbassador, as, build, call, type Principal } from '../../helper.ts'
import { engagement, REQUEST } from '../reports/fixtures.ts'

type App = Awaited<ReturnType<typeof build>>['app']

// One app for the file: every test has its own Ambassadors and managers (FA0n, M-FAn) and reads
// only what they can see.
const { app } = await build(t)

const SUB_RESOURCES = ['', '/meetings', '/goals', '/referrals', '/consents', '/disclosures', '/crisis-escalations']

/** Everything an Ambassador could read of the engagement: each must be a 404, and the list must not name it. */
async function seesNothing(t: any, app: App, who: Principal, id: string, why: string) {
  for (const path of SUB_RESOURCES) {
    const res = await call(app, { url: `/v1/engagements/${id}${path}`, as: who })
    t.same([res.status, res.body?.code], [404, 'not-found'], `${why}: GET …${path || '/{id}'} is a 404`)
    t.notMatch(res.raw.body, /managerRef|M-/, `${why}: …${path || '/{id}'} names no manager`)
  }
  const list = await call(app, { url: '/v1/engagements?as=ambassador&limit=100', as: who })
  t.notOk(list.body.items.some((e: any) => e.id === id), `${why}: not in the Ambassador’s list`)
  for (const [method, path, body] of [
    ['POST', '/meetings', { scheduledAt: new Date().toISOString(), durationMinutes: 30, mode: 'phone' }],
    ['POST', '/goals', { title: 'Plan a return to work' }],
    ['PATCH', '', { stage: 'goal_setting' }],
    ['POST', '/accept', {}],
    ['POST', '/transfer', {}],
  ] as const) {
    const res = await call(app, { method, url: `/v1/engagements/${id}${path}`, as: who, body })
    t.equal(res.status, 404, `${why}: ${method} …${path || '/{id}'} is a 404`)
  }
}

t.test('an Ambassador who declined sees nothing more of the request', async (t) => {
  const c = await activeAmbassador(app, 'FA01')
  const m = as('M-FA1', 'manager')
  const e = await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: c.id, ...REQUEST } })
  t.equal((await call(app, { url: `/v1/engagements/${e.body.id}`, as: c.me })).body.managerRef, 'M-FA1', 'before: the assigned Ambassador reads it')
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${e.body.id}/decline`, as: c.me, body: { reason: 'capacity' } })).status, 200)
  await seesNothing(t, app, c.me, e.body.id, 'declined')
  t.equal((await call(app, { url: `/v1/engagements/${e.body.id}`, as: m })).body.status, 'declined', 'the manager still sees their request')
})

t.test('a request the manager withdrew is gone for its Ambassador', async (t) => {
  const c = await activeAmbassador(app, 'FA02')
  const m = as('M-FA2', 'manager')
  const e = await engagement(app, c, 'M-FA2', 'accepted')
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${e.id}/withdraw`, as: m, body: {} })).status, 200)
  await seesNothing(t, app, c.me, e.id, 'withdrawn')
})

t.test('an Ambassador who asked for a transfer loses the engagement at once', async (t) => {
  const b = await activeAmbassador(app, 'FA03')
  const e = await engagement(app, b, 'M-FA3', 'active')
  const asked = await call(app, { method: 'POST', url: `/v1/engagements/${e.id}/transfer`, as: b.me, body: {} })
  t.equal(asked.status, 200)
  t.notOk('managerRef' in asked.body, 'the answer to the request itself no longer carries the manager')
  await seesNothing(t, app, b.me, e.id, 'transfer asked')
  t.equal((await call(app, { url: `/v1/engagements/${e.id}`, as: e.manager })).body.status, 'transfer_required')
})

t.test('transferred away on suspension, then reinstated: still nothing, for good (REV-4, REV-5)', async (t) => {
  const b = await activeAmbassador(app, 'FA04')
  const moved = await engagement(app, b, 'M-FA4', 'active')
  const waiting = await engagement(app, b, 'M-FA5', 'active')
  const goal = await call(app, { method: 'POST', url: `/v1/engagements/${moved.id}/goals`, as: moved.manager, body: { title: 'Plan a gradual return' } })
  t.equal(goal.status, 201)
  t.equal((await call(app, { url: `/v1/engagements/${moved.id}/goals`, as: b.me })).body.items.length, 1, 'before: the Ambassador reads the goals')

  const opened = await call(app, { method: 'POST', url: '/v1/revocation-cases', as: NMNO, body: { ambassadorId: b.id, grounds: ['personal_health'], summary: 'On extended sick leave.', interimSuspension: true } })
  t.equal(opened.status, 201)
  const next = await activeAmbassador(app, 'FA05')
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${moved.id}/transfer`, as: moved.manager, body: { ambassadorId: next.id } })).status, 201, 'the manager moved on')
  await call(app, { method: 'POST', url: `/v1/revocation-cases/${opened.body.id}/findings`, as: NMNO, body: { findings: 'Recovered, cleared by a physician.' } })
  t.equal((await call(app, { method: 'POST', url: `/v1/revocation-cases/${opened.body.id}/decision`, as: GOVERNANCE, body: { decision: 'suspend' } })).status, 200)
  t.equal((await call(app, { method: 'POST', url: `/v1/ambassadors/${b.id}/reinstatement`, as: NMNO, body: {} })).status, 200, 'reinstated')
  t.equal((await call(app, { url: '/v1/me', as: b.me })).body.ambassadorId, b.id, 'the Ambassador acts as one again')

  await seesNothing(t, app, b.me, moved.id, 'transferred, then reinstated')
  await seesNothing(t, app, b.me, waiting.id, 'awaiting transfer, then reinstated')
  t.same((await call(app, { url: '/v1/engagements?as=ambassador', as: b.me })).body.items, [], 'nothing of the old caseload')
})

t.test('the Ambassador of a closed engagement keeps it (evaluation, reports)', async (t) => {
  const b = await activeAmbassador(app, 'FA06')
  const e = await engagement(app, b, 'M-FA6', 'closed')
  const res = await call(app, { url: `/v1/engagements/${e.id}`, as: b.me })
  t.same([res.status, res.body.view, res.body.status], [200, 'ambassador', 'closed'])
})
