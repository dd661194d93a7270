// SPEC §4, #12 item 3: every single resource answers with an ETag, and every state-changing request
// on it honours If-Match: a stale tag is a 412 `precondition-failed` problem that changes nothing,
// the current tag succeeds and moves the ETag, and the ETag a write answers is the one the next GET
// answers. One row per write operation; each builds its own subject through the API.
import t from 'tap'
import { GOVERNANCE, NMNO, activeAmbassador, as, build, call, tokenFor, usingServer, type Principal } from '../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['video'], urgency: 'routine', topics: ['team_impact'], aboutMyEmployee: true }
const past = (days: number) => new Date(Date.now() - days * 86400_000).toISOString()
const future = (days: number) => new Date(Date.now() + days * 86400_000).toISOString()
const stale = (etag: string) => etag.replace(/\d+"$/, '999"')

/** What a row of the table builds: where to read the resource, and the write to make on it. */
interface Subject {
  get: { url: string; as: Principal }
  write: { method: 'POST' | 'PATCH' | 'PUT' | 'DELETE'; url: string; as: Principal; body?: unknown }
  /** The success status (default 200). */
  status?: number
  /** After the write the writer no longer sees the resource (an Ambassador who let it go: CONF-5). */
  gone?: boolean
}

t.test('optimistic concurrency on every single resource (SPEC §4)', async (t) => {
  const { app } = await build(t)
  const ok = async (r: Parameters<typeof call>[1]) => {
    const res = await call(app, r)
    if (res.status >= 300) throw new Error(`${r.method ?? 'GET'} ${r.url}: ${res.status} ${JSON.stringify(res.body)}`)
    return res
  }
  const pool = [await activeAmbassador(app, 'OC01'), await activeAmbassador(app, 'OC04')]
  const amb = pool[0]
  const target = await activeAmbassador(app, 'OC02')
  for (const a of [...pool, target]) await ok({ method: 'PATCH', url: `/v1/ambassadors/${a.id}`, as: NMNO, body: { capacity: 10 } })
  const resource = (await ok({ method: 'POST', url: '/v1/resources', as: NMNO, body: { slug: 'oc_guide', kind: 'tools_and_guides', name: { en: 'Guide', fr: 'Guide' }, description: { en: 'A guide.', fr: 'Un guide.' } } })).body
  const statement = (await ok({ url: '/v1/consents/statement?language=en', as: as('OC-M00', 'manager') })).body

  let n = 0
  /** A fresh manager and engagement with the Ambassador, taken to the state asked. */
  async function engagement(state: 'requested' | 'accepted' | 'active' | 'transfer_required' | 'withdrawn') {
    const m = as(`OC-M${String(++n).padStart(2, '0')}`, 'manager')
    const a = pool[n % pool.length]
    const id = (await ok({ method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: a.id, ...REQUEST } })).body.id as string
    const url = `/v1/engagements/${id}`
    const e = { m, a: a.me, id, url }
    if (state === 'withdrawn') await ok({ method: 'POST', url: `${url}/withdraw`, as: m, body: {} })
    if (state === 'requested' || state === 'withdrawn') return e
    await ok({ method: 'POST', url: `${url}/accept`, as: a.me, body: {} })
    if (state === 'transfer_required') await ok({ method: 'POST', url: `${url}/transfer`, as: a.me, body: {} })
    if (state === 'active') {
      const meeting = (await ok({ method: 'POST', url: `${url}/meetings`, as: m, body: { scheduledAt: past(1), durationMinutes: 30, mode: 'video' } })).body
      await ok({ method: 'PATCH', url: `${url}/meetings/${meeting.id}`, as: a.me, body: { held: true } })
    }
    return e
  }
  async function openCase(ambassadorId: string, body: Record<string, unknown> = {}) {
    return (await ok({ method: 'POST', url: '/v1/revocation-cases', as: NMNO, body: { ambassadorId, grounds: ['absenteeism'], summary: 'Missed three network calls in a row.', ...body } })).body.id as string
  }

  const table: Array<[string, () => Promise<Subject>]> = [
    // Engagements
    ['engagement: accept', async () => { const e = await engagement('requested'); return { get: { url: e.url, as: e.m }, write: { method: 'POST', url: `${e.url}/accept`, as: e.a, body: {} } } }],
    ['engagement: decline', async () => { const e = await engagement('requested'); return { get: { url: e.url, as: e.m }, write: { method: 'POST', url: `${e.url}/decline`, as: e.a, body: { reason: 'capacity' } }, gone: true } }],
    ['engagement: withdraw', async () => { const e = await engagement('requested'); return { get: { url: e.url, as: e.m }, write: { method: 'POST', url: `${e.url}/withdraw`, as: e.m, body: {} } } }],
    ['engagement: set stage', async () => { const e = await engagement('accepted'); return { get: { url: e.url, as: e.m }, write: { method: 'PATCH', url: e.url, as: e.a, body: { stage: 'goal_setting' } } } }],
    ['engagement: extend', async () => { const e = await engagement('accepted'); return { get: { url: e.url, as: e.m }, write: { method: 'POST', url: `${e.url}/extend`, as: e.a, body: {} } } }],
    ['engagement: close', async () => { const e = await engagement('active'); return { get: { url: e.url, as: e.m }, write: { method: 'POST', url: `${e.url}/close`, as: e.m, body: { outcome: 'other' } } } }],
    ['engagement: ask for a transfer', async () => { const e = await engagement('accepted'); return { get: { url: e.url, as: e.m }, write: { method: 'POST', url: `${e.url}/transfer`, as: e.a, body: {} }, gone: true } }],
    ['engagement: transfer to another Ambassador', async () => { const e = await engagement('transfer_required'); return { get: { url: e.url, as: e.m }, write: { method: 'POST', url: `${e.url}/transfer`, as: e.m, body: { ambassadorId: target.id } }, status: 201 } }],
    ['engagement: purge', async () => { const e = await engagement('withdrawn'); return { get: { url: e.url, as: e.m }, write: { method: 'DELETE', url: e.url, as: e.m }, status: 204 } }],
    // Sub-resources of an engagement
    ['meeting: update', async () => {
      const e = await engagement('accepted')
      const id = (await ok({ method: 'POST', url: `${e.url}/meetings`, as: e.m, body: { scheduledAt: future(2), durationMinutes: 30, mode: 'video' } })).body.id
      return { get: { url: `${e.url}/meetings/${id}`, as: e.m }, write: { method: 'PATCH', url: `${e.url}/meetings/${id}`, as: e.m, body: { durationMinutes: 45 } } }
    }],
    ['goal: update', async () => {
      const e = await engagement('accepted')
      const id = (await ok({ method: 'POST', url: `${e.url}/goals`, as: e.m, body: { title: 'Prepare the conversation' } })).body.id
      return { get: { url: `${e.url}/goals/${id}`, as: e.m }, write: { method: 'PATCH', url: `${e.url}/goals/${id}`, as: e.m, body: { title: 'Prepare the return-to-work conversation' } } }
    }],
    ['referral: update', async () => {
      const e = await engagement('accepted')
      const id = (await ok({ method: 'POST', url: `${e.url}/referrals`, as: e.a, body: { resourceId: resource.id, forWhom: 'manager_self_care' } })).body.id
      return { get: { url: `${e.url}/referrals/${id}`, as: e.m }, write: { method: 'PATCH', url: `${e.url}/referrals/${id}`, as: e.a, body: { helpful: true } } }
    }],
    ['consent: grant', async () => {
      const e = await engagement('accepted')
      const id = (await ok({ method: 'POST', url: `${e.url}/consents`, as: e.a, body: { recipient: { kind: 'agency', name: 'Employee Assistance Program' }, direction: 'release', infoCategories: ['goals'], purpose: 'Arrange a consultation' } })).body.id
      return { get: { url: `${e.url}/consents/${id}`, as: e.m }, write: { method: 'POST', url: `/v1/consents/${id}/grant`, as: e.m, body: { typedName: 'Kim Manager', agree: true, statementVersion: statement.version, language: 'en', statementHash: statement.hash } } }
    }],
    ['consent: withdraw', async () => {
      const e = await engagement('accepted')
      const id = (await ok({ method: 'POST', url: `${e.url}/consents`, as: e.a, body: { recipient: { kind: 'agency', name: 'Employee Assistance Program' }, direction: 'release', infoCategories: ['goals'], purpose: 'Arrange a consultation' } })).body.id
      return { get: { url: `${e.url}/consents/${id}`, as: e.m }, write: { method: 'POST', url: `/v1/consents/${id}/withdraw`, as: e.m, body: {} } }
    }],
    // Revocation cases (decided first: one open case per Ambassador)
    ['revocation case: decision', async () => {
      const id = await openCase(target.id)
      await ok({ method: 'POST', url: `/v1/revocation-cases/${id}/findings`, as: NMNO, body: { findings: 'Attendance records confirm the absences.' } })
      return { get: { url: `/v1/revocation-cases/${id}`, as: GOVERNANCE }, write: { method: 'POST', url: `/v1/revocation-cases/${id}/decision`, as: GOVERNANCE, body: { decision: 'no_action' } } }
    }],
    ['revocation case: findings', async () => {
      const id = await openCase(target.id)
      return { get: { url: `/v1/revocation-cases/${id}`, as: NMNO }, write: { method: 'POST', url: `/v1/revocation-cases/${id}/findings`, as: NMNO, body: { findings: 'Attendance records confirm the absences.' } } }
    }],
    // Resources
    ['resource: update', async () => ({ get: { url: `/v1/resources/${resource.id}`, as: NMNO }, write: { method: 'PATCH', url: `/v1/resources/${resource.id}`, as: NMNO, body: { name: { en: `Guide ${++n}` } } } })],
    // Notifications
    ['notification: resolve (office inbox)', async () => {
      for (let d = 1; d <= 3; d++) await ok({ method: 'POST', url: `/v1/ambassadors/${amb.id}/training-records`, as: NMNO, body: { kind: 'pd_session', on: `2026-01-0${d}`, attended: false } })
      const item = (await ok({ url: '/v1/notifications?kind=absenteeism&unresolved=true', as: NMNO })).body.items[0]
      return { get: { url: `/v1/notifications/${item.id}`, as: NMNO }, write: { method: 'POST', url: `/v1/notifications/${item.id}/resolve`, as: NMNO, body: {} } }
    }],
    ['notification: read (own inbox)', async () => {
      const e = await engagement('accepted')
      const item = (await ok({ url: '/v1/me/notifications?unread=true', as: e.m })).body.items[0]
      return { get: { url: `/v1/me/notifications/${item.id}`, as: e.m }, write: { method: 'POST', url: `/v1/me/notifications/${item.id}/read`, as: e.m } }
    }],
    // Ambassadors
    ['ambassador: update', async () => ({ get: { url: `/v1/ambassadors/${amb.id}`, as: NMNO }, write: { method: 'PATCH', url: `/v1/ambassadors/${amb.id}`, as: amb.me, body: { topics: ['team_impact', 'return_to_work'] } } })],
    ['ambassador: transition', async () => {
      const c = (await ok({ method: 'POST', url: '/v1/ambassadors', as: as('OC-C1', 'manager'), body: { displayName: 'Candidate One' } })).body
      return { get: { url: `/v1/ambassadors/${c.id}`, as: NMNO }, write: { method: 'POST', url: `/v1/ambassadors/${c.id}/transitions`, as: NMNO, body: { to: 'screened' } } }
    }],
    ['ambassador: competencies', async () => {
      const c = (await ok({ method: 'POST', url: '/v1/ambassadors', as: as('OC-C2', 'manager'), body: { displayName: 'Candidate Two' } })).body
      return { get: { url: `/v1/ambassadors/${c.id}`, as: NMNO }, write: { method: 'PUT', url: `/v1/ambassadors/${c.id}/competencies`, as: NMNO, body: { empathyCompassion: 3, communication: 3, integrity: 2, learningDevelopment: 2, emotionalIntelligence: 2 } } }
    }],
    ['ambassador: training record', async () => ({ get: { url: `/v1/ambassadors/${amb.id}`, as: NMNO }, write: { method: 'POST', url: `/v1/ambassadors/${amb.id}/training-records`, as: NMNO, body: { kind: 'network_call', on: '2026-02-01', attended: true } }, status: 201 })],
    ['ambassador: renewal', async () => ({ get: { url: `/v1/ambassadors/${target.id}`, as: NMNO }, write: { method: 'POST', url: `/v1/ambassadors/${target.id}/renewals`, as: NMNO, body: { ambassadorAgreed: true } } })],
    ['ambassador: reinstatement', async () => {
      const c = await activeAmbassador(app, 'OC03')
      await openCase(c.id, { interimSuspension: true })
      return { get: { url: `/v1/ambassadors/${c.id}`, as: NMNO }, write: { method: 'POST', url: `/v1/ambassadors/${c.id}/reinstatement`, as: NMNO, body: {} } }
    }],
  ]

  for (const [name, setup] of table) {
    t.test(name, async (t) => {
      const s = await setup()
      const read = () => call(app, s.get)
      const write = (ifMatch: string) => call(app, { ...s.write, headers: { 'if-match': ifMatch } })

      const before = await read()
      t.equal(before.status, 200)
      const etag = String(before.headers.etag)
      t.match(etag, /^"[a-z]\d+"$/, 'the resource answers with an opaque, versioned ETag')

      const refused = await write(stale(etag))
      t.same([refused.status, refused.body?.code], [412, 'precondition-failed'], 'a stale If-Match is refused')
      t.match(refused.headers['content-type'], /^application\/problem\+json/)
      const unchanged = await read()
      t.equal(unchanged.headers.etag, etag, 'nothing changed: same ETag')
      t.same(unchanged.body, before.body, 'nothing changed: same representation')

      const done = await write(`"x0", ${etag}`)
      t.equal(done.status, s.status ?? 200, JSON.stringify(done.body))
      if (s.write.method === 'DELETE') return
      const after = await read()
      t.equal(after.status, 200)
      t.not(after.headers.etag, etag, 'the write moved the ETag')
      if (done.headers.etag && done.status === 200) t.equal(done.headers.etag, after.headers.etag, 'the write answers the ETag the next GET answers')
      const again = await write(etag)
      if (s.gone) t.equal(again.status, 404, 'no longer the writer’s to see')
      else t.same([again.status, again.body?.code], [412, 'precondition-failed'], 'the tag read before the write is stale now')
    })
  }

  t.test('If-Match: * and weak tags match; a malformed header is a 400 that changes nothing', async (t) => {
    const url = `/v1/resources/${resource.id}`
    const etag = String((await call(app, { url, as: NMNO })).headers.etag)
    for (const bad of ['e1', '"e1', '"a" "b"', 'W/e1', '"e1",,x']) {
      const res = await call(app, { method: 'PATCH', url, as: NMNO, headers: { 'if-match': bad }, body: { url: 'https://example.org/x' } })
      t.same([res.status, res.body.code], [400, 'validation-failed'], bad)
    }
    t.equal((await call(app, { url, as: NMNO })).headers.etag, etag)
    const weak = await call(app, { method: 'PATCH', url, as: NMNO, headers: { 'if-match': `W/${etag}` }, body: { url: 'https://example.org/weak' } })
    t.equal(weak.status, 200)
    const star = await call(app, { method: 'PATCH', url, as: NMNO, headers: { 'if-match': '*' }, body: { url: 'https://example.org/star' } })
    t.equal(star.status, 200)
    t.equal(star.headers.etag, (await call(app, { url, as: NMNO })).headers.etag)
  })

  t.test('a caller who may not see the resource gets 404, never 412', async (t) => {
    const e = await engagement('requested')
    const res = await call(app, { method: 'POST', url: `${e.url}/withdraw`, as: as('OC-M99', 'manager'), body: {}, headers: { 'if-match': '"e999"' } })
    t.equal(res.status, 404)
  })

  t.test('the manager answering the survey does not move the ETag the Ambassador reads (RPT-2: unlinkable)', async (t) => {
    const e = await engagement('active')
    const closed = await ok({ method: 'POST', url: `${e.url}/close`, as: e.m, body: { outcome: 'goals_met' } })
    const seen = (await ok({ url: e.url, as: e.a })).headers.etag
    const answered = await call(app, { method: 'POST', url: '/v1/surveys/manager-responses', as: e.m, body: { token: closed.body.surveyToken, answers: { trustBuilt: 5, feltJudged: false, knowledgeExperience: 4, referralsEffective: 'yes', followUpAfterReferral: 'not_applicable', neededMoreThanTwoMeetings: true } } })
    t.equal(answered.status, 201)
    const after = await ok({ url: e.url, as: e.a })
    t.equal(after.headers.etag, seen, 'same ETag for the Ambassador')
    t.equal(after.body.version, (await ok({ url: e.url, as: e.m })).body.version)
  })

  t.test('nmno’s de-identified engagement carries a weak ETag of what it shows, not the version', async (t) => {
    const e = await engagement('accepted')
    const res = await call(app, { url: e.url, as: NMNO })
    t.same([res.status, res.body.view], [200, 'deidentified'])
    t.match(String(res.headers.etag), /^W\/"e\.[A-Za-z0-9_-]+"$/)
    t.notOk('version' in res.body)
  })
})

t.test('two writers with the same If-Match: exactly one succeeds, the other gets 412', async (t) => {
  const { app } = await build(t)
  await app.listen({ host: '127.0.0.1', port: usingServer ? 3811 : 3810 })
  const base = `http://127.0.0.1:${usingServer ? 3811 : 3810}`
  const auth = { authorization: `Bearer ${tokenFor(NMNO)}`, 'content-type': 'application/json' }
  const created = await (await fetch(`${base}/v1/resources`, { method: 'POST', headers: auth, body: JSON.stringify({ slug: 'oc_race', kind: 'learning', name: { en: 'Race', fr: 'Course' }, description: { en: 'A race.', fr: 'Une course.' } }) })).json() as { id: string }
  const url = `${base}/v1/resources/${created.id}`

  // An engagement's goal as well: the lock is the goal row, under the engagement row's lock.
  const amb = await activeAmbassador(app, 'OC90')
  const m = as('OC-M90', 'manager')
  const eid = (await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST } })).body.id
  await call(app, { method: 'POST', url: `/v1/engagements/${eid}/accept`, as: amb.me, body: {} })
  const goalId = (await call(app, { method: 'POST', url: `/v1/engagements/${eid}/goals`, as: m, body: { title: 'First' } })).body.id
  const goalUrl = `${base}/v1/engagements/${eid}/goals/${goalId}`
  const managerAuth = { authorization: `Bearer ${tokenFor(m)}`, 'content-type': 'application/json' }

  for (const [what, target, headers, body] of [
    ['resource', url, auth, (i: number) => ({ name: { en: `Race ${i}` } })],
    ['goal', goalUrl, managerAuth, (i: number) => ({ title: `Goal ${i}` })],
  ] as const) {
    for (let round = 0; round < 5; round++) {
      const etag = (await fetch(target, { headers })).headers.get('etag')!
      const answers = await Promise.all([0, 1, 2, 3].map((i) =>
        fetch(target, { method: 'PATCH', headers: { ...headers, 'if-match': etag }, body: JSON.stringify(body(round * 4 + i)) })))
      const statuses = answers.map((a) => a.status).sort()
      t.same(statuses, [200, 412, 412, 412], `${what}, round ${round}: one writer wins, the others get 412`)
      const winner = answers.find((a) => a.status === 200)!
      t.equal(winner.headers.get('etag'), (await fetch(target, { headers })).headers.get('etag'), 'the winner’s ETag is the current one')
    }
  }
})
