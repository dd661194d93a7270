// AMB-10: versioned Guidelines of Conduct; /v1/me, tasks and the own inbox.
import { createHash } from 'node:crypto'
import t from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call, orientedCandidate } from '../helper.ts'

const V2 = { text: { en: 'Version two of the Guidelines of Conduct: refrain from clinical advice.', fr: 'Version deux des lignes directrices de conduite : s’abstenir de conseils cliniques.' } }

t.test('guidelines of conduct', async (t) => {
  const { app } = await build(t)
  const a = await activeAmbassador(app, 'G001')
  const cand = await orientedCandidate(app, 'G002')

  t.test('version 1 (Annex E) ships with the first migration, in both languages, with its hash', async (t) => {
    for (const who of [a.me, NMNO, GOVERNANCE, HR, ISERVICE]) {
      t.equal((await call(app, { url: '/v1/conduct-guidelines/current', as: who })).status, 200)
    }
    const res = await call(app, { url: '/v1/conduct-guidelines/current', as: a.me })
    t.equal(res.body.version, 1)
    t.match(res.body.text.en, /Refrain from offering clinical advice/)
    t.match(res.body.text.fr, /conseils ou une orientation cliniques/)
    t.equal(res.body.textHash, createHash('sha256').update(`${res.body.text.en}\n\n${res.body.text.fr}`).digest('hex'))
  })

  t.test('tasks: the oriented candidate is asked to confirm; the active Ambassador has nothing pending', async (t) => {
    t.same((await call(app, { url: '/v1/me/tasks', as: cand.me })).body.items.map((i: any) => i.kind), ['confirm_intention'])
    t.same((await call(app, { url: '/v1/me/tasks', as: a.me })).body.items, [])
    t.same((await call(app, { url: '/v1/me/tasks', as: HR })).body.items, [])
  })

  t.test('only nmno publishes a new version', async (t) => {
    for (const who of [a.me, GOVERNANCE, HR]) {
      t.equal((await call(app, { method: 'POST', url: '/v1/conduct-guidelines', as: who, body: V2 })).status, 403)
    }
    t.equal((await call(app, { method: 'POST', url: '/v1/conduct-guidelines', as: NMNO, body: { text: { en: 'too short', fr: 'trop court' } } })).status, 400)
    const res = await call(app, { method: 'POST', url: '/v1/conduct-guidelines', as: NMNO, body: V2 })
    t.equal(res.status, 201)
    t.equal(res.body.version, 2)
    t.equal((await call(app, { url: '/v1/conduct-guidelines/current', as: a.me })).body.version, 2)
  })

  t.test('active Ambassadors who have not accepted are listed for nmno and asked (AMB-10)', async (t) => {
    const pending = await call(app, { url: '/v1/conduct-guidelines/current/pending-acceptances', as: NMNO })
    t.same(pending.body, { items: [{ ambassadorId: a.id, displayName: 'Ambassador G001', acceptedVersion: 1 }], nextCursor: null, currentVersion: 2 })
    t.equal((await call(app, { url: '/v1/conduct-guidelines/current/pending-acceptances', as: a.me })).status, 403)
    const tasks = (await call(app, { url: '/v1/me/tasks', as: a.me })).body.items
    t.same(tasks.map((i: any) => [i.kind, i.data.version]), [['accept_guidelines', 2]])
    const inbox = (await call(app, { url: '/v1/me/notifications', as: a.me })).body.items
    t.same(inbox.map((n: any) => [n.kind, n.data.version, n.readAt]), [['guidelines_updated', 2, null]])
    t.same((await call(app, { url: '/v1/me/notifications', as: cand.me })).body.items, [], 'candidates are not asked')
  })

  t.test('the own inbox: mark read; someone else’s notification is not found', async (t) => {
    const [n] = (await call(app, { url: '/v1/me/notifications', as: a.me })).body.items
    t.equal((await call(app, { method: 'POST', url: `/v1/me/notifications/${n.id}/read`, as: cand.me })).status, 404)
    t.equal((await call(app, { method: 'POST', url: `/v1/me/notifications/${n.id}/read`, as: NMNO })).status, 404)
    const read = await call(app, { method: 'POST', url: `/v1/me/notifications/${n.id}/read`, as: a.me })
    t.equal(read.status, 200)
    t.ok(read.body.readAt)
    t.same((await call(app, { url: '/v1/me/notifications?unread=true', as: a.me })).body.items, [])
  })

  t.test('accepting: the current version only, by an active Ambassador only', async (t) => {
    const old = await call(app, { method: 'POST', url: '/v1/me/guidelines-acceptance', as: a.me, body: { version: 1, accept: true } })
    t.equal(old.status, 422)
    t.equal(old.body.code, 'rule-violated')
    t.equal((await call(app, { method: 'POST', url: '/v1/me/guidelines-acceptance', as: a.me, body: { version: 2, accept: false } })).status, 400)
    t.equal((await call(app, { method: 'POST', url: '/v1/me/guidelines-acceptance', as: cand.me, body: { version: 2, accept: true } })).status, 404)
    t.equal((await call(app, { method: 'POST', url: '/v1/me/guidelines-acceptance', as: as('G003', 'manager'), body: { version: 2, accept: true } })).status, 404)
    t.equal((await call(app, { method: 'POST', url: '/v1/me/guidelines-acceptance', as: NMNO, body: { version: 2, accept: true } })).status, 403)
    const ok = await call(app, { method: 'POST', url: '/v1/me/guidelines-acceptance', as: a.me, body: { version: 2, accept: true } })
    t.equal(ok.status, 201)
    t.same([ok.body.ambassadorId, ok.body.version], [a.id, 2])
    t.same((await call(app, { url: '/v1/me/tasks', as: a.me })).body.items, [])
    t.same((await call(app, { url: '/v1/conduct-guidelines/current/pending-acceptances', as: NMNO })).body.items, [])
    const rec = await call(app, { url: `/v1/ambassadors/${a.id}`, as: a.me })
    t.same(rec.body.guidelines, { acceptedVersion: 2, acceptedAt: rec.body.guidelines.acceptedAt, currentVersion: 2 })
  })

  t.test('two publications at once get consecutive versions', async (t) => {
    const res = await Promise.all([1, 2].map(() => call(app, { method: 'POST', url: '/v1/conduct-guidelines', as: NMNO, body: V2 })))
    t.same(res.map((r) => r.status), [201, 201])
    t.same(res.map((r) => r.body.version).sort(), [3, 4])
  })
})

t.test('GET /v1/me for every role', async (t) => {
  const { app } = await build(t)
  const a = await activeAmbassador(app, 'G010')
  const me = await call(app, { url: '/v1/me', as: a.me })
  t.same(me.body, { sub: 'G010', roles: ['manager'], ambassadorId: a.id, application: { id: a.id, status: 'active' } })
  t.equal(me.headers['cache-control'], 'no-store')
  for (const who of [NMNO, GOVERNANCE, HR, ISERVICE, as('G011', 'manager')]) {
    const r = await call(app, { url: '/v1/me', as: who })
    t.equal(r.status, 200)
    t.same([r.body.sub, r.body.roles, r.body.ambassadorId, r.body.application], [who.sub, who.roles, null, null])
  }
  const noRole = await call(app, { url: '/v1/me', as: as('G012') })
  t.same(noRole.body.roles, [])
})
