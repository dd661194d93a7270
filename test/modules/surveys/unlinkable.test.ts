// #11 finding 4, the attack of a database reader (SELECT on every table): link a manager's survey
// answer to the engagement, the manager or the token through transaction ids (xmin), times,
// physical order, unkeyed hashes, the idempotency store or the token at rest. Each is now refused.
import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import t from 'tap'
import { releaseSurveyAnswers } from '../../../src/modules/surveys/release.ts'
import { activeAmbassador, build, call } from '../../helper.ts'
import { engagement } from '../reports/fixtures.ts'

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')
/** Answers that tell the 20 submissions apart: submission i ↔ (trustBuilt, knowledgeExperience). */
const answersOf = (i: number) => ({
  trustBuilt: 1 + (i % 5), feltJudged: false, knowledgeExperience: 1 + Math.floor(i / 5), referralsEffective: 'yes', followUpAfterReferral: 'yes', neededMoreThanTwoMeetings: false,
})
const indexOf = (r: { trustBuilt: number; knowledgeExperience: number }) => (r.knowledgeExperience - 1) * 5 + (r.trustBuilt - 1)
const N = 20

t.test('a database reader cannot link a survey answer to its engagement, manager or token (#11 finding 4)', async (t) => {
  const { app, db } = await build(t, { env: { STATS_MIN_CELL: '5' } })
  const amb = await activeAmbassador(app, 'SU01')
  const closed: Array<Awaited<ReturnType<typeof engagement>>> = []
  for (let i = 0; i < N; i++) closed.push(await engagement(app, amb, `SUM${String(i).padStart(2, '0')}`, 'closed'))
  const tokens = closed.map((e) => e.token!)

  await t.test('the token at rest is sealed and found by a keyed hash', async (t) => {
    const rows = await sql<{ row: string; surveyToken: string; surveyTokenHash: string }>`
      SELECT e::text AS row, survey_token, survey_token_hash FROM engagements e WHERE id = ANY(${closed.map((e) => e.id)}::uuid[])`.execute(db)
    t.equal(rows.rows.length, N)
    for (const r of rows.rows) {
      for (const tok of tokens) t.notOk(r.row.includes(tok), 'no plaintext token in the engagement row')
      t.match(r.surveyToken, /^v1:/)
      t.notOk(tokens.some((tok) => r.surveyTokenHash === sha256(tok)), 'the lookup hash is not a plain SHA-256 of the token')
    }
  })

  await t.test('a close sent with an Idempotency-Key keeps no survey token in the store, and its replay still answers it', async (t) => {
    const e = await engagement(app, amb, 'SUIDEM', 'active')
    const close = () => call(app, { method: 'POST', url: `/v1/engagements/${e.id}/close`, as: e.manager, body: { outcome: 'goals_met' }, headers: { 'idempotency-key': 'close-1' } })
    const first = await close()
    t.equal(first.status, 200)
    const token = first.body.surveyToken
    t.match(token, /^[A-Za-z0-9_-]{32}$/)
    const stored = await sql<{ row: string }>`SELECT k::text AS row FROM idempotency_keys k`.execute(db)
    t.ok(stored.rows.length >= 1)
    for (const r of stored.rows) t.notOk(r.row.includes(token), 'the stored answer holds no survey token')
    const replay = await close()
    t.equal(replay.headers['idempotent-replayed'], 'true')
    t.same([replay.status, replay.body.surveyToken], [200, token], 'the replay answers what the first request answered')
  })

  const ids: string[] = []
  for (let i = 0; i < N; i++) {
    const res = await call(app, { method: 'POST', url: '/v1/surveys/manager-responses', as: closed[i].manager, body: { token: tokens[i], answers: answersOf(i) } })
    t.equal(res.status, 201)
    ids.push(res.body.id)
  }

  await t.test('before release: nothing in the response table, the held answers are sealed, statistics do not count them yet', async (t) => {
    t.equal((await db.selectFrom('managerSurveyResponses').select('id').execute()).length, 0)
    const pending = await sql<{ row: string }>`SELECT p::text AS row FROM survey_answers_pending p`.execute(db)
    t.equal(pending.rows.length, N)
    for (const p of pending.rows) {
      t.notMatch(p.row, /trustBuilt|knowledgeExperience|[0-9a-f]{8}-[0-9a-f]{4}-/, 'no answer, no id in clear')
    }
    const stats = await call(app, { url: '/v1/stats/surveys?survey=manager', as: { sub: 'H1', roles: ['hr_analyst'] } })
    const responses = stats.body.total.find((r: any) => r.question === 'responses')
    t.ok(!responses || responses.count === 0 || responses.count === null, 'not counted before release')
  })

  await t.test('the spent-token hashes are keyed', async (t) => {
    const spent = await db.selectFrom('surveySpentTokens').select('tokenHash').execute()
    t.equal(spent.length, N)
    const plain = new Set(tokens.map(sha256))
    t.notOk(spent.some((s) => plain.has(s.tokenHash)), 'no spent hash is a plain SHA-256 of a token')
  })

  await t.test('released: own transaction, month only, shuffled order, counted by statistics', async (t) => {
    t.equal(await releaseSurveyAnswers(db), N, `${N} pending answers are a batch: released without forcing`)
    t.equal((await db.selectFrom('surveyAnswersPending').select('kind').execute()).length, 0)
    const rows = await sql<{ id: string; xmin: string; period: string; monthStart: boolean; trustBuilt: number; knowledgeExperience: number }>`
      SELECT id, xmin::text AS xmin, period::text AS period, period = date_trunc('month', period)::date AS month_start, trust_built, knowledge_experience
      FROM manager_survey_responses ORDER BY ctid`.execute(db)
    t.equal(rows.rows.length, N)
    t.same(new Set(rows.rows.map((r) => r.id)), new Set(ids), 'the ids the managers were given')
    for (const r of rows.rows) t.ok(r.monthStart, 'no time finer than the month')
    const types = await sql<{ dataType: string }>`SELECT data_type FROM information_schema.columns WHERE table_name = 'manager_survey_responses'`.execute(db)
    t.notOk(types.rows.some((c) => /time/.test(c.dataType)), 'no time column')

    // xmin: the responses' transaction is theirs alone.
    const answerXmins = new Set(rows.rows.map((r) => r.xmin))
    const others = await sql<{ xmin: string }>`
      SELECT xmin::text AS xmin FROM survey_spent_tokens UNION ALL SELECT xmin::text FROM engagements
      UNION ALL SELECT xmin::text FROM audit_events UNION ALL SELECT xmin::text FROM ambassador_survey_receipts`.execute(db)
    t.notOk(others.rows.some((o) => answerXmins.has(o.xmin)), 'no response shares a transaction with a token spend, an engagement, an audit event')

    // Physical order is not submission order (the chance a shuffle of 20 leaves it is 1 in 20!).
    const order = rows.rows.map(indexOf)
    t.same([...order].sort((a, b) => a - b), [...Array(N).keys()])
    t.not(order.join(','), [...Array(N).keys()].join(','), 'not in submission order')
    t.not(order.join(','), [...Array(N).keys()].reverse().join(','), 'nor in reverse order')

    const stats = await call(app, { url: '/v1/stats/surveys?survey=manager', as: { sub: 'H1', roles: ['hr_analyst'] } })
    const responses = stats.body.total.find((r: any) => r.question === 'responses')
    t.ok(responses?.count >= N - 5, 'counted once released')
  })

  await t.test('the anonymous audit events name nothing and share neither the engagement’s time nor its transaction', async (t) => {
    const events = await sql<{ xmin: string; at: Date; resourceId: string | null; engagementId: string | null; actorRef: string | null }>`
      SELECT xmin::text AS xmin, at, resource_id, engagement_id, actor_ref FROM audit_events WHERE action = 'survey.submit-manager' AND outcome = 'success'`.execute(db)
    t.equal(events.rows.length, N, 'one event per answer')
    const engagements = await sql<{ xmin: string; updatedAt: Date }>`SELECT xmin::text AS xmin, updated_at FROM engagements WHERE id = ANY(${closed.map((e) => e.id)}::uuid[])`.execute(db)
    const times = new Set(engagements.rows.map((e) => new Date(e.updatedAt).getTime()))
    const xmins = new Set(engagements.rows.map((e) => e.xmin))
    for (const ev of events.rows) {
      t.same([ev.resourceId, ev.engagementId, ev.actorRef], [null, null, null])
      t.notOk(times.has(new Date(ev.at).getTime()), 'not at an engagement’s update time')
      t.notOk(xmins.has(ev.xmin), 'not in an engagement’s transaction')
    }
  })

  await t.test('the evaluation receipt is a keyed hash: not recomputable from the engagement id', async (t) => {
    const e = closed[0]
    const res = await call(app, { method: 'POST', url: '/v1/surveys/ambassador-responses', as: amb.me, body: { engagementId: e.id, answers: { trainingAdequate: 4, ableToFulfilRole: 'yes', meetingsNeeded: 2 } } })
    t.equal(res.status, 201)
    const receipts = (await db.selectFrom('ambassadorSurveyReceipts').select('engagementHash').execute()).map((r) => r.engagementHash)
    t.equal(receipts.length, 1)
    for (const guess of [sha256(`ambassador-evaluation:${e.id}`), sha256(e.id)]) t.notOk(receipts.includes(guess))
    const again = await call(app, { method: 'POST', url: '/v1/surveys/ambassador-responses', as: amb.me, body: { engagementId: e.id, answers: { trainingAdequate: 4, ableToFulfilRole: 'yes', meetingsNeeded: 2 } } })
    t.same([again.status, again.body.code], [409, 'already-exists'], 'still once per engagement')
    t.equal(await releaseSurveyAnswers(db), 0, 'one evaluation alone waits for its batch or its time')
    t.equal(await releaseSurveyAnswers(db, { force: true }), 1)
    t.equal((await db.selectFrom('ambassadorSurveyResponses').select('id').execute()).length, 1)
  })
})
