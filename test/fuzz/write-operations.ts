// #12 item 5: no input makes a 500. For every write operation of the OpenAPI document, fast-check
// sends FUZZ_RUNS (default 200) bodies derived from its request schema — valid-shaped, mutated
// (a part replaced by a nasty value, dropped, or given an unknown sibling) and arbitrary JSON — with
// path ids of real fixtures or random, a random If-Match, and tokens of a mix of principals that may
// call it (the engagement's manager and Ambassador, a principal holding every role, the staff roles),
// so validation, policy and rules all run. Every answer is < 500; every 4xx is an
// application/problem+json document and changed nothing (no row of any table — the audit trail
// and idempotency records aside, which a refusal may append to — was inserted, updated or deleted:
// a trigger on every table counts changed rows).
// FUZZ_SEED fixes the seed (printed); FUZZ_RUNS the inputs per operation; FUZZ_OPS a substring filter.
// The operations are shared between three test files (write-operations-{1,2,3}.test.ts) to keep each
// within the runner's per-file timeout. Not a test file itself.
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { sql } from 'kysely'
import type { Test } from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, acceptTermsFor, activeAmbassador, as, build, tokenFor, type Principal } from '../helper.ts'
import { bodies } from './arbitraries.ts'

const SEED = Number(process.env.FUZZ_SEED ?? 20261203)
const RUNS = Number(process.env.FUZZ_RUNS ?? 200)
const ONLY = process.env.FUZZ_OPS
const doc = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'))

const REQUEST = { language: 'en', preferredModes: ['video'], urgency: 'routine', topics: ['team_impact'], aboutMyEmployee: true }
const future = (days: number) => new Date(Date.now() + days * 86400_000).toISOString()
/** Tables a refused request may still append to (the audit trail of denials; idempotency records). */
const MAY_CHANGE = /audit|idempot|kysely/


export function fuzzWriteOperations(t: Test, part: number, parts: number) {
t.test(`write operations, part ${part + 1} of ${parts}, ${RUNS} inputs each (seed ${SEED})`, async (t) => {
  t.setTimeout(Number(process.env.FUZZ_TIMEOUT_MS ?? 1_800_000))
  t.comment(`fast-check seed ${SEED}, ${RUNS} runs per operation (FUZZ_SEED, FUZZ_RUNS)`)
  const { app, db } = await build(t)

  // Fixtures: an active Ambassador, a manager's accepted engagement with a meeting and a goal.
  const amb = await activeAmbassador(app, 'FZ01')
  const manager = as('FZM1', 'manager')
  const inject = (method: string, url: string, who: Principal, body?: unknown) =>
    app.inject({ method: method as any, url, headers: { authorization: `Bearer ${tokenFor(who)}` }, ...(body === undefined ? {} : { payload: body as any }) })
  await acceptTermsFor(db, manager.sub)
  const eng = (await inject('POST', '/v1/engagements', manager, { ambassadorId: amb.id, ...REQUEST })).json()
  await inject('POST', `/v1/engagements/${eng.id}/accept`, amb.me, {})
  const meeting = (await inject('POST', `/v1/engagements/${eng.id}/meetings`, manager, { scheduledAt: future(2), durationMinutes: 30, mode: 'phone' })).json()
  const goal = (await inject('POST', `/v1/engagements/${eng.id}/goals`, manager, { title: 'A goal' })).json()
  const ids = [amb.id, eng.id, meeting.id, goal.id].filter(Boolean) as string[]
  t.equal(ids.length, 4, 'fixtures created')
  const everyRole = as('FZALL', 'manager', 'nmno', 'governance', 'hr_analyst', 'iservice')
  const principals: Principal[] = [manager, manager, amb.me, amb.me, everyRole, everyRole, NMNO, GOVERNANCE, HR, ISERVICE, as('FZM2', 'manager')]

  const tables = (await sql<{ t: string }>`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`.execute(db)).rows.map((r) => r.t).filter((n) => !MAY_CHANGE.test(n))
  t.ok(tables.length > 10, `changes counted on ${tables.length} tables`)
  // Every row a statement inserts, updates or deletes in those tables (and every TRUNCATE) bumps a
  // counter in the same transaction, so a committed change moves it and a rolled-back one does not:
  // one small read per input instead of scanning every table.
  await sql`CREATE TABLE fuzz_changes (n bigint NOT NULL)`.execute(db)
  await sql`INSERT INTO fuzz_changes VALUES (0)`.execute(db)
  await sql`CREATE FUNCTION fuzz_count_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE fuzz_changes SET n = n + 1; RETURN NULL; END $$`.execute(db)
  for (const n of tables) {
    await sql`CREATE TRIGGER fuzz_rows AFTER INSERT OR UPDATE OR DELETE ON ${sql.id(n)} FOR EACH ROW EXECUTE FUNCTION fuzz_count_change()`.execute(db)
    await sql`CREATE TRIGGER fuzz_truncate AFTER TRUNCATE ON ${sql.id(n)} FOR EACH STATEMENT EXECUTE FUNCTION fuzz_count_change()`.execute(db)
  }
  const fingerprint = async () => (await sql<{ n: string }>`SELECT n::text FROM fuzz_changes`.execute(db)).rows[0].n
  // The counter itself is checked: a write through the API moves it.
  const before = await fingerprint()
  await app.inject({ method: 'POST', url: `/v1/engagements/${eng.id}/goals`, headers: { authorization: `Bearer ${tokenFor(manager)}` }, payload: { title: 'Another goal' } })
  t.not(await fingerprint(), before, 'a committed write moves the change counter')

  const operations: { method: string; path: string; schema: any; params: string[] }[] = []
  let seen = 0
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const method of ['post', 'put', 'patch', 'delete']) {
      const op = item[method]
      if (!op) continue
      if (ONLY && !`${method} ${path}`.includes(ONLY)) continue
      if (seen++ % parts !== part) continue
      operations.push({ method: method.toUpperCase(), path, schema: op.requestBody?.content?.['application/json']?.schema, params: (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name) })
    }
  }
  t.ok(operations.length >= (ONLY ? 1 : Math.floor(40 / parts)), `${operations.length} write operations`)

  const statuses = new Map<number, number>()
  let previous = await fingerprint()
  const started = Date.now()
  for (const op of operations) {
    // Who passes the route's role gate: a request with a random id and an empty body is refused
    // with 403 only by the gate (policies answer 404 for what does not exist, validation 400).
    // Mostly those principals are used, so the rules run; one input in ten uses one who does not.
    let probeUrl = op.path
    for (const name of op.params) probeUrl = probeUrl.replace(`{${name}}`, '00000000-0000-4000-8000-000000000000')
    const gated = new Set<number>()
    for (let i = 0; i < principals.length; i++) {
      const res = await app.inject({ method: op.method as any, url: probeUrl, headers: { authorization: `Bearer ${tokenFor(principals[i])}`, 'content-type': 'application/json' }, payload: '{}' })
      if (res.statusCode === 403) gated.add(i)
    }
    previous = await fingerprint()
    const allowed = principals.map((_, i) => i).filter((i) => !gated.has(i))
    const refused = [...gated]
    const whoArb = refused.length && allowed.length
      ? fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...allowed) }, { weight: 1, arbitrary: fc.constantFrom(...refused) })
      : fc.nat({ max: principals.length - 1 })
    const idArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ids) }, { weight: 1, arbitrary: fc.uuid({ version: 4 }) })
    const property = fc.asyncProperty(
      whoArb,
      fc.array(idArb, { minLength: op.params.length, maxLength: op.params.length }),
      fc.constantFrom(undefined, undefined, '*', '"1"', '"2"', 'W/"1"', 'garbage'),
      bodies(op.schema),
      async (who, pathIds, ifMatch, body) => {
        let url = op.path
        op.params.forEach((name, i) => { url = url.replace(`{${name}}`, pathIds[i]) })
        const headers: Record<string, string> = { authorization: `Bearer ${tokenFor(principals[who])}` }
        if (ifMatch) headers['if-match'] = ifMatch
        if (body !== undefined) headers['content-type'] = 'application/json'
        const t0 = Date.now()
        if (process.env.FUZZ_TRACE) console.error('→', principals[who].sub, op.method, url, JSON.stringify(body)?.slice(0, 2000))
        const res = await app.inject({ method: op.method as any, url, headers, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) })
        if (process.env.FUZZ_TRACE) console.error(res.statusCode, Date.now() - t0, 'ms', principals[who].sub, op.method, url, JSON.stringify(body)?.slice(0, 2000))
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
        const now = await fingerprint()
        const changed = now !== previous
        previous = now
        if (res.statusCode >= 500) throw new Error(`${op.method} ${url} → ${res.statusCode} ${res.body}`)
        if (res.statusCode >= 400) {
          if (!/^application\/problem\+json/.test(String(res.headers['content-type']))) throw new Error(`${op.method} ${url} → ${res.statusCode} as ${String(res.headers['content-type'])}`)
          const problem = res.json()
          if (problem.status !== res.statusCode || typeof problem.code !== 'string') throw new Error(`${op.method} ${url} → not a problem: ${res.body}`)
          if (changed) throw new Error(`${op.method} ${url} → ${res.statusCode} ${problem.code} but the data changed`)
        }
      },
    )
    const result = await fc.check(property, { numRuns: RUNS, seed: SEED, endOnFailure: false, maxSkipsPerRun: 1000 })
    t.notOk(result.failed, `${op.method} ${op.path}: ${result.numRuns} inputs${result.failed ? `\n${String(result.errorInstance)}\n${fc.defaultReportMessage(result)}` : ''}`)
  }
  t.comment(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}; ${Math.round((Date.now() - started) / 1000)} s`)
})
}
