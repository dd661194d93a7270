// #14: the role × route matrix of the routes around an engagement (concerns, terms, references,
// self-care, the crisis debrief): every role that may not act is refused (403, or 404 for a row it
// may not see), and a refusal changes nothing.
import { sql } from 'kysely'
import t from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call } from '../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['phone'], urgency: 'routine', topics: ['crisis'], aboutMyEmployee: true }

t.test('people around an engagement: role × route matrix', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'PM01')
  const other = await activeAmbassador(app, 'PM02')
  const manager = as('PMM1', 'manager')
  const e = (await call(app, { method: 'POST', url: '/v1/engagements', as: manager, body: { ambassadorId: amb.id, ...REQUEST } })).body.id
  await call(app, { method: 'POST', url: `/v1/engagements/${e}/accept`, as: amb.me, body: {} })
  const crisis = (await call(app, { method: 'POST', url: `/v1/engagements/${e}/crisis-escalations`, as: amb.me, body: { category: 'threatening_message', authoritiesContacted: ['none'], weaponsInvolved: false, occurredAt: new Date().toISOString() } })).body.id
  const concern = (await call(app, { method: 'POST', url: '/v1/concerns', as: amb.me, body: { kind: 'other', summary: 'A question for the office.' } })).body.id
  const candidate = (await call(app, { method: 'POST', url: '/v1/ambassadors', as: as('PMC1', 'manager'), body: { displayName: 'Candidate' } })).body.id

  const fingerprint = async () => (await sql<{ f: string }>`SELECT concat_ws(',',
      (SELECT count(*) FROM concerns), (SELECT count(*) FROM concern_messages), (SELECT string_agg(status, ',' ORDER BY id) FROM concerns),
      (SELECT count(*) FROM reference_checks), (SELECT count(*) FROM self_care_check_ins), (SELECT count(*) FROM engagement_terms_acceptances),
      (SELECT count(*) FROM crisis_escalations WHERE debriefed_on IS NOT NULL)) AS f`.execute(db)).rows[0].f

  const today = new Date().toISOString().slice(0, 10)
  const principals: Record<string, any> = {
    ambassador: amb.me, 'other Ambassador': other.me, manager, 'other manager': as('PMM9', 'manager'),
    nmno: NMNO, governance: GOVERNANCE, hr_analyst: HR, iservice: ISERVICE, 'no role': as('PME1'), 'no token': undefined,
  }
  // [method, url, body, who → expected status]; anyone not named: 403 (401 without a token).
  const routes: [string, string, unknown, Record<string, number>][] = [
    ['GET', '/v1/engagement-terms/current', undefined, { ambassador: 200, 'other Ambassador': 200, manager: 200, 'other manager': 200, nmno: 200, governance: 200, hr_analyst: 200, iservice: 200, 'no role': 200 }],
    ['POST', '/v1/me/engagement-terms-acceptance', { version: 1 }, { ambassador: 201, 'other Ambassador': 201, manager: 201, 'other manager': 201 }],
    ['POST', '/v1/concerns', { kind: 'confidentiality_question', summary: 'May I say this?' }, { ambassador: 201, 'other Ambassador': 201 }],
    ['GET', '/v1/concerns', undefined, { ambassador: 200, 'other Ambassador': 200, manager: 200, 'other manager': 200, nmno: 200, governance: 200, hr_analyst: 200, iservice: 200, 'no role': 200 }],
    ['GET', `/v1/concerns/${concern}`, undefined, { ambassador: 200, nmno: 200, 'other Ambassador': 404, manager: 404, 'other manager': 404, governance: 404, hr_analyst: 404, iservice: 404, 'no role': 404 }],
    ['GET', `/v1/concerns/${concern}/messages`, undefined, { ambassador: 200, nmno: 200, 'other Ambassador': 404, manager: 404, 'other manager': 404, governance: 404, hr_analyst: 404, iservice: 404, 'no role': 404 }],
    ['POST', `/v1/concerns/${concern}/messages`, { text: 'More detail.' }, { ambassador: 201, nmno: 201, 'other Ambassador': 404, manager: 404, 'other manager': 404, governance: 404, hr_analyst: 404, iservice: 404, 'no role': 404 }],
    ['POST', `/v1/concerns/${concern}/transitions`, { to: 'acknowledged' }, { nmno: 200 }],
    ['POST', `/v1/ambassadors/${candidate}/references`, { checkedOn: today, outcome: 'satisfactory' }, { nmno: 201 }],
    ['POST', '/v1/me/self-care-check-ins', { wellbeing: 3, workloadImpact: 'some', wantsContact: false }, { ambassador: 201, 'other Ambassador': 201, manager: 404, 'other manager': 404 }],
    ['GET', '/v1/me/self-care-check-ins', undefined, { ambassador: 200, 'other Ambassador': 200, manager: 404, 'other manager': 404 }],
    ['POST', `/v1/engagements/${e}/crisis-escalations/${crisis}/debrief`, { debriefedOn: today, clinicianOffered: true }, { nmno: 200 }],
  ]
  for (const [method, url, body, allowed] of routes) {
    // Refusals first (each must change nothing), then the callers who may.
    const order = Object.keys(principals).sort((a, b) => Number(a in allowed) - Number(b in allowed))
    for (const label of order) {
      const who = principals[label]
      const expected = who === undefined ? 401 : allowed[label] ?? 403
      const before = expected >= 400 ? await fingerprint() : ''
      const res = await call(app, { method: method as any, url, as: who, body })
      t.equal(res.status, expected, `${label}: ${method} ${url}`)
      if (expected >= 400) t.equal(await fingerprint(), before, `${label}: ${method} ${url} changed nothing`)
    }
  }
  const fr = await call(app, { method: 'POST', url: '/v1/concerns', as: manager, body: { kind: 'other', summary: 'x y z' }, headers: { 'accept-language': 'fr' } })
  t.same([fr.status, fr.body.code], [403, 'forbidden'])
  t.match(fr.body.detail, /ambassadeur/, 'refusals in French')
})
