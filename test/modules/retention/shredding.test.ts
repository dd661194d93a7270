// #11 finding 7, the attack of a database reader (SELECT on every table, old backups, dead tuples):
// after DELETE /v1/engagements/{id}, read goal text, typed names, recipients, justifications, the
// manager's id; re-link a report through its audit event; find the nmno notifications; recompute the
// evaluation receipt. Nothing of it is stored in clear even before the purge (so a backup or a dead
// tuple holds only ciphertext), and the purge deletes the key that opens it (crypto-shredding).
import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import t from 'tap'
import type { App } from '../../../src/app.ts'
import type { Db } from '../../../src/db/database.ts'
import { NMNO, activeAmbassador, as, build, call } from '../../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['phone'], urgency: 'routine', topics: ['return_to_work'], aboutMyEmployee: true }
const past = (h: number) => new Date(Date.now() - h * 3600_000).toISOString()
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')
const MANAGER = 'M7SHRED01'
const SECRETS = {
  goal: 'Zqgoal rehearse the return-to-work talk',
  benefits: 'Zqbenefit calmer team',
  proposal: 'Zqproposal add a check-in',
  recipient: 'Zqrecipient Wellness Agency',
  purpose: 'Zqpurpose arrange counselling',
  typedName: 'Zqtyped Patience Example',
  exceptionRecipient: 'Zqpolice Station Nine',
  justification: 'Zqjustification the employee described a plan',
}

async function ok(res: Awaited<ReturnType<typeof call>>, what: string) {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

/** Every row of every table as text (all columns: text, jsonb, bytea, arrays…) holding one of the needles. */
async function holding(db: Db, needles: string[]) {
  const tables = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`.execute(db)
  const found: string[] = []
  for (const { name } of tables.rows) {
    const r = await sql<{ row: string }>`SELECT x::text AS row FROM ${sql.table(name)} AS x`.execute(db)
    for (const { row } of r.rows) for (const n of needles) if (row.toLowerCase().includes(n.toLowerCase())) found.push(`${name}: ${n}`)
  }
  return found
}

async function wholeEngagement(app: App, db: Db, amb: { id: string; me: any }) {
  const m = as(MANAGER, 'manager')
  const e = (await ok(await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST } }), 'request')).id as string
  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/accept`, as: amb.me, body: {} }), 'accept')
  const meeting = await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/meetings`, as: m, body: { scheduledAt: past(1), durationMinutes: 30, mode: 'phone' } }), 'meeting')
  await ok(await call(app, { method: 'PATCH', url: `/v1/engagements/${e}/meetings/${meeting.id}`, as: amb.me, body: { held: true } }), 'held')
  // With an Idempotency-Key: the stored answer holds the goal's text too.
  const goal = await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/goals`, as: m, body: { title: SECRETS.goal, benefitsToYou: SECRETS.benefits }, headers: { 'idempotency-key': 'goal-1' } }), 'goal')
  await ok(await call(app, { method: 'PATCH', url: `/v1/engagements/${e}/goals/${goal.id}`, as: amb.me, body: { progressMeasures: SECRETS.proposal } }), 'proposal')
  const scope = { recipient: { kind: 'agency', name: SECRETS.recipient }, direction: 'release', infoCategories: ['situation_summary'] }
  const consent = await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/consents`, as: amb.me, body: { ...scope, purpose: SECRETS.purpose } }), 'consent')
  await ok(await call(app, { method: 'POST', url: `/v1/consents/${consent.id}/grant`, as: m, body: { typedName: SECRETS.typedName, agree: true, statementVersion: 1, language: 'en' } }), 'grant')
  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/disclosures`, as: amb.me, body: { ...scope, basis: 'consent', consentId: consent.id } }), 'disclosure')
  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/disclosures`, as: amb.me, body: { ...scope, recipient: { kind: 'agency', name: SECRETS.exceptionRecipient }, basis: 'imminent_harm_others', justification: SECRETS.justification } }), 'exception')
  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/crisis-escalations`, as: amb.me, body: { category: 'threatening_message', authoritiesContacted: ['police'], weaponsInvolved: false, occurredAt: past(2) } }), 'crisis')
  const report = await ok(await call(app, { method: 'POST', url: '/v1/reports', as: amb.me, body: {
    engagementId: e, occurredOn: new Date().toISOString().slice(0, 10), mode: 'phone', durationMinutes: 30, meetingNumber: 1, stage: 'building_trust',
    topics: ['return_to_work'], referralCategories: ['eap'], urgency: 'routine', language: 'en',
  } }), 'report')
  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/close`, as: m, body: { outcome: 'goals_met' }, headers: { 'idempotency-key': 'close-1' } }), 'close')
  const token = (await ok(await call(app, { url: `/v1/engagements/${e}`, as: m }), 'read')).surveyToken as string
  await ok(await call(app, { method: 'POST', url: '/v1/surveys/ambassador-responses', as: amb.me, body: { engagementId: e, answers: { trainingAdequate: 4, ableToFulfilRole: 'yes', meetingsNeeded: 2 } } }), 'evaluation')
  return { e, m, goal: goal.id as string, report: report.id as string, token }
}

t.test('a purged engagement leaves nothing a database reader can read or re-link (#11 finding 7)', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'A7SH1')
  const w = await wholeEngagement(app, db, amb)
  const text = Object.values(SECRETS)

  await t.test('the participants still read everything back in clear', async (t) => {
    const goals = (await call(app, { url: `/v1/engagements/${w.e}/goals`, as: w.m })).body.items
    t.match(goals[0], { title: SECRETS.goal, benefitsToYou: SECRETS.benefits, proposal: { progressMeasures: SECRETS.proposal } })
    const consents = (await call(app, { url: `/v1/engagements/${w.e}/consents`, as: amb.me })).body.items
    t.match(consents[0], { recipient: { name: SECRETS.recipient }, purpose: SECRETS.purpose, grantedName: SECRETS.typedName })
    const disclosures = (await call(app, { url: `/v1/engagements/${w.e}/disclosures`, as: w.m })).body.items
    t.match(disclosures.find((d: any) => d.basis !== 'consent'), { recipient: { name: SECRETS.exceptionRecipient }, justification: SECRETS.justification })
    t.match(w.token, /^[A-Za-z0-9_-]{32}$/)
  })

  await t.test('even before the purge, no free text or token is stored in clear anywhere', async (t) => {
    t.same(await holding(db, [...text, w.token]), [])
  })

  const nmnoBefore = await sql<{ id: string; kind: string }>`SELECT id, kind FROM notifications WHERE audience = 'nmno'
    AND (data->>'engagementId' = ${w.e} OR subject_id IN (SELECT id FROM crisis_escalations WHERE engagement_id = ${w.e}) OR subject_id = ${w.e}::uuid)`.execute(db)
  t.ok(nmnoBefore.rows.length >= 3, 'nmno was told of the exception and the crisis (and the debrief)')
  const review = nmnoBefore.rows.find((n) => n.kind === 'exception_disclosure')!
  t.equal((await call(app, { method: 'POST', url: `/v1/notifications/${review.id}/resolve`, as: NMNO, body: {} })).status, 200, 'the review is settled')

  t.equal((await call(app, { method: 'DELETE', url: `/v1/engagements/${w.e}`, as: w.m })).status, 204)

  await t.test('after the purge: no free text, no manager id; the key is gone', async (t) => {
    t.same(await holding(db, [...text, w.token, MANAGER]), [])
    t.equal((await db.selectFrom('engagementKeys').select('engagementId').where('engagementId', '=', w.e).execute()).length, 0)
  })

  await t.test('nmno notifications of the purged engagement are gone or name neither it nor its Ambassador', async (t) => {
    const left = await sql<{ row: string; subjectId: string | null }>`SELECT n::text AS row, subject_id FROM notifications n
      WHERE id = ANY(${nmnoBefore.rows.map((r) => r.id)}::uuid[])`.execute(db)
    t.ok(left.rows.length < nmnoBefore.rows.length, 'the settled one is gone')
    for (const n of left.rows) {
      t.equal(n.subjectId, null)
      t.notOk(n.row.includes(w.e), 'no engagement id')
      t.notOk(n.row.includes(amb.id), 'no Ambassador id')
    }
    const inbox = (await call(app, { url: '/v1/notifications', as: NMNO })).body.items
    t.notOk(JSON.stringify(inbox).includes(w.e), 'nmno reads nothing naming it')
  })

  await t.test('no audit event re-links the de-identified report to the engagement', async (t) => {
    const report = await db.selectFrom('reports').select(['id', 'engagementId']).where('id', '=', w.report).executeTakeFirstOrThrow()
    t.equal(report.engagementId, null, 'the report stays, de-identified')
    const linking = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_events a
      WHERE a.resource_id = ${w.report} OR (a::text LIKE ${`%${w.report}%`})`.execute(db)
    t.equal(linking.rows[0].n, 0, 'no event names the report')
    const times = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_events a, reports r
      WHERE r.id = ${w.report} AND a.engagement_id = ${w.e}::uuid AND a.at = r.created_at`.execute(db)
    t.equal(times.rows[0].n, 0, 'nor shares its creation time')
  })

  await t.test('the evaluation receipt cannot be recomputed from the engagement id', async (t) => {
    const receipts = (await db.selectFrom('ambassadorSurveyReceipts').select('engagementHash').execute()).map((r) => r.engagementHash)
    t.equal(receipts.length, 1)
    for (const guess of [sha256(`ambassador-evaluation:${w.e}`), sha256(w.e)]) t.notOk(receipts.includes(guess))
  })
})

t.test('rows written before sealing (plain text) still read back, and a transfer re-seals goals under the new key', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'A7SH2')
  const amb2 = await activeAmbassador(app, 'A7SH3')
  const m = as('M7SHRED02', 'manager')
  const e = (await ok(await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST } }), 'request')).id as string
  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/accept`, as: amb.me, body: {} }), 'accept')
  // A goal as it was stored before #11: plain text.
  await sql`INSERT INTO goals (engagement_id, title, barriers) VALUES (${e}, 'Legacy plain goal', 'Legacy barrier')`.execute(db)
  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/goals`, as: m, body: { title: 'Sealed goal' } }), 'goal')
  const goals = (await call(app, { url: `/v1/engagements/${e}/goals`, as: m })).body.items
  t.same(goals.map((g: any) => [g.title, g.barriers]), [['Legacy plain goal', 'Legacy barrier'], ['Sealed goal', null]])

  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/transfer`, as: amb.me, body: {} }), 'ask transfer')
  const moved = await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/transfer`, as: m, body: { ambassadorId: amb2.id, carryOverGoalsAndReferrals: true } }), 'transfer')
  const carried = (await call(app, { url: `/v1/engagements/${moved.id}/goals`, as: m })).body.items
  t.same(carried.map((g: any) => g.title).sort(), ['Legacy plain goal', 'Sealed goal'], 'carried over (copied in one statement: same creation time, any order)')
  const stored = await sql<{ title: string }>`SELECT title FROM goals WHERE engagement_id = ${moved.id}`.execute(db)
  t.ok(stored.rows.every((g) => g.title.startsWith('v1:')), 'sealed under the new engagement’s key')
})
