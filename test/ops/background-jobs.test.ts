// #12 item 10: the periodic jobs of server.ts are safe with several replicas. Three instances (three
// connection pools on one PostgreSQL database; the one embedded database otherwise) run the expiry
// sweep (ENG-11) and the ended-term sweep (AMB-5) at the same moment, twice: every unit of work
// happens once — each overdue request expires once, each engagement moves once, one notification each.
import { sql } from 'kysely'
import t from 'tap'
import { endTerms as sweepEndedTerms } from '../../src/jobs/term-expiry.ts'
import { expireRequests as sweepExpiredRequests } from '../../src/jobs/request-expiry.ts'
import { activeAmbassador, as, build, call, replicasOf } from '../helper.ts'

const REQUEST = { language: 'fr', preferredModes: ['phone'], urgency: 'routine', topics: ['return_to_work'], aboutMyEmployee: true }

t.test('three replicas run the sweeps at once: each unit of work happens once', async (t) => {
  const { app, db } = await build(t, { poolMax: 4 })
  const overdue = await activeAmbassador(app, 'BJ-A', { capacity: 10 })
  const ending = await activeAmbassador(app, 'BJ-B', { capacity: 10 })
  const request = async (ambassadorId: string, sub: string) => {
    const res = await call(app, { method: 'POST', url: '/v1/engagements', as: as(sub, 'manager'), body: { ambassadorId, ...REQUEST } })
    t.equal(res.status, 201, `${sub} requests`)
    return res.body.id as string
  }
  const expiring: string[] = []
  for (let i = 0; i < 5; i++) expiring.push(await request(overdue.id, `BJ-M${i}`))
  const moving: string[] = []
  for (let i = 0; i < 4; i++) moving.push(await request(ending.id, `BJ-N${i}`))
  for (const id of moving.slice(0, 2)) t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${id}/accept`, as: ending.me, body: {} })).status, 200, 'accepted')
  await sql`UPDATE engagements SET requested_at = now() - interval '6 days', expires_at = now() - interval '1 day' WHERE ambassador_id = ${overdue.id}`.execute(db)
  await sql`UPDATE ambassadors SET term_end = now() - interval '1 day' WHERE id = ${ending.id}`.execute(db)
  const statusesBefore = await db.selectFrom('engagements').select(['id', 'status']).where('ambassadorId', '=', ending.id).execute()

  // Three "replicas": on PostgreSQL three pools of their own; on PGlite the one embedded database.
  const replicas = await replicasOf(t, db, 3)

  let expired = 0
  let moved = 0
  for (let round = 0; round < 2; round++) {
    const runs = await Promise.all(replicas.map(async (r) => [await sweepExpiredRequests(r), await sweepEndedTerms(r)] as const))
    for (const [e, m] of runs) {
      expired += e
      moved += m
    }
  }
  t.equal(expired, 5, 'five overdue requests expired in all, none twice')
  const after = await db.selectFrom('engagements').select(['id', 'status']).where('id', 'in', expiring).execute()
  t.ok(after.every((e) => e.status === 'expired'), 'all of them expired')
  const statusesAfter = await db.selectFrom('engagements').select(['id', 'status']).where('ambassadorId', '=', ending.id).execute()
  const changed = statusesAfter.filter((a) => statusesBefore.find((b) => b.id === a.id)!.status !== a.status).length
  t.ok(moved > 0, `${moved} engagements of the ended term moved`)
  t.equal(moved, changed, 'the count of moves is the count of engagements that changed: none moved twice')
  const { rows: dup } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM (
      SELECT subject_id, kind, recipient_ref FROM notifications GROUP BY subject_id, kind, recipient_ref HAVING count(*) > 1
    ) d`.execute(db)
  t.equal(dup[0].n, 0, 'no notification was sent twice')
  const { rows: exp } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM notifications WHERE kind = 'engagement_expired'`.execute(db)
  t.equal(exp[0].n, 5, 'one expiry notification per expired request')
})
