// REV-4 under concurrency (PostgreSQL only): managers' requests for an Ambassador race the
// Ambassador's suspension (interim, on opening a case; or governance's decision). Each request is
// either refused or its engagement ends up transfer_required: never a live engagement with a
// suspended Ambassador. The suspension locks the Ambassador row that engagement.create locks before
// it changes the status and moves the engagements; with that serialisation removed (no row lock,
// engagements moved before the status changes) this test fails.
import { sql } from 'kysely'
import t from 'tap'
import { GOVERNANCE, NMNO, activeAmbassador, as, build, call, usingServer } from '../../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['video'], urgency: 'urgent', topics: ['crisis'], aboutMyEmployee: true }

for (const path of ['interim suspension', 'governance decision'] as const) t.test(`requests racing a suspension (${path}) are refused or end up transfer_required (REV-4)`, { skip: !usingServer && 'needs a PostgreSQL server (TEST_DATABASE_URL)' }, async (t) => {
  const { app, db } = await build(t, { poolMax: 20 })
  const ROUNDS = 10
  const MANAGERS = 4
  const ambassadors = []
  for (let i = 0; i < ROUNDS; i++) ambassadors.push(await activeAmbassador(app, `RC${i}`, { capacity: 10 }))
  const caseOf = new Map<string, string>()
  if (path === 'governance decision') {
    for (const amb of ambassadors) {
      const c = await call(app, { method: 'POST', url: '/v1/revocation-cases', as: NMNO, body: { ambassadorId: amb.id, grounds: ['absenteeism'], summary: 'Absent from the network calls.' } })
      await call(app, { method: 'POST', url: `/v1/revocation-cases/${c.body.id}/findings`, as: NMNO, body: { findings: 'Confirmed.' } })
      caseOf.set(amb.id, c.body.id)
    }
  }

  const outcomes = { created: 0, refused: 0 }
  for (const [i, amb] of ambassadors.entries()) {
    const managers = Array.from({ length: MANAGERS }, (_, k) => as(`RCM${path.length}x${i}x${k}`, 'manager'))
    // Half the requests start before the suspension, half after, all in flight together.
    const request = (m: ReturnType<typeof as>) => call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST } })
    const results = await Promise.all([
      ...managers.slice(0, MANAGERS / 2).map(request),
      path === 'interim suspension'
        ? call(app, { method: 'POST', url: '/v1/revocation-cases', as: NMNO, body: { ambassadorId: amb.id, grounds: ['personal_health'], summary: 'Unwell.', interimSuspension: true } })
        : call(app, { method: 'POST', url: `/v1/revocation-cases/${caseOf.get(amb.id)}/decision`, as: GOVERNANCE, body: { decision: 'suspend' } }),
      ...managers.slice(MANAGERS / 2).map(request),
    ])
    const suspension = results[MANAGERS / 2]
    t.equal(suspension.status, path === 'interim suspension' ? 201 : 200, 'the suspension succeeds')
    const requests = results.filter((_, k) => k !== MANAGERS / 2)
    for (const [k, r] of requests.entries()) {
      if (r.status === 201) {
        outcomes.created++
        const seen = await call(app, { url: `/v1/engagements/${r.body.id}`, as: managers[k] })
        t.same([seen.body.status, seen.body.transferReason], ['transfer_required', 'ambassador_unavailable'], 'created before: moved')
      } else {
        outcomes.refused++
        t.same([r.status, r.body.code], [409, 'ambassador-unavailable'], 'created after: refused')
      }
    }
  }
  const live = await sql<{ n: number }>`SELECT count(*)::int AS n FROM engagements e JOIN ambassadors a ON a.id = e.ambassador_id
    WHERE a.status = 'suspended' AND e.status IN ('requested','accepted','active')`.execute(db)
  t.equal(live.rows[0].n, 0, 'no live engagement with a suspended Ambassador')
  const slots = await sql<{ n: number }>`SELECT coalesce(sum(open_engagements), 0)::int AS n FROM ambassadors WHERE status = 'suspended'`.execute(db)
  t.equal(slots.rows[0].n, 0, 'no slot held by a suspended Ambassador')
  t.equal(outcomes.created + outcomes.refused, ROUNDS * MANAGERS)
  t.comment(`requests created then moved: ${outcomes.created}, refused: ${outcomes.refused}`)
})
