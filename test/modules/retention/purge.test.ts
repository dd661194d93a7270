// RET-1…3: after RETENTION_DAYS (or at once, on the manager's request) nothing identifies an
// ended engagement any more, while statistics, anonymous surveys and the audit trail stay whole.
import { spawnSync } from 'node:child_process'
import { sql } from 'kysely'
import t from 'tap'
import type { App } from '../../../src/app.ts'
import type { Db } from '../../../src/db/database.ts'
import { runPurge } from '../../../src/modules/retention/service.ts'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call, testDatabase, usingServer } from '../../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['phone'], urgency: 'routine', topics: ['return_to_work'], aboutMyEmployee: true }
const past = (h: number) => new Date(Date.now() - h * 3600_000).toISOString()
const GOAL_TEXT = 'GOALTEXT-rehearse the return-to-work conversation'
const JUSTIFICATION = 'JUSTIFICATION-text the employee said they had a plan'

async function ok(res: Awaited<ReturnType<typeof call>>, what: string) {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

/** A whole engagement: meeting, goal, referral, consent and disclosure, exception, crisis, report, closure, survey. */
async function fullEngagement(app: App, db: Db, amb: { id: string; me: any }, managerSub: string, tag: string) {
  const m = as(managerSub, 'manager')
  const e = (await ok(await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST } }), 'request')).id as string
  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/accept`, as: amb.me, body: {} }), 'accept')
  const meeting = await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/meetings`, as: m, body: { scheduledAt: past(1), durationMinutes: 30, mode: 'phone' } }), 'meeting')
  await ok(await call(app, { method: 'PATCH', url: `/v1/engagements/${e}/meetings/${meeting.id}`, as: amb.me, body: { held: true } }), 'held')
  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/goals`, as: m, body: { title: `${GOAL_TEXT} ${tag}` }, headers: { 'idempotency-key': `goal-${managerSub}` } }), 'goal')
  const resource = (await db.selectFrom('resources').select('id').where('slug', '=', 'eap').executeTakeFirstOrThrow()).id
  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/referrals`, as: amb.me, body: { resourceId: resource, forWhom: 'employee_situation' } }), 'referral')
  const scope = { recipient: { kind: 'agency', name: 'Employee Assistance Program' }, direction: 'release', infoCategories: ['situation_summary'] }
  const consent = await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/consents`, as: amb.me, body: { ...scope, purpose: 'Arrange counselling' } }), 'consent')
  await ok(await call(app, { method: 'POST', url: `/v1/consents/${consent.id}/grant`, as: m, body: { typedName: 'Pat Example', agree: true, statementVersion: 1, language: 'en' } }), 'grant')
  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/disclosures`, as: amb.me, body: { ...scope, basis: 'consent', consentId: consent.id } }), 'disclosure')
  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/disclosures`, as: amb.me, body: { ...scope, recipient: { kind: 'agency', name: 'Police' }, basis: 'imminent_harm_others', justification: `${JUSTIFICATION} ${tag}` } }), 'exception')
  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/crisis-escalations`, as: amb.me, body: { category: 'threatening_message', authoritiesContacted: ['police'], weaponsInvolved: false, occurredAt: past(2) } }), 'crisis')
  await ok(await call(app, { method: 'POST', url: '/v1/reports', as: amb.me, body: {
    engagementId: e, occurredOn: new Date().toISOString().slice(0, 10), mode: 'phone', durationMinutes: 30, meetingNumber: 1, stage: 'building_trust',
    topics: ['return_to_work'], referralCategories: ['eap'], urgency: 'routine', language: 'en',
  } }), 'report')
  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/close`, as: m, body: { outcome: 'goals_met' } }), 'close')
  const token = (await ok(await call(app, { url: `/v1/engagements/${e}`, as: m }), 'read')).surveyToken
  await ok(await call(app, { method: 'POST', url: '/v1/surveys/manager-responses', body: { token, answers: {
    trustBuilt: 4, feltJudged: false, knowledgeExperience: 5, referralsEffective: 'yes', followUpAfterReferral: 'yes', neededMoreThanTwoMeetings: false,
  } }, as: m }), 'survey')
  return { e, m }
}

/** Every base table of the database, with the number of rows whose text holds one of the needles. */
async function rowsHolding(db: Db, needles: string[]) {
  const tables = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`.execute(db)
  const found: Record<string, number> = {}
  for (const { name } of tables.rows) {
    const r = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(name)} AS x WHERE ${sql.join(needles.map((s) => sql`x::text LIKE ${`%${s}%`}`), sql` OR `)}`.execute(db)
    if (Number(r.rows[0].n) > 0) found[name] = Number(r.rows[0].n)
  }
  return found
}

async function rowCounts(db: Db) {
  const tables = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`.execute(db)
  const out: Record<string, number> = {}
  for (const { name } of tables.rows) out[name] = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(name)}`.execute(db)).rows[0].n)
  return out
}

const STATS = ['/v1/stats/engagements?groupBy=month', '/v1/stats/engagements?measure=closures&groupBy=outcome', '/v1/stats/surveys', '/v1/stats/program']
const stats = async (app: App) => Promise.all(STATS.map(async (url) => (await call(app, { url, as: HR })).body))

const backdate = (db: Db, id: string, days = 800) => sql`UPDATE engagements SET closed_at = now() - make_interval(days => ${days}) WHERE id = ${id}`.execute(db)

t.test('RET-1 the purge forgets every identifying trace and keeps statistics, surveys and the audit chain', async (t) => {
  const { app, db } = await build(t, { env: { STATS_MIN_CELL: '5' } })
  const amb = await activeAmbassador(app, 'A7R1')
  const old = await fullEngagement(app, db, amb, 'M7RET01', 'alpha')
  const recent = await fullEngagement(app, db, amb, 'M7RET02', 'beta')
  await backdate(db, old.e)

  const before = await stats(app)
  const dry = await runPurge(db, { retentionDays: 730, dryRun: true })
  t.match(dry, { dryRun: true, skipped: false, engagements: 1, meetings: 1, goals: 1, referrals: 1, consents: 1, disclosures: 2, crisisEscalations: 1 })
  t.ok(dry.notifications >= 1, 'the principals’ notifications about it')
  t.equal(dry.storedResponses, 1, 'the stored idempotent answer holding the goal')
  const counted = await rowCounts(db)
  t.same(await rowCounts(db), counted, 'the dry run changed nothing')
  t.same(Object.keys(await rowsHolding(db, ['M7RET01'])).length > 0, true, 'the manager is still there before the purge')

  const done = await runPurge(db, { retentionDays: 730 })
  const { dryRun: _d, ...dryCounts } = dry
  const { dryRun: _p, ...doneCounts } = done
  t.same(doneCounts, dryCounts, 'the purge removed what the dry run announced')

  t.same(await rowsHolding(db, ['M7RET01', 'alpha']), {}, 'no table holds the manager’s id, the goal text or the justification')
  // #11 finding 7 changed the rule: goal text and justifications are stored sealed (never in clear
  // in any table), so what is kept is checked through the participants' reads.
  t.same(await rowsHolding(db, ['beta']), {}, 'the kept engagement’s text is sealed at rest')
  t.match((await call(app, { url: `/v1/engagements/${recent.e}/goals`, as: recent.m })).body.items, [{ title: /beta$/ }], 'and its goal still reads back')
  t.ok((await call(app, { url: `/v1/engagements/${recent.e}/disclosures`, as: recent.m })).body.items.some((d: any) => /beta$/.test(d.justification ?? '')), 'and its justification')
  t.ok(Object.keys(await rowsHolding(db, ['M7RET02'])).length > 0, 'an engagement still within retention is kept')
  t.same(await stats(app), before, 'the statistics answer exactly as before')
  t.match((await call(app, { url: '/v1/audit/verify', as: NMNO })).body, { ok: true }, 'the audit chain still verifies')
  t.equal((await call(app, { url: `/v1/engagements/${old.e}`, as: old.m })).status, 404, 'the engagement is gone')
  t.equal((await call(app, { url: `/v1/engagements/${recent.e}`, as: recent.m })).status, 200)
  const events = (await call(app, { url: '/v1/audit/events?action=retention.purge', as: NMNO })).body.items
  t.match(events[0], { role: 'system', actorRef: 'system:retention', outcome: 'success' }, 'the purge itself is audited')

  t.match(await runPurge(db, { retentionDays: 730 }), { skipped: false, engagements: 0 }, 'a second run finds nothing')
})

t.test('RET-1 short-lived records go too: expired tokens, stored answers and settled notifications', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'A7R2')
  const m = as('M7RET03', 'manager')
  const e = (await ok(await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST }, headers: { 'idempotency-key': 'req-1' } }), 'request')).id
  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/accept`, as: amb.me, body: {} }), 'accept')
  const meeting = await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/meetings`, as: m, body: { scheduledAt: past(1), durationMinutes: 30, mode: 'phone' } }), 'meeting')
  await ok(await call(app, { method: 'PATCH', url: `/v1/engagements/${e}/meetings/${meeting.id}`, as: amb.me, body: { held: true } }), 'held')
  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/close`, as: m, body: { outcome: 'goals_met' } }), 'close')
  await sql`UPDATE engagements SET survey_token_expires_at = now() - interval '1 day' WHERE id = ${e}`.execute(db)
  await sql`UPDATE idempotency_keys SET expires_at = now() - interval '1 hour'`.execute(db)
  const note = await sql<{ id: string }>`INSERT INTO notifications (audience, kind, resolved_at) VALUES ('nmno', 'absenteeism', now() - interval '800 days') RETURNING id`.execute(db)

  const dry = await runPurge(db, { retentionDays: 730, dryRun: true })
  t.match(dry, { expiredSurveyTokens: 1, expiredStoredResponses: 1, oldNotifications: 1, engagements: 0 })
  const done = await runPurge(db, { retentionDays: 730 })
  t.match(done, { expiredSurveyTokens: 1, expiredStoredResponses: 1, oldNotifications: 1, engagements: 0 })
  const row = await db.selectFrom('engagements').select(['surveyToken']).where('id', '=', e).executeTakeFirstOrThrow()
  t.equal(row.surveyToken, null, 'the expired survey token is gone')
  t.equal(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM idempotency_keys`.execute(db)).rows[0].n), 0, 'no expired stored answer')
  t.equal((await db.selectFrom('notifications').select('id').where('id', '=', note.rows[0].id).execute()).length, 0, 'the settled notification is gone')
})

t.test('RET-2 the manager purges their ended engagement at once; an open one is refused', async (t) => {
  const { app, db, logs } = await build(t, { captureLogs: true })
  const amb = await activeAmbassador(app, 'A7R3')
  const m = as('M7RET04', 'manager')
  const e = (await ok(await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST } }), 'request')).id
  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/accept`, as: amb.me, body: {} }), 'accept')
  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/goals`, as: m, body: { title: GOAL_TEXT } }), 'goal')
  // #14: a concern the manager raised about their Ambassador, with a message: it names them.
  const concern = (await ok(await call(app, { method: 'POST', url: '/v1/concerns', as: m, body: { kind: 'ambassador_conduct', engagementId: e, summary: 'The Ambassador missed two meetings.' } }), 'concern')).id
  await ok(await call(app, { method: 'POST', url: `/v1/concerns/${concern}/messages`, as: m, body: { text: 'It happened again.' } }), 'message')

  const open = await call(app, { method: 'DELETE', url: `/v1/engagements/${e}`, as: m })
  t.equal(open.status, 409)
  t.equal(open.body.code, 'engagement-open')
  t.match(open.body.detail, /still open/)
  t.equal((await call(app, { method: 'DELETE', url: `/v1/engagements/${e}`, as: m, headers: { 'accept-language': 'fr' } })).body.title, 'Le jumelage est encore ouvert')

  await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/withdraw`, as: m, body: {} }), 'withdraw')
  for (const p of [as('M7OTHER', 'manager'), amb.me]) t.equal((await call(app, { method: 'DELETE', url: `/v1/engagements/${e}`, as: p })).status, 404, `${p.sub}: 404 as if absent`)
  for (const p of [NMNO, GOVERNANCE, HR, ISERVICE]) t.equal((await call(app, { method: 'DELETE', url: `/v1/engagements/${e}`, as: p })).status, 403, `${p.sub}: 403`)
  t.equal((await call(app, { method: 'DELETE', url: '/v1/engagements/not-a-uuid', as: m })).status, 400)
  t.equal((await call(app, { method: 'DELETE', url: `/v1/engagements/${e}` })).status, 401)
  // #11 finding 7: the goal is sealed at rest; the refusals left it readable to its manager.
  t.equal((await call(app, { url: `/v1/engagements/${e}/goals`, as: m })).body.items[0]?.title, GOAL_TEXT, 'refusals changed nothing')

  const purged = await call(app, { method: 'DELETE', url: `/v1/engagements/${e}`, as: m })
  t.equal(purged.status, 204)
  t.equal(purged.raw.body, '')
  t.same(await rowsHolding(db, ['M7RET04', 'GOALTEXT']), {}, 'nothing of it remains')
  t.equal((await call(app, { url: `/v1/engagements/${e}`, as: m })).status, 404)
  // The office keeps the concern, de-identified as it always saw it; the manager's view of it went with their data.
  const office = await call(app, { url: `/v1/concerns/${concern}`, as: NMNO })
  t.same([office.status, office.body.kind, office.body.ambassadorId], [200, 'ambassador_conduct', amb.id], 'the office still has the concern')
  t.equal((await call(app, { url: `/v1/concerns/${concern}/messages`, as: NMNO })).body.items.length, 1, 'and its thread')
  t.equal((await call(app, { url: `/v1/concerns/${concern}`, as: m })).status, 404, 'the manager no longer holds it')
  t.equal((await call(app, { method: 'DELETE', url: `/v1/engagements/${e}`, as: m })).status, 404, 'a second purge: already gone')
  t.match((await call(app, { url: '/v1/audit/verify', as: NMNO })).body, { ok: true })
  const [event] = (await call(app, { url: `/v1/audit/events?action=engagement.purge&outcome=success`, as: NMNO })).body.items
  t.match(event, { role: 'manager', resourceId: e, engagementId: e }, 'audited, ids only')
  t.match(event.actorRef, /^p-/)
  // RET-3: no other copy — the logs of the whole scenario never held the manager or the goal.
  const text = logs.join('\n')
  t.ok(text.includes('"statusCode":204'), 'the logs were captured')
  t.notOk(text.includes('M7RET04'), 'no manager id in the logs')
  t.notOk(text.includes('GOALTEXT'), 'no goal text in the logs')
})

t.test('RET-2 a request that expired unanswered can be purged, and its slot is freed', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'A7R4')
  const m = as('M7RET05', 'manager')
  const e = (await ok(await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST } }), 'request')).id
  await sql`UPDATE engagements SET expires_at = now() - interval '1 minute' WHERE id = ${e}`.execute(db)
  t.equal((await call(app, { url: `/v1/engagements/${e}`, as: m })).body.status, 'expired')
  t.equal((await call(app, { method: 'DELETE', url: `/v1/engagements/${e}`, as: m })).status, 204)
  const slot = await db.selectFrom('ambassadors').select('openEngagements').where('id', '=', amb.id).executeTakeFirstOrThrow()
  t.equal(slot.openEngagements, 0, 'the Ambassador’s slot is free again')
})

t.test('RET-1 two purges at once do not conflict: each engagement goes once', { skip: !usingServer && 'PostgreSQL only' }, async (t) => {
  const { app, db } = await build(t, { poolMax: 6 })
  const amb = await activeAmbassador(app, 'A7R5', { capacity: 10 })
  const ids: string[] = []
  for (let i = 0; i < 6; i++) {
    const m = as(`M7C${i}`, 'manager')
    const e = (await ok(await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST } }), 'request')).id
    await ok(await call(app, { method: 'POST', url: `/v1/engagements/${e}/withdraw`, as: m, body: {} }), 'withdraw')
    ids.push(e)
  }
  await sql`UPDATE engagements SET closed_at = now() - interval '800 days'`.execute(db)
  const runs = await Promise.all([runPurge(db, { retentionDays: 730 }), runPurge(db, { retentionDays: 730 }), runPurge(db, { retentionDays: 730 })])
  t.equal(runs.reduce((n, r) => n + r.engagements, 0), 6, 'six engagements purged in all, none twice')
  t.ok(runs.some((r) => r.skipped), 'a run that found the purge lock taken stepped aside')
  t.equal((await db.selectFrom('engagements').select('id').execute()).length, 0)
  t.match((await call(app, { url: '/v1/audit/verify', as: NMNO })).body, { ok: true })
})

t.test('RET-1 npm run purge: --dry-run prints counts without identities and changes nothing', { skip: !usingServer && 'PostgreSQL only (a second process on the same database)' }, async (t) => {
  const { db, url } = await testDatabase(t)
  await sql`INSERT INTO idempotency_keys (principal_hash, key, request_hash, expires_at) VALUES ('h', 'k', 'r', now() - interval '1 hour')`.execute(db)
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import=tsx', 'scripts/purge.ts', ...args], {
    env: { ...process.env, DATABASE_URL: url!, NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(40), LOG_LEVEL: 'silent' }, encoding: 'utf8',
  })
  const dry = run('--dry-run')
  t.equal(dry.status, 0, dry.stderr)
  t.match(dry.stdout, /would purge \(dry run, nothing changed\)/)
  t.match(dry.stdout, /expiredStoredResponses\s+1/)
  t.equal(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM idempotency_keys`.execute(db)).rows[0].n), 1, 'the dry run changed nothing')
  const real = run()
  t.equal(real.status, 0, real.stderr)
  t.match(real.stdout, /purged, retention 730 days/)
  t.equal(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM idempotency_keys`.execute(db)).rows[0].n), 0)
  t.equal(run('--everything').status, 2, 'an unknown argument is refused')
})
