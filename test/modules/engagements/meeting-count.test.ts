// ENG-5 held by every path (#13 bug 1): two initial meetings, a third only after an agreed extension —
// whether the meetings are scheduled one by one, scheduled in advance and then marked held, or both
// sides race to schedule the last slot.
import t from 'tap'
import { activeAmbassador, as, build, call, usingServer } from '../../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['video'], urgency: 'routine', topics: ['team_impact'], aboutMyEmployee: true }
const past = (hours: number) => new Date(Date.now() - hours * 3600_000).toISOString()

t.test('meetings scheduled in advance cannot be held past the allowed number (ENG-5)', async (t) => {
  const { app } = await build(t)
  const amb = await activeAmbassador(app, 'MC01')
  const m = as('MC-M1', 'manager')
  const eid = (await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST } })).body.id
  const post = (path: string, who: any, body: any = {}) => call(app, { method: 'POST', url: `/v1/engagements/${eid}${path}`, as: who, body })
  const patch = (path: string, who: any, body: any) => call(app, { method: 'PATCH', url: `/v1/engagements/${eid}${path}`, as: who, body })
  t.equal((await post('/accept', amb.me)).status, 200)

  const scheduled: number[] = []
  const ids: string[] = []
  for (let i = 0; i < 4; i++) {
    const r = await post('/meetings', i % 2 ? amb.me : m, { scheduledAt: past(10 - i), durationMinutes: 30, mode: 'video' })
    scheduled.push(r.status)
    if (r.status === 201) ids.push(r.body.id)
  }
  t.same(scheduled, [201, 201, 409, 409], 'a third meeting cannot even be scheduled without an extension')
  const third = await post('/meetings', m, { scheduledAt: past(3), durationMinutes: 30, mode: 'video' })
  t.same([third.body.code, third.body.held, third.body.allowed], ['extension-required', 0, 2], 'the problem says how many were held and allowed')

  // Cancelling one frees its place; holding both allowed ones then closes the door.
  const cancelled = await patch(`/meetings/${ids[1]}`, amb.me, { cancelled: true })
  t.equal(cancelled.status, 200)
  const replacement = await post('/meetings', amb.me, { scheduledAt: past(2), durationMinutes: 30, mode: 'video' })
  t.equal(replacement.status, 201, 'a cancelled meeting does not count')
  for (const id of [ids[0], replacement.body.id]) t.equal((await patch(`/meetings/${id}`, m, { held: true })).status, 200)
  t.equal((await post('/meetings', m, { scheduledAt: past(1), durationMinutes: 30, mode: 'video' })).body.code, 'extension-required')

  const meetings = (await call(app, { url: `/v1/engagements/${eid}/meetings`, as: m })).body.items
  t.equal(meetings.filter((x: any) => x.held).length, 2, 'never more held meetings than allowed')
  t.equal(meetings.filter((x: any) => !x.cancelled).length, 2)

  // With the extension agreed, two more.
  t.equal((await post('/extend', amb.me)).status, 200)
  t.equal((await post('/extend', m)).status, 200)
  const more = [await post('/meetings', m, { scheduledAt: past(1), durationMinutes: 30, mode: 'video' }), await post('/meetings', amb.me, { scheduledAt: past(1), durationMinutes: 30, mode: 'video' })]
  t.same(more.map((r) => r.status), [201, 201])
  t.equal((await post('/meetings', m, { scheduledAt: past(1), durationMinutes: 30, mode: 'video' })).body.code, 'extension-required')
  for (const r of more) t.equal((await patch(`/meetings/${r.body.id}`, amb.me, { held: true })).status, 200)
})

t.test('both sides racing for the last meeting: one wins (ENG-5, concurrent)', { skip: usingServer ? false : 'PGlite serialises every connection: the race needs PostgreSQL' }, async (t) => {
  const { app } = await build(t)
  const amb = await activeAmbassador(app, 'MC02')
  for (let round = 0; round < 5; round++) {
    const eid = (await call(app, { method: 'POST', url: '/v1/engagements', as: as(`MC-R${round}`, 'manager'), body: { ambassadorId: amb.id, ...REQUEST } })).body.id
    const who = as(`MC-R${round}`, 'manager')
    t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${eid}/accept`, as: amb.me, body: {} })).status, 200)
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => call(app, { method: 'POST', url: `/v1/engagements/${eid}/meetings`, as: i % 2 ? amb.me : who, body: { scheduledAt: past(5), durationMinutes: 30, mode: 'video' } })))
    t.same(results.map((r) => r.status).sort(), [201, 201, 409, 409, 409, 409], `round ${round}`)
    await call(app, { method: 'POST', url: `/v1/engagements/${eid}/withdraw`, as: who, body: {} })
  }
})
