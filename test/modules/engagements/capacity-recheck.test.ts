// ENG-2 re-checked after the write (#13 item 1): the check before the write trusts the Ambassador's
// slot counter under its row lock; after the insert, the running engagements themselves are counted.
// A counter gone wrong (a bug, a manual fix in the database) cannot overbook an Ambassador.
import { sql } from 'kysely'
import t from 'tap'
import { activeAmbassador, as, build, call } from '../../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['video'], urgency: 'routine', topics: ['team_impact'], aboutMyEmployee: true }

t.test('a wrong slot counter does not overbook: the write is re-checked against the engagements', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'CAP01')
  await sql`UPDATE ambassadors SET capacity = 1 WHERE id = ${amb.id}`.execute(db)
  const first = await call(app, { method: 'POST', url: '/v1/engagements', as: as('CAP-M1', 'manager'), body: { ambassadorId: amb.id, ...REQUEST } })
  t.equal(first.status, 201)
  const second = await call(app, { method: 'POST', url: '/v1/engagements', as: as('CAP-M2', 'manager'), body: { ambassadorId: amb.id, ...REQUEST } })
  t.same([second.status, second.body.code], [409, 'ambassador-unavailable'], 'full: refused before the write')
  // The counter says the slot is free, the engagements say it is not.
  await sql`UPDATE ambassadors SET open_engagements = 0 WHERE id = ${amb.id}`.execute(db)
  const third = await call(app, { method: 'POST', url: '/v1/engagements', as: as('CAP-M3', 'manager'), body: { ambassadorId: amb.id, ...REQUEST } })
  t.same([third.status, third.body.code], [409, 'ambassador-unavailable'], 'refused after the write, in its transaction')
  const n = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM engagements WHERE ambassador_id = ${amb.id}`.execute(db)).rows[0].n
  t.equal(n, 1, 'nothing of the refused request stays')
  // An overdue request does not hold the slot (ENG-11), counter or not.
  await sql`UPDATE engagements SET expires_at = now() - interval '1 minute' WHERE ambassador_id = ${amb.id}`.execute(db)
  const fourth = await call(app, { method: 'POST', url: '/v1/engagements', as: as('CAP-M4', 'manager'), body: { ambassadorId: amb.id, ...REQUEST } })
  t.equal(fourth.status, 201, 'the overdue request does not count')
})
