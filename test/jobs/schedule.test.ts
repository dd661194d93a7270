// #13 item 3: the system jobs are principals. Each runs as a system actor no token can be, through
// authorize() with its registered action, audited in the job's name; a run with nothing to do
// leaves no event; several replicas run each job once per period (job_runs).
import { sql } from 'kysely'
import t from 'tap'
import type { Db } from '../../src/db/database.ts'
import { inTransaction } from '../../src/db/tx.ts'
import { houseKeep } from '../../src/jobs/housekeeping.ts'
import { claimPeriod, jobs } from '../../src/jobs/index.ts'
import { expireRequests } from '../../src/jobs/request-expiry.ts'
import { purge } from '../../src/jobs/retention-purge.ts'
import { rollUpStats } from '../../src/jobs/stats-rollup.ts'
import { releaseSurveys } from '../../src/jobs/survey-release.ts'
import { endTerms } from '../../src/jobs/term-expiry.ts'
import { remindSurveys, remindUrgentRequests } from '../../src/jobs/reminders.ts'
import { systemActor, type Actor, type Role } from '../../src/policy/actor.ts'
import { authorize } from '../../src/policy/authorize.ts'
import { replicasOf, testConfig, testDatabase } from '../helper.ts'

const events = (db: Db) =>
  sql<{ role: string; actorRef: string; action: string }>`SELECT role, actor_ref, action FROM audit_events ORDER BY chain_id, seq`.execute(db).then((r) => r.rows)

t.test('every job on an empty database: it runs, and writes no audit event', async (t) => {
  const { db } = await testDatabase(t)
  t.equal(await expireRequests(db), 0)
  t.equal(await endTerms(db), 0)
  t.equal(await rollUpStats(db), 0)
  t.equal(await releaseSurveys(db), 0)
  t.equal(await releaseSurveys(db, { force: true }), 0, 'forced, with nothing held: still nothing')
  t.equal(await houseKeep(db, { retentionDays: 730 }), undefined, 'no housekeeping due')
  t.same(await remindUrgentRequests(db, 24), { reminded: 0, unanswered: 0 }, 'no urgent request waiting (#14)')
  t.equal(await remindSurveys(db), 0, 'no survey to remind of (#14)')
  t.match(await purge(db, { retentionDays: 730 }), { skipped: false, engagements: 0 }, 'nothing to purge')
  t.same(await events(db), [], 'no audit event')
})

t.test('a job with work is audited as the system actor that did it', async (t) => {
  const { db } = await testDatabase(t)
  await sql`INSERT INTO idempotency_keys (principal_hash, key, request_hash, status_code, content_type, headers, body, expires_at)
    VALUES ('p', 'k', 'h', 200, 'application/json', '{}', '{}', now() - interval '1 hour')`.execute(db)
  t.match(await houseKeep(db, { retentionDays: 730 }), { expiredStoredResponses: 1 })
  t.same(await events(db), [{ role: 'system', actorRef: 'system:housekeeping', action: 'job.housekeeping' }])
  t.equal(await houseKeep(db, { retentionDays: 730 }), undefined, 'the second run has nothing to do')
  t.equal((await events(db)).length, 1, 'and writes nothing')
})

t.test('no token can act as a system job: policies compare the actor itself', async (t) => {
  const { db } = await testDatabase(t)
  const impostor: Actor = { sub: 'system:request-expiry', roles: new Set<Role>(['nmno']) }
  for (const [actor, action, target] of [
    [impostor, 'job.expire-requests', { id: '00000000-0000-4000-8000-000000000000' }],
    [{ sub: 'system:stats-rollup', roles: new Set<Role>() }, 'job.rollup-stats', {}],
    [{ sub: 'system:survey-release', roles: new Set<Role>() }, 'job.release-surveys', {}],
    [{ sub: 'system:housekeeping', roles: new Set<Role>() }, 'job.housekeeping', { retentionDays: 1 }],
    [{ sub: 'system:retention', roles: new Set<Role>() }, 'retention.purge', { retentionDays: 1 }],
    [{ sub: 'system:term-expiry', roles: new Set<Role>() }, 'ambassador.end-term', { id: '00000000-0000-4000-8000-000000000000' }],
    [{ sub: 'system:urgent-requests', roles: new Set<Role>(['nmno']) }, 'job.urgent-requests', { hours: 24 }],
    [{ sub: 'system:survey-reminders', roles: new Set<Role>() }, 'job.remind-surveys', {}],
    [systemActor('urgent-requests'), 'job.remind-surveys', {}],
    [systemActor('stats-rollup'), 'job.expire-requests', { id: '00000000-0000-4000-8000-000000000000' }],
  ] as const) {
    await t.rejects(inTransaction(db, (trx) => authorize(trx, actor, action, target as never)), { code: 'forbidden' }, `${actor.sub} → ${action}`)
  }
})

t.test('several replicas claim a period at once: exactly one runs the job', async (t) => {
  const { db } = await testDatabase(t, 4)
  const replicas = await replicasOf(t, db, 3)
  const claim = async () => (await Promise.all(replicas.map((r) => claimPeriod(r, 'request-expiry', 60_000)))).filter(Boolean).length
  t.equal(await claim(), 1, 'the first period: one replica')
  t.equal(await claim(), 0, 'the same period again: nobody')
  t.equal(await claimPeriod(db, 'term-expiry', 60_000), true, 'another job has its own periods')
  await sql`UPDATE job_runs SET last_run_at = now() - interval '61 seconds' WHERE job = 'request-expiry'`.execute(db)
  t.equal(await claim(), 1, 'the next period: one replica again')
})

t.test('the schedule names every job; the purge only when PURGE_DAILY, else the housekeeping', async (t) => {
  t.same(jobs(testConfig()).map((j) => j.name).sort(), ['housekeeping', 'reminders', 'request-expiry', 'stats-rollup', 'survey-release', 'survey-reminders', 'term-expiry', 'urgent-requests', 'waitlist-offers', 'webhook-delivery'])
  t.same(jobs(testConfig({ PURGE_DAILY: 'true' })).map((j) => j.name).sort(), ['reminders', 'request-expiry', 'retention', 'stats-rollup', 'survey-release', 'survey-reminders', 'term-expiry', 'urgent-requests', 'waitlist-offers', 'webhook-delivery'])
})
