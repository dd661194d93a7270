// AMB-8 (own edits vs nmno edits) and AMB-9 (training records, absenteeism notification).
import t from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call } from '../../helper.ts'

t.test('profile edits (AMB-8)', async (t) => {
  const { app } = await build(t)
  const a = await activeAmbassador(app, 'F001')
  const patch = (who: any, body: any, headers?: Record<string, string>) => call(app, { method: 'PATCH', url: `/v1/ambassadors/${a.id}`, as: who, body, headers })

  t.test('the Ambassador edits bio, languages, modes, topics and capacity', async (t) => {
    const res = await patch(a.me, { bio: { en: 'New English bio.' }, languages: ['fr'], modes: ['email'], topics: ['crisis', 'team_impact'], capacity: 5 })
    t.equal(res.status, 200)
    t.same([res.body.bio.en, res.body.languages, res.body.modes, res.body.topics, res.body.capacity], ['New English bio.', ['fr'], ['email'], ['crisis', 'team_impact'], 5])
    t.match(res.body.bio.fr, /Vingt ans/, 'the other bio is untouched')
  })

  t.test('the Ambassador cannot change what only nmno may', async (t) => {
    for (const body of [{ displayName: 'Renamed' }, { designatedContactRef: 'N1' }]) {
      const res = await patch(a.me, body)
      t.equal(res.status, 403)
      t.equal(res.body.code, 'forbidden')
    }
  })

  t.test('nmno edits everything, including the designated contact', async (t) => {
    const res = await patch(NMNO, { displayName: 'Official Name', designatedContactRef: 'N123', capacity: 2 })
    t.equal(res.status, 200)
    t.same([res.body.displayName, res.body.designatedContactRef, res.body.capacity], ['Official Name', 'N123', 2])
  })

  t.test('others may not edit', async (t) => {
    t.equal((await patch(as('F002', 'manager'), { capacity: 1 })).status, 404)
    t.equal((await patch(GOVERNANCE, { capacity: 1 })).status, 403)
    t.equal((await patch(HR, { capacity: 1 })).status, 403)
    t.equal((await patch(ISERVICE, { capacity: 1 })).status, 403)
  })

  t.test('an active Ambassador keeps a bilingual bio, a language and a mode', async (t) => {
    const noFr = await patch(a.me, { bio: { fr: null } })
    t.equal(noFr.status, 422)
    t.equal(noFr.body.code, 'bilingual-bio-required')
    const noLang = await patch(a.me, { languages: [] })
    t.equal(noLang.status, 422)
    t.equal(noLang.body.code, 'profile-incomplete')
  })

  t.test('bad input is refused and changes nothing', async (t) => {
    const before = (await call(app, { url: `/v1/ambassadors/${a.id}`, as: NMNO })).body
    for (const body of [{}, { capacity: 11 }, { capacity: '3' }, { status: 'active' }, { languages: ['de'] }, { languages: ['en', 'en'] }, { bio: { es: 'hola' } }, { displayName: '' }, { employeeRef: 'F999' }]) {
      const res = await patch(NMNO, body)
      t.equal(res.status, 400, JSON.stringify(body))
      t.equal(res.body.code, 'validation-failed')
    }
    const after = (await call(app, { url: `/v1/ambassadors/${a.id}`, as: NMNO })).body
    t.equal(after.version, before.version)
  })

  t.test('If-Match on edits', async (t) => {
    const cur = await call(app, { url: `/v1/ambassadors/${a.id}`, as: a.me })
    const stale = await patch(a.me, { capacity: 4 }, { 'if-match': '"a1"' })
    t.equal(stale.status, 412)
    const ok = await patch(a.me, { capacity: 4 }, { 'if-match': cur.headers.etag as string })
    t.equal(ok.status, 200)
  })
})

t.test('training records and absenteeism (AMB-9)', async (t) => {
  const { app } = await build(t)
  const a = await activeAmbassador(app, 'F010')
  await call(app, { method: 'PATCH', url: `/v1/ambassadors/${a.id}`, as: NMNO, body: { designatedContactRef: 'N555' } })
  const record = (body: any, who: any = NMNO) => call(app, { method: 'POST', url: `/v1/ambassadors/${a.id}/training-records`, as: who, body })
  const absenteeism = async () => (await call(app, { url: '/v1/notifications?kind=absenteeism', as: NMNO })).body.items

  t.test('input rules', async (t) => {
    t.equal((await record({ kind: 'orientation_part', on: '2026-01-01', attended: true })).status, 400, 'part required for orientation')
    t.equal((await record({ kind: 'pd_session', part: 2, on: '2026-01-01', attended: true })).status, 400, 'part only for orientation')
    t.equal((await record({ kind: 'pd_session', on: '2999-01-01', attended: true })).status, 400, 'no future dates')
    t.equal((await record({ kind: 'pd_session', on: '2026-02-30', attended: true })).status, 400, 'real dates only')
    t.equal((await record({ kind: 'webinar', on: '2026-01-01', attended: true })).status, 400)
    t.equal((await record({ kind: 'pd_session', on: '2026-01-01', attended: true }, a.me)).status, 403, 'the Ambassador does not record their own attendance')
    t.equal((await record({ kind: 'pd_session', on: '2026-01-01', attended: true }, GOVERNANCE)).status, 403)
  })

  t.test('three missed sessions in a row notify nmno once, naming the designated contact', async (t) => {
    t.equal((await record({ kind: 'pd_session', on: '2026-03-01', attended: false })).status, 201)
    t.equal((await record({ kind: 'network_call', on: '2026-03-08', attended: false })).status, 201)
    t.same(await absenteeism(), [], 'two are not enough')
    const third = await record({ kind: 'network_call', on: '2026-03-15', attended: false })
    t.equal(third.status, 201)
    t.same([third.body.kind, third.body.on, third.body.attended], ['network_call', '2026-03-15', false])
    const items = await absenteeism()
    t.equal(items.length, 1)
    t.same([items[0].subjectType, items[0].subjectId, items[0].designatedContactRef, items[0].data], ['ambassador', a.id, 'N555', { missedInARow: 3 }])
    await record({ kind: 'pd_session', on: '2026-03-22', attended: false })
    t.equal((await absenteeism()).length, 1, 'a fourth miss does not notify again while the first is open')
    const resolved = await call(app, { method: 'POST', url: `/v1/notifications/${items[0].id}/resolve`, as: NMNO })
    t.equal(resolved.status, 200)
    t.ok(resolved.body.resolvedOn, 'the office reads dates only (CONF-2, #11)')
  })

  t.test('an attended session breaks the streak', async (t) => {
    await record({ kind: 'pd_session', on: '2026-04-01', attended: true })
    await record({ kind: 'pd_session', on: '2026-04-08', attended: false })
    await record({ kind: 'pd_session', on: '2026-04-15', attended: false })
    t.equal((await call(app, { url: '/v1/notifications?kind=absenteeism&unresolved=true', as: NMNO })).body.items.length, 0)
    await record({ kind: 'network_call', on: '2026-04-22', attended: false })
    t.equal((await call(app, { url: '/v1/notifications?kind=absenteeism&unresolved=true', as: NMNO })).body.items.length, 1)
  })

  t.test('the record lists the training and only nmno reads the office inbox', async (t) => {
    const rec = await call(app, { url: `/v1/ambassadors/${a.id}`, as: a.me })
    t.equal(rec.body.trainingRecords.filter((r: any) => r.kind !== 'orientation_part').length, 8)
    t.same(rec.body.orientationPartsAttended, [1, 2, 3, 4, 5, 6])
    for (const who of [a.me, GOVERNANCE, HR, ISERVICE]) t.equal((await call(app, { url: '/v1/notifications', as: who })).status, 403)
    const items = (await call(app, { url: '/v1/notifications', as: NMNO })).body.items
    t.equal((await call(app, { method: 'POST', url: `/v1/notifications/${items[0].id}/resolve`, as: a.me })).status, 403)
    t.equal((await call(app, { method: 'POST', url: '/v1/notifications/00000000-0000-4000-8000-000000000000/resolve', as: NMNO })).status, 404)
  })

  t.test('no training records once the record is closed', async (t) => {
    const w = await activeAmbassador(app, 'F011')
    await call(app, { method: 'POST', url: `/v1/ambassadors/${w.id}/transitions`, as: w.me, body: { to: 'withdrawn' } })
    const res = await call(app, { method: 'POST', url: `/v1/ambassadors/${w.id}/training-records`, as: NMNO, body: { kind: 'pd_session', on: '2026-01-01', attended: true } })
    t.equal(res.status, 409)
    t.equal(res.body.code, 'invalid-transition')
  })
})
