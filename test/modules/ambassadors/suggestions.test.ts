// #16 item 1: GET /v1/ambassadors/suggestions — up to 10 active, in-term Ambassadors with room,
// ranked by topic overlap, language, mode and a light caseload, each explaining its score; never
// the caller, never one in conflict with the caller (declarations, supervisory chain), never one
// full, suspended or out of term, and nothing says why one is missing. One SQL statement.
import { sql } from 'kysely'
import t from 'tap'
import type { Db } from '../../../src/db/database.ts'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call } from '../../helper.ts'

const URL = '/v1/ambassadors/suggestions?language=en&modes=phone&topics=return_to_work&topics=team_impact'

/** Every statement the app sends to the database while fn runs (the Kysely executor they all go through). */
async function statements(db: Db, fn: () => Promise<unknown>): Promise<string[]> {
  const ex = (db as any).getExecutor()
  const original = ex.executeQuery
  const seen: string[] = []
  ex.executeQuery = function (q: { sql: string }, ...rest: unknown[]) { seen.push(q.sql); return original.call(this, q, ...rest) }
  try { await fn() } finally { ex.executeQuery = original }
  return seen
}

async function setup(t: any) {
  const { app, db } = await build(t)
  const a = await activeAmbassador(app, 'S-A', { languages: ['en'], modes: ['phone'], topics: ['return_to_work', 'team_impact'] })
  const b = await activeAmbassador(app, 'S-B', { languages: ['fr'], modes: ['video'], topics: ['return_to_work'] })
  const c = await activeAmbassador(app, 'S-C', { languages: ['en', 'fr'], modes: ['phone', 'video'], topics: ['crisis'] })
  // These would all rank second (the default profile: return_to_work, en, phone) if they were there.
  const self = await activeAmbassador(app, 'S-M')
  const declared = await activeAmbassador(app, 'S-D')
  const boss = await activeAmbassador(app, 'S-E')
  const full = await activeAmbassador(app, 'S-F')
  const suspended = await activeAmbassador(app, 'S-G')
  const ended = await activeAmbassador(app, 'S-H')
  const manager = self.me // S-M: a manager who is also an Ambassador
  return { app, db, a, b, c, self, declared, boss, full, suspended, ended, manager }
}

t.test('ranks by topics, language, modes and load, explains each score, and leaves out whoever cannot take the request', async (t) => {
  const s = await setup(t)
  const { app, db, manager } = s
  // Before any exclusion: everyone but the caller is there.
  const before = await call(app, { url: URL, as: manager })
  t.equal(before.status, 200)
  t.equal(before.headers['cache-control'], 'no-store')
  t.notOk(before.body.items.some((i: any) => i.id === s.self.id), 'the caller’s own Ambassador record is never suggested')
  t.equal(before.body.items.length, 8)

  // A declaration (the manager about D), the supervisory chain (E two levels above the manager),
  // a full Ambassador (capacity 1, one request), a suspension, an ended term.
  t.equal((await call(app, { method: 'POST', url: '/v1/conflict-declarations', as: manager, body: { ambassadorId: s.declared.id, employeeRef: 'S-M', kind: 'close_friend' } })).status, 201)
  t.equal((await call(app, { method: 'PUT', url: '/v1/org/reporting-lines', as: NMNO, body: { items: [
    { employeeRef: 'S-M', supervisorRef: 'X1', orgUnit: 'Ops' }, { employeeRef: 'X1', supervisorRef: 'S-E', orgUnit: 'Ops' },
  ] } })).status, 200)
  await sql`UPDATE ambassadors SET capacity = 1 WHERE id = ${s.full.id}`.execute(db)
  t.equal((await call(app, { method: 'POST', url: '/v1/engagements', as: as('S-OTHER', 'manager'), body: {
    ambassadorId: s.full.id, language: 'en', preferredModes: ['phone'], urgency: 'routine', topics: [], aboutMyEmployee: true,
  } })).status, 201)
  await sql`UPDATE ambassadors SET status = 'suspended' WHERE id = ${s.suspended.id}`.execute(db)
  await sql`UPDATE ambassadors SET term_end = now() - interval '1 day' WHERE id = ${s.ended.id}`.execute(db)

  let res: Awaited<ReturnType<typeof call>> | undefined
  const sent = await statements(db, async () => { res = await call(app, { url: URL, as: manager }) })
  t.equal(res!.status, 200)
  t.equal(sent.length, 1, `one SQL statement (${sent.length}: ${sent.map((q) => q.slice(0, 40)).join(' | ')})`)
  const items = res!.body.items
  t.same(items.map((i: any) => i.id).slice(0, 1), [s.a.id], 'A covers both topics, the language and the mode')
  t.same(items.map((i: any) => i.id).sort(), [s.a.id, s.b.id, s.c.id].sort(), 'only A, B and C remain')
  const byId = Object.fromEntries(items.map((i: any) => [i.id, i]))
  t.match(byId[s.a.id], { score: 10, match: { topics: ['return_to_work', 'team_impact'], language: true, modes: ['phone'], lightLoad: true }, displayName: 'Ambassador S-A' })
  t.match(byId[s.b.id], { score: 4, match: { topics: ['return_to_work'], language: false, modes: [], lightLoad: true } })
  t.match(byId[s.c.id], { score: 4, match: { topics: [], language: true, modes: ['phone'], lightLoad: true } })
  t.ok(items.every((i: any, k: number) => k === 0 || items[k - 1].score >= i.score), 'best first')
  t.notMatch(JSON.stringify(res!.body), /conflict|declar|suspend|capacity|term|reason|employeeRef|S-D|S-E/i, 'nothing says why one is missing')
  // Another manager, in conflict with nobody, still sees D and E (the exclusions are the caller's own).
  const other = (await call(app, { url: URL, as: as('S-Z', 'manager') })).body.items.map((i: any) => i.id)
  t.ok(other.includes(s.declared.id) && other.includes(s.boss.id) && other.includes(s.self.id))
  t.notOk(other.includes(s.full.id) || other.includes(s.suspended.id) || other.includes(s.ended.id))
})

t.test('urgency weighs a light caseload twice; a caseload over half the capacity loses the flag', async (t) => {
  const { app, db } = await build(t)
  const a = await activeAmbassador(app, 'U-A', { languages: ['en'], modes: ['phone'], topics: ['crisis'] })
  const m = as('U-M', 'manager')
  const q = '/v1/ambassadors/suggestions?topics=crisis'
  t.match((await call(app, { url: q, as: m })).body.items, [{ id: a.id, score: 4, match: { topics: ['crisis'], language: false, modes: [], lightLoad: true } }])
  t.match((await call(app, { url: `${q}&urgency=urgent`, as: m })).body.items, [{ id: a.id, score: 5 }])
  await sql`UPDATE ambassadors SET open_engagements = 2 WHERE id = ${a.id}`.execute(db)
  t.match((await call(app, { url: `${q}&urgency=urgent`, as: m })).body.items, [{ id: a.id, score: 3, match: { lightLoad: false } }])
  t.same((await call(app, { url: '/v1/ambassadors/suggestions', as: m })).body.items.length, 1, 'no criteria: everyone with room')
})

t.test('at most 10, even with more Ambassadors with room', async (t) => {
  const { app, db } = await build(t)
  await activeAmbassador(app, 'T-0')
  // Copies of the active Ambassador (the suggestions read these columns only).
  await sql`INSERT INTO ambassadors (employee_ref, display_name, bio_en, bio_fr, languages, modes, topics, status, term_start, term_end, guidelines_version, guidelines_accepted_at)
    SELECT 'T-' || i, 'Copy ' || i, bio_en, bio_fr, languages, modes, topics, status, term_start, term_end, guidelines_version, guidelines_accepted_at
    FROM ambassadors, generate_series(1, 14) i WHERE employee_ref = 'T-0'`.execute(db)
  const res = await call(app, { url: '/v1/ambassadors/suggestions?topics=return_to_work', as: as('T-M', 'manager') })
  t.equal(res.body.items.length, 10)
})

t.test('a bad query is a problem and the role refusals are 403', async (t) => {
  const { app } = await build(t)
  const m = as('Q-M', 'manager')
  for (const q of ['language=de', 'topics=astrology', 'modes=carrier_pigeon', 'urgency=now', 'colour=blue',
    'topics=crisis&topics=grief_and_loss&topics=team_impact&topics=accommodation&topics=return_to_work&topics=substance_use',
    'topics=crisis&topics=crisis']) {
    const res = await call(app, { url: `/v1/ambassadors/suggestions?${q}`, as: m })
    t.equal(res.status, 400, q)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.equal(res.body.code, 'validation-failed')
  }
  for (const who of [NMNO, GOVERNANCE, HR, ISERVICE, as('Q-X')]) {
    const res = await call(app, { url: '/v1/ambassadors/suggestions', as: who })
    t.equal(res.status, 403, who.roles.join(',') || 'no role')
    t.equal(res.body.code, 'forbidden')
  }
  t.equal((await call(app, { url: '/v1/ambassadors/suggestions' })).status, 401)
})
