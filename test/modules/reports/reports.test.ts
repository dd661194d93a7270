// RPT-1: statistical reports by the assigned Ambassador; rows for nmno and the Ambassador only.
import t from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call } from '../../helper.ts'
import { engagement, report } from './fixtures.ts'

t.test('statistical reports (RPT-1)', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'RP01')
  const other = await activeAmbassador(app, 'RP02')
  const e = await engagement(app, amb, 'RPM1')
  const post = (who: any, body: unknown) => call(app, { method: 'POST', url: '/v1/reports', as: who, body })

  t.test('the assigned Ambassador submits a report of enumerations and numbers', async (t) => {
    const res = await post(amb.me, report(e.id))
    t.equal(res.status, 201)
    t.match(res.body, { ambassadorId: amb.id, engagementId: e.id, mode: 'video', durationMinutes: 45, topics: ['team_impact', 'return_to_work'], referralCategories: ['eap'] })
    t.same(Object.keys(res.body).sort(), ['ambassadorId', 'durationMinutes', 'engagementId', 'id', 'language', 'meetingNumber', 'mode', 'occurredOn', 'referralCategories', 'stage', 'topics', 'urgency'])
    const queued = await db.selectFrom('reportRollupQueue').select('reportId').execute()
    t.same(queued.map((q) => q.reportId), [res.body.id], 'queued for the statistics rollup in the same write')
  })

  t.test('any extra field, free text or value outside the vocabularies is refused (400), and nothing is stored', async (t) => {
    const before = (await db.selectFrom('reports').select('id').execute()).length
    for (const body of [
      report(e.id, { meetingNumber: 2, notes: 'the manager was upset' }),
      report(e.id, { meetingNumber: 2, comment: 'x' }),
      report(e.id, { meetingNumber: 2, managerRef: 'RPM1' }),
      report(e.id, { meetingNumber: 2, topics: ['my employee drinks'] }),
      report(e.id, { meetingNumber: 2, referralCategories: ['a private clinic'] }),
      report(e.id, { meetingNumber: 2, mode: 'fax' }),
      report(e.id, { meetingNumber: 2, durationMinutes: 0 }),
      report(e.id, { meetingNumber: 2, durationMinutes: '45' }),
      report(e.id, { meetingNumber: 2, occurredOn: 'yesterday' }),
      report(e.id, { meetingNumber: 2, stage: 'ending', urgency: 'critical' }),
      { ...report(e.id, { meetingNumber: 2 }), language: undefined },
      report('not-a-uuid'),
    ]) {
      const res = await post(amb.me, body)
      t.same([res.status, res.body.code], [400, 'validation-failed'], JSON.stringify(body))
    }
    t.equal((await db.selectFrom('reports').select('id').execute()).length, before)
  })

  t.test('rules: one report per interaction (409), a date between the request and today (422)', async (t) => {
    const dup = await post(amb.me, report(e.id))
    t.same([dup.status, dup.body.code], [409, 'already-exists'])
    const future = new Date(Date.now() + 3 * 86400_000).toISOString().slice(0, 10)
    t.same((await post(amb.me, report(e.id, { meetingNumber: 2, occurredOn: future }))).body.code, 'rule-violated')
    t.same((await post(amb.me, report(e.id, { meetingNumber: 2, occurredOn: '2020-01-01' }))).body.code, 'rule-violated')
    const requested = await engagement(app, amb, 'RPM2', 'requested')
    const early = await post(amb.me, report(requested.id))
    t.same([early.status, early.body.code], [409, 'invalid-transition'], 'no interaction before the Ambassador accepts')
    t.equal((await post(amb.me, report(e.id, { meetingNumber: 2 }))).status, 201)
  })

  t.test('only the assigned, active Ambassador: 404 for everyone else, 403 for other roles', async (t) => {
    for (const who of [other.me, e.manager, as('RPX9', 'manager')]) {
      const res = await post(who, report(e.id, { meetingNumber: 3 }))
      t.same([res.status, res.body.code], [404, 'not-found'], who.sub)
    }
    t.equal((await post(amb.me, report('00000000-0000-4000-8000-000000000000'))).status, 404, 'an unknown engagement looks the same')
    for (const who of [NMNO, GOVERNANCE, HR, ISERVICE]) t.equal((await post(who, report(e.id, { meetingNumber: 3 }))).status, 403, who.sub)
    t.equal((await call(app, { method: 'POST', url: '/v1/reports', body: report(e.id, { meetingNumber: 3 }) })).status, 401)
  })

  t.test('rows: nmno reads all, an Ambassador their own, HR and governance nothing (SPEC §2)', async (t) => {
    const e2 = await engagement(app, other, 'RPM3')
    t.equal((await post(other.me, report(e2.id, { mode: 'phone' }))).status, 201)
    const all = await call(app, { url: '/v1/reports', as: NMNO })
    t.equal(all.status, 200)
    t.equal(all.body.items.length, 3)
    t.equal((await call(app, { url: `/v1/reports?ambassadorId=${other.id}`, as: NMNO })).body.items.length, 1)
    const mine = await call(app, { url: '/v1/reports', as: amb.me })
    t.same([mine.status, mine.body.items.length], [200, 2])
    t.ok(mine.body.items.every((r: any) => r.ambassadorId === amb.id))
    t.equal((await call(app, { url: `/v1/reports?ambassadorId=${other.id}`, as: amb.me })).body.items.length, 0, 'not another Ambassador’s')
    t.same((await call(app, { url: '/v1/reports', as: as('RPX9', 'manager') })).body.items, [], 'a manager who is not an Ambassador has none')
    for (const who of [HR, GOVERNANCE, ISERVICE]) t.equal((await call(app, { url: '/v1/reports', as: who })).status, 403, who.sub)
    const page = await call(app, { url: '/v1/reports?limit=2', as: NMNO })
    t.equal(page.body.items.length, 2)
    const next = await call(app, { url: `/v1/reports?limit=2&cursor=${page.body.nextCursor}`, as: NMNO })
    t.same([next.body.items.length, next.body.nextCursor], [1, null])
    t.equal((await call(app, { url: '/v1/reports?cursor=bogus', as: NMNO })).status, 400)
    t.equal((await call(app, { url: '/v1/reports?from=2000-01-01&to=2000-12-31', as: NMNO })).body.items.length, 0)
  })

  t.test('a suspended Ambassador can no longer report (AUTH-1)', async (t) => {
    await db.updateTable('ambassadors').set({ status: 'suspended' }).where('id', '=', amb.id).execute()
    t.equal((await post(amb.me, report(e.id, { meetingNumber: 5 }))).status, 404)
    t.same((await call(app, { url: '/v1/reports', as: amb.me })).body.items, [])
  })

  t.test('a report outlives its engagement: the purge leaves it de-identified (RET-1)', async (t) => {
    await db.deleteFrom('engagements').where('id', '=', e.id).execute().catch(async () => {
      // Other tables may still hold rows of the engagement: remove them as the purge would.
      for (const table of ['meetings', 'goals', 'referrals', 'consents', 'disclosures', 'crisisEscalations', 'notifications'] as const) {
        await (db as any).deleteFrom(table).where(table === 'notifications' ? 'subjectId' : 'engagementId', '=', e.id).execute().catch(() => {})
      }
      await db.deleteFrom('engagements').where('id', '=', e.id).execute()
    })
    const rows = await db.selectFrom('reports').select(['engagementId']).where('ambassadorId', '=', amb.id).execute()
    t.same(rows.map((r) => r.engagementId), [null, null])
  })
})
