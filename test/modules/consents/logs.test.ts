// CONF-3 over a whole consent, disclosure and crisis scenario: the logs (at trace level) hold no
// token, no manager identity, and no confidential text (typed name, purpose, recipient name,
// justification), whether the requests succeed or are refused.
import t from 'tap'
import { NMNO, activeAmbassador, as, build, call } from '../../helper.ts'

const MANAGER_SUB = 'LOGMGR-7731'
const TYPED_NAME = 'Quentin Zyskowski-Marchand'
const PURPOSE = 'Arrange counselling with Doctor Halvorsen'
const RECIPIENT = 'Halvorsen Wellness Clinic'
const JUSTIFICATION = 'Stated intent to hurt a coworker named Brightwater tonight'

t.test('a whole scenario leaves no token, manager identity or confidential text in the logs (CONF-3)', async (t) => {
  const { app, logs } = await build(t, { captureLogs: true })
  const amb = await activeAmbassador(app, 'LOGAMB-1')
  t.equal((await call(app, { method: 'PATCH', url: `/v1/ambassadors/${amb.id}`, as: NMNO, body: { designatedContactRef: 'N907' } })).status, 200)
  const m = as(MANAGER_SUB, 'manager')
  const eid = (await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, language: 'en', preferredModes: ['phone'], urgency: 'urgent', topics: ['crisis'], aboutMyEmployee: true } })).body.id
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${eid}/accept`, as: amb.me, body: {} })).status, 200)

  const draft = { recipient: { kind: 'institution', name: RECIPIENT }, direction: 'release', infoCategories: ['situation_summary'], purpose: PURPOSE }
  const c = await call(app, { method: 'POST', url: `/v1/engagements/${eid}/consents`, as: amb.me, body: draft })
  t.equal(c.status, 201)
  const grant = { typedName: TYPED_NAME, agree: true, statementVersion: 1, language: 'en' }
  t.equal((await call(app, { method: 'POST', url: `/v1/consents/${c.body.id}/grant`, as: amb.me, body: grant })).status, 403)
  t.equal((await call(app, { method: 'POST', url: `/v1/consents/${c.body.id}/grant`, as: m, body: { ...grant, agree: false } })).status, 422)
  t.equal((await call(app, { method: 'POST', url: `/v1/consents/${c.body.id}/grant`, as: m, body: grant })).status, 200)

  const disclosure = { direction: 'release', recipient: { kind: 'institution', name: RECIPIENT }, infoCategories: ['situation_summary'], basis: 'consent', consentId: c.body.id }
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${eid}/disclosures`, as: amb.me, body: disclosure })).status, 201)
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${eid}/disclosures`, as: amb.me, body: { ...disclosure, infoCategories: ['identity'] } })).status, 422)
  const exception = { direction: 'release', recipient: { kind: 'agency', name: 'Police' }, infoCategories: ['safety_concerns'], basis: 'imminent_harm_others', justification: JUSTIFICATION }
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${eid}/disclosures`, as: amb.me, body: exception })).status, 201)
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${eid}/disclosures`, as: m, body: exception })).status, 403)
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${eid}/disclosures`, as: amb.me, body: { ...exception, bogus: JUSTIFICATION } })).status, 400)

  const crisis = await call(app, { method: 'POST', url: `/v1/engagements/${eid}/crisis-escalations`, as: amb.me, body: { category: 'imminent_harm_others', authoritiesContacted: ['police'], weaponsInvolved: true, occurredAt: new Date().toISOString() } })
  t.equal(crisis.status, 201)
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${eid}/crisis-escalations/${crisis.body.id}/follow-up`, as: amb.me, body: {} })).status, 200)
  const debrief = (await call(app, { url: '/v1/notifications?kind=crisis_debrief', as: NMNO })).body.items[0]
  t.equal((await call(app, { method: 'POST', url: `/v1/notifications/${debrief.id}/resolve`, as: NMNO, body: { clinicianOffered: false } })).status, 200)

  for (const path of ['consents', 'disclosures', 'crisis-escalations']) {
    t.equal((await call(app, { url: `/v1/engagements/${eid}/${path}`, as: m })).status, 200)
    t.equal((await call(app, { url: `/v1/engagements/${eid}/${path}`, as: as('LOGMGR-OTHER', 'manager') })).status, 404)
  }
  t.equal((await call(app, { method: 'POST', url: `/v1/consents/${c.body.id}/withdraw`, as: m, body: {} })).status, 200)
  t.equal((await call(app, { url: '/v1/me/notifications', as: m })).status, 200)
  t.equal((await call(app, { url: '/v1/me/tasks', as: amb.me })).status, 200)

  const text = logs.join('\n')
  t.ok(logs.length > 20, 'the logs were captured')
  t.match(text, /\/v1\/engagements\/:id\/disclosures/, 'the routes are logged (by pattern)')
  t.notMatch(text, /eyJ[A-Za-z0-9_-]+\./, 'no token')
  t.notMatch(text, /Bearer/i, 'no authorization header')
  t.notMatch(text, new RegExp(MANAGER_SUB), 'no manager identity')
  t.notMatch(text, /Zyskowski|Quentin/, 'no typed name')
  t.notMatch(text, /Halvorsen/, 'no purpose or recipient name')
  t.notMatch(text, /Brightwater|hurt a coworker/, 'no justification text')
  t.notMatch(text, new RegExp(eid), 'no engagement id in a URL')
})
