// SPEC §4: Idempotency-Key on POST.
import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import t from 'tap'
import { NMNO, as, build, call, usingServer } from '../helper.ts'

t.test('Idempotency-Key', async (t) => {
  const { app, db } = await build(t)
  const me = as('I001', 'manager')
  const apply = (key: string, body: any, who = me) =>
    call(app, { method: 'POST', url: '/v1/ambassadors', as: who, body, headers: { 'idempotency-key': key } })

  t.test('a replay with the same key and body returns the original response and writes nothing', async (t) => {
    const first = await apply('k-1', { displayName: 'Idem Potent' })
    t.equal(first.status, 201)
    const replay = await apply('k-1', { displayName: 'Idem Potent' })
    t.equal(replay.status, 201)
    t.same(replay.body, first.body)
    t.equal(replay.headers.location, first.headers.location)
    t.equal(replay.headers['idempotent-replayed'], 'true')
    const rows = await db.selectFrom('ambassadors').select('id').where('employeeRef', '=', 'I001').execute()
    t.equal(rows.length, 1)
  })

  t.test('the same key with another body is refused', async (t) => {
    const res = await apply('k-1', { displayName: 'Someone Else' })
    t.equal(res.status, 422)
    t.equal(res.body.code, 'idempotency-key-reused')
  })

  t.test('a refusal is replayed too; keys belong to one principal', async (t) => {
    const refused = await apply('k-2', { displayName: 'Again' })
    t.equal(refused.status, 409)
    t.equal((await apply('k-2', { displayName: 'Again' })).body.code, 'already-exists')
    const other = await apply('k-1', { displayName: 'Idem Potent' }, as('I002', 'manager'))
    t.equal(other.status, 201, 'another principal with the same key is a new request')
    t.equal(other.body.employeeRef, 'I002')
  })

  t.test('the store keeps no principal id', async (t) => {
    const rows = await db.selectFrom('idempotencyKeys').select(['principalHash']).execute()
    t.ok(rows.length >= 2)
    for (const r of rows) t.notMatch(r.principalHash, /I00/)
  })

  t.test('a malformed key is a 400 problem', async (t) => {
    const res = await call(app, { method: 'POST', url: '/v1/ambassadors', as: NMNO, body: { displayName: 'x', employeeRef: 'I009' }, headers: { 'idempotency-key': 'bad key with spaces' } })
    t.equal(res.status, 400)
    t.equal(res.body.code, 'invalid-header')
  })

  t.test('twins sent together: one write, the others wait their turn or are told to retry', async (t) => {
    const twins = await Promise.all(Array.from({ length: 6 }, () => apply('k-twin', { displayName: 'Twin' }, as('I010', 'manager'))))
    for (const r of twins) t.ok(r.status === 201 || (r.status === 409 && r.body.code === 'idempotency-in-progress'), `${r.status} ${r.body?.code ?? ''}`)
    t.equal(twins.filter((r) => r.status === 201 && r.headers['idempotent-replayed'] !== 'true').length, 1, 'exactly one ran')
    const ids = new Set(twins.filter((r) => r.status === 201).map((r) => r.body.id))
    t.equal(ids.size, 1, 'every 201 names the same record')
    const rows = await db.selectFrom('ambassadors').select('id').where('employeeRef', '=', 'I010').execute()
    t.equal(rows.length, 1)
    const later = await apply('k-twin', { displayName: 'Twin' }, as('I010', 'manager'))
    t.equal(later.headers['idempotent-replayed'], 'true')
  })

  t.test('no marker row while a write runs; a marker left by an earlier version does not block the key', async (t) => {
    const principalHash = createHash('sha256').update('principal:I011').digest('hex')
    await db.insertInto('idempotencyKeys').values({ principalHash, key: 'k-legacy', requestHash: 'x' }).execute()
    const res = await apply('k-legacy', { displayName: 'Legacy' }, as('I011', 'manager'))
    t.equal(res.status, 201, 'runs instead of answering in-progress for a day')
    const stored = await db.selectFrom('idempotencyKeys').select(['statusCode']).where('principalHash', '=', principalHash).where('key', '=', 'k-legacy').execute()
    t.same(stored.map((r) => r.statusCode), [201], 'the answer replaced the stale marker')
  })
})

t.test('a twin arriving while the first request is still running is told idempotency-in-progress, and nothing of it is kept', { skip: !usingServer && 'PostgreSQL only: PGlite has one connection, so a twin waits for the first request instead of meeting it in progress' }, async (t) => {
  const { app, db } = await build(t)
  const me = as('I020', 'manager')
  const apply = () => call(app, { method: 'POST', url: '/v1/ambassadors', as: me, body: { displayName: 'Slow Twin' }, headers: { 'idempotency-key': 'k-slow' } })
  // Test-only instrumentation of this test's own database: the first request's insert waits at a
  // gate the test holds (an advisory lock), inside its transaction.
  const GATE = 727298
  await sql`CREATE FUNCTION gated_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_advisory_xact_lock(${sql.lit(GATE)}); RETURN NEW; END $$`.execute(db)
  await sql`CREATE TRIGGER gated_apply BEFORE INSERT ON ambassadors FOR EACH ROW EXECUTE FUNCTION gated_apply()`.execute(db)
  const atGate = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`.execute(db)).rows[0].n
  await db.connection().execute(async (gate) => {
    await sql`SELECT pg_advisory_lock(${GATE})`.execute(gate)
    let opened = false
    const open = async () => { if (!opened) { opened = true; await sql`SELECT pg_advisory_unlock(${GATE})`.execute(gate) } }
    try {
      const first = apply()
      for (const deadline = Date.now() + 20_000; (await atGate()) !== 1;) {
        if (Date.now() > deadline) throw new Error('the first request never reached its insert')
        await new Promise((r) => setTimeout(r, 10))
      }
      const twin = await apply()
      t.same([twin.status, twin.body.code], [409, 'idempotency-in-progress'], 'the twin is told to retry, not run')
      t.notOk(twin.headers['idempotent-replayed'])
      await open()
      const done = await first
      t.equal(done.status, 201, 'the first request completes')
      const retry = await apply()
      t.same([retry.status, retry.headers['idempotent-replayed'], retry.body.id], [201, 'true', done.body.id], 'a retry replays the first answer (the in-progress refusal was not kept)')
    } finally {
      await open()
    }
  })
  t.equal((await db.selectFrom('ambassadors').select('id').where('employeeRef', '=', 'I020').execute()).length, 1, 'one record')
})
