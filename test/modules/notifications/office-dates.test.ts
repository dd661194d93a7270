// CONF-2 (#11, finding 8): what the office reads carries dates, never times, in its inbox too, and
// no cursor it is handed hides a time (cursors are sealed: opaque to their holder).
import t from 'tap'
import { NMNO, activeAmbassador, build, call } from '../../helper.ts'
import { engagement } from '../reports/fixtures.ts'

const TIME = /\d{2}:\d{2}/
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString()

t.test('the office inbox shows dates only, and its cursors say nothing', async (t) => {
  const { app } = await build(t)
  const amb = await activeAmbassador(app, 'OD01')
  const escalations = []
  for (const sub of ['M-OD1', 'M-OD2']) {
    const e = await engagement(app, amb, sub, 'active')
    const res = await call(app, { method: 'POST', url: `/v1/engagements/${e.id}/crisis-escalations`, as: amb.me, body: { category: 'medical_emergency', authoritiesContacted: ['ems'], weaponsInvolved: false, occurredAt: ago(30) } })
    t.equal(res.status, 201)
    escalations.push(res.body.id)
  }
  const inbox = await call(app, { url: '/v1/notifications?limit=1', as: NMNO })
  t.equal(inbox.status, 200)
  const n = inbox.body.items[0]
  t.match(n.createdOn, /^\d{4}-\d{2}-\d{2}$/)
  t.equal(n.resolvedOn, null)
  t.notOk('createdAt' in n || 'readAt' in n || 'resolvedAt' in n, 'no timestamp field')
  t.notMatch(JSON.stringify(inbox.body.items), TIME, 'no time of day anywhere in the items')

  // The cursor is sealed: decoding it gives no time, and it still pages.
  const cursor: string = inbox.body.nextCursor
  t.ok(cursor)
  t.notMatch(Buffer.from(cursor, 'base64url').toString('latin1'), TIME, 'the cursor hides the creation time')
  const next = await call(app, { url: `/v1/notifications?limit=1&cursor=${cursor}`, as: NMNO })
  t.equal(next.status, 200)
  t.not(next.body.items[0].id, n.id, 'the next page follows')

  // Resolving answers with dates too.
  const all = (await call(app, { url: '/v1/notifications?kind=crisis_debrief', as: NMNO })).body.items
  const resolved = await call(app, { method: 'POST', url: `/v1/notifications/${all[0].id}/resolve`, as: NMNO, body: { clinicianOffered: false } })
  t.equal(resolved.status, 200)
  t.match(resolved.body.resolvedOn, /^\d{4}-\d{2}-\d{2}$/)
  t.notMatch(JSON.stringify(resolved.body), TIME)
})

t.test('the office’s de-identified engagement list: dates only, and a sealed cursor', async (t) => {
  const { app } = await build(t)
  const amb = await activeAmbassador(app, 'OD02')
  await engagement(app, amb, 'M-OD3', 'requested')
  await engagement(app, amb, 'M-OD4', 'requested')
  const list = await call(app, { url: '/v1/engagements?limit=1', as: NMNO })
  t.equal(list.status, 200)
  t.notMatch(JSON.stringify(list.body.items), TIME, 'no time of day in the items')
  t.notMatch(Buffer.from(list.body.nextCursor, 'base64url').toString('latin1'), TIME, 'the cursor hides the request time')
  const forged = Buffer.from(JSON.stringify([1, new Date().toISOString(), '00000000-0000-4000-8000-000000000000'])).toString('base64url')
  const res = await call(app, { url: `/v1/engagements?cursor=${forged}`, as: NMNO })
  t.same([res.status, res.body.code], [400, 'invalid-cursor'], 'a cursor the API did not issue is refused')
  const next = await call(app, { url: `/v1/engagements?limit=1&cursor=${list.body.nextCursor}`, as: NMNO })
  t.equal(next.body.items.length, 1)
})
