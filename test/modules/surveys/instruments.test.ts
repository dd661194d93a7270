// #15 item 2: versioned instruments (typed questions; version 1 = Annex I with the awareness-channel
// question; nmno proposes, governance approves; a token answers the version current at its issue),
// and comments: held apart, sealed, released to governance in shuffled batches of at least the threshold.
import t from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call } from '../../helper.ts'
import { engagement } from '../reports/fixtures.ts'
import { releaseSurveyAnswers } from '../../../src/modules/surveys/release.ts'
import { holdComment } from '../../../src/modules/surveys/repository.ts'

const ANSWERS = { trustBuilt: 4, feltJudged: false, knowledgeExperience: 5, referralsEffective: 'yes', followUpAfterReferral: 'yes', neededMoreThanTwoMeetings: false }

t.test('version 1 is Annex I plus the awareness channel; today’s request shape works', async (t) => {
  const { app, db } = await build(t)
  const cur = await call(app, { url: '/v1/surveys/instruments/current?audience=manager', as: as('M1', 'manager') })
  t.equal(cur.status, 200)
  t.match(cur.body, { version: 1, status: 'approved', audience: 'manager' })
  t.same(cur.body.questions.map((q: any) => [q.id, q.type, q.required]), [
    ['trustBuilt', 'scale_1_5', true], ['feltJudged', 'yes_no', true], ['knowledgeExperience', 'scale_1_5', true],
    ['referralsEffective', 'yes_no_na', true], ['followUpAfterReferral', 'yes_no_na', true], ['neededMoreThanTwoMeetings', 'yes_no', true],
    ['awarenessChannel', 'choice', false], ['comment', 'comment', false],
  ])
  const channels = cur.body.questions.find((q: any) => q.id === 'awarenessChannel').options
  t.equal(channels.length, 11, 'the nine channels of the governance document, iService and other')
  t.ok(channels.every((o: any) => o.label.en && o.label.fr))
  const amb = await call(app, { url: '/v1/surveys/instruments/current?audience=ambassador', as: NMNO })
  t.same(amb.body.questions.map((q: any) => q.id), ['trainingAdequate', 'ableToFulfilRole', 'meetingsNeeded', 'comment'])
  t.equal((await call(app, { url: '/v1/surveys/instruments/current?audience=manager', as: HR })).status, 403, 'HR does not read instruments')
  t.equal((await call(app, { url: '/v1/surveys/instruments/current?audience=other', as: NMNO })).status, 400)

  const a = await activeAmbassador(app, 'IV01')
  const e = await engagement(app, a, 'IVM1', 'closed')
  const bad = await call(app, { method: 'POST', url: '/v1/surveys/manager-responses', as: e.manager, body: { token: e.token, answers: { ...ANSWERS, awarenessChannel: 'radio' } } })
  t.equal(bad.status, 400)
  const ok = await call(app, { method: 'POST', url: '/v1/surveys/manager-responses', as: e.manager, body: { token: e.token, answers: { ...ANSWERS, awarenessChannel: 'eap' }, comment: 'The two meetings were enough.' } })
  t.equal(ok.status, 201)
  t.equal(ok.body.instrumentVersion, 1)
  await releaseSurveyAnswers(db, { force: true })
  const row = await db.selectFrom('managerSurveyResponses').selectAll().executeTakeFirstOrThrow()
  t.match(row, { instrumentVersion: 1, awarenessChannel: 'eap', extraAnswers: {} })
  const held = await db.selectFrom('surveyCommentsPending').selectAll().execute()
  t.equal(held.length, 1, 'the comment is held apart')
  t.notMatch(held[0].sealed, /meetings/, 'sealed at rest')
  t.notOk(JSON.stringify(row).includes('meetings were'), 'never with the answers')

  // Without the optional questions: still today's shape.
  const e2 = await engagement(app, a, 'IVM2', 'closed')
  t.equal((await call(app, { method: 'POST', url: '/v1/surveys/manager-responses', as: e2.manager, body: { token: e2.token, answers: ANSWERS } })).status, 201)
  const ev = await call(app, { method: 'POST', url: '/v1/surveys/ambassador-responses', as: a.me, body: { engagementId: e2.id, answers: { trainingAdequate: 4, ableToFulfilRole: 'yes', meetingsNeeded: 2 }, comment: 'Orientation part 4 helped.' } })
  t.equal(ev.status, 201)
  t.equal((await db.selectFrom('surveyCommentsPending').selectAll().execute()).length, 2)
})

t.test('a new version: proposed by nmno, approved by governance; a token answers the version current at its issue', async (t) => {
  const { app, db } = await build(t)
  const a = await activeAmbassador(app, 'IV02')
  const before = await engagement(app, a, 'IVM3', 'closed')
  const v1 = (await call(app, { url: '/v1/surveys/instruments/current?audience=manager', as: NMNO })).body.questions
  const added = { id: 'recommendToPeer', type: 'yes_no', required: true, text: { en: 'Would you recommend the Network to a peer?', fr: 'Recommanderiez-vous le Réseau à un pair?' } }
  const proposal = { audience: 'manager', questions: [...v1, added] }

  for (const who of [GOVERNANCE, HR, ISERVICE, as('M9', 'manager')]) {
    t.equal((await call(app, { method: 'POST', url: '/v1/surveys/instruments', as: who, body: proposal })).status, 403)
  }
  const dropped = await call(app, { method: 'POST', url: '/v1/surveys/instruments', as: NMNO, headers: { 'accept-language': 'fr' }, body: { audience: 'manager', questions: v1.filter((q: any) => q.id !== 'trustBuilt') } })
  t.equal(dropped.status, 400, 'version 1’s scored questions are kept')
  t.match(dropped.body.detail, /questionnaire/)
  const retyped = await call(app, { method: 'POST', url: '/v1/surveys/instruments', as: NMNO, body: { audience: 'manager', questions: v1.map((q: any) => (q.id === 'feltJudged' ? { ...q, type: 'scale_1_5' } : q)) } })
  t.equal(retyped.status, 400)
  const choiceWithout = await call(app, { method: 'POST', url: '/v1/surveys/instruments', as: NMNO, body: { audience: 'manager', questions: [...v1, { ...added, type: 'choice' }] } })
  t.equal(choiceWithout.status, 400, 'a choice lists its options')

  const p = await call(app, { method: 'POST', url: '/v1/surveys/instruments', as: NMNO, body: proposal })
  t.equal(p.status, 201)
  t.match(p.body, { status: 'proposed', version: null })
  t.equal((await call(app, { url: '/v1/surveys/instruments/current?audience=manager', as: NMNO })).body.version, 1, 'not current until approved')
  t.equal((await call(app, { method: 'POST', url: `/v1/surveys/instruments/${p.body.id}/approval`, as: NMNO, body: {} })).status, 403)
  const approved = await call(app, { method: 'POST', url: `/v1/surveys/instruments/${p.body.id}/approval`, as: GOVERNANCE, body: {} })
  t.equal(approved.status, 200)
  t.match(approved.body, { status: 'approved', version: 2 })
  t.equal((await call(app, { method: 'POST', url: `/v1/surveys/instruments/${p.body.id}/approval`, as: GOVERNANCE, body: {} })).body.code, 'invalid-transition')
  t.equal((await call(app, { method: 'POST', url: '/v1/surveys/instruments/00000000-0000-4000-8000-000000000000/approval', as: GOVERNANCE, body: {} })).status, 404)
  t.equal((await call(app, { url: '/v1/surveys/instruments/current?audience=manager', as: as('M1', 'manager') })).body.version, 2)

  // The token issued before the approval answers version 1: the new question is not part of it.
  const submit = (e: any, answers: unknown) => call(app, { method: 'POST', url: '/v1/surveys/manager-responses', as: e.manager, body: { token: e.token, answers } })
  t.equal((await submit(before, { ...ANSWERS, recommendToPeer: true })).status, 400)
  const r1 = await submit(before, ANSWERS)
  t.equal(r1.status, 201)
  t.equal(r1.body.instrumentVersion, 1)
  // One issued after answers version 2: the new question is required.
  const after = await engagement(app, a, 'IVM4', 'closed')
  t.equal((await submit(after, ANSWERS)).status, 400)
  t.equal((await call(app, { url: `/v1/engagements/${after.id}`, as: after.manager })).body.surveyToken, after.token, 'a refused answer spends nothing')
  const r2 = await submit(after, { ...ANSWERS, recommendToPeer: true })
  t.equal(r2.status, 201)
  t.equal(r2.body.instrumentVersion, 2)
  await releaseSurveyAnswers(db, { force: true })
  const rows = await db.selectFrom('managerSurveyResponses').select(['instrumentVersion', 'extraAnswers']).orderBy('instrumentVersion').execute()
  t.same(rows, [{ instrumentVersion: 1, extraAnswers: {} }, { instrumentVersion: 2, extraAnswers: { recommendToPeer: true } }])
  // The pilot dashboard counts the answers to the added question too, suppressed like every count.
  const month = new Date().toISOString().slice(0, 7)
  const pilot = (await call(app, { url: `/v1/stats/pilot?from=${month}&to=${month}`, as: GOVERNANCE })).body
  const added2 = pilot.tables.find((x: any) => x.name === 'survey.manager.recommendToPeer')
  t.same(added2, { section: 'outcomes', name: 'survey.manager.recommendToPeer', cells: [{ key: 'true', count: null, suppressed: true }], total: { count: null, suppressed: true } })
})

t.test('comments reach governance only in shuffled batches of at least the threshold, after the text check', async (t) => {
  const { app, db } = await build(t, { env: { STATS_MIN_CELL: '5' } })
  await activeAmbassador(app, 'EMP77777')
  const period = new Date().toISOString().slice(0, 7)
  const release = (who = GOVERNANCE, headers?: Record<string, string>) => call(app, { method: 'POST', url: '/v1/governance/comment-batches', as: who, headers, body: { period } })
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < 4; i++) await holdComment(trx, 'manager', period, `Helpful comment number ${i}.`)
    await holdComment(trx, 'ambassador', period, 'I worked with emp77777 on this.')
  })
  const few = await release(GOVERNANCE, { 'accept-language': 'fr' })
  t.equal(few.status, 409, 'four passing comments are below the threshold of five')
  t.equal(few.body.code, 'too-few-comments')
  t.match(few.body.detail, /lots d’au moins 5/)
  t.notMatch(JSON.stringify(few.body), /"(held|count|pending)"/, 'does not say how many are held')
  for (const who of [NMNO, HR, ISERVICE, as('M1', 'manager')]) {
    t.equal((await release(who)).status, 403)
    t.equal((await call(app, { url: '/v1/governance/comment-batches', as: who })).status, 403, 'never to HR or nmno')
  }
  await db.transaction().execute(async (trx) => holdComment(trx, 'ambassador', period, 'More pd sessions on grief would help.'))
  const batch = await release()
  t.equal(batch.status, 201)
  t.equal(batch.body.comments.length, 5)
  t.equal(batch.body.withheld, 1, 'the comment naming an employee is not released')
  t.notOk(JSON.stringify(batch.body).includes('emp77777'))
  t.equal((await db.selectFrom('surveyCommentsPending').selectAll().execute()).length, 0)
  t.equal((await release()).status, 409, 'nothing left')
  const listed = await call(app, { url: '/v1/governance/comment-batches', as: GOVERNANCE })
  t.equal(listed.body.items.length, 1)
  t.same(listed.body.items[0].comments, batch.body.comments)
})
