// §4, #12 item 2: idempotency survives a crash. The API process is killed (-9) while keyed writes
// are inside their transactions (held there by a table lock taken from another connection), then
// started again on the same database: every key is either answered with what was committed
// (replayed, same id) or free to run again (a fresh 201, one row), and none stays
// `idempotency-in-progress`. While a write runs, its key has no row in the store (the only "in
// progress" marker is its transaction's advisory lock, which ends with the transaction).
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import t from 'tap'
import { sql } from 'kysely'
import { SERVER_URL, TEST_SECRET, as, build, call, tokenFor, usingServer } from '../helper.ts'

const why = usingServer ? false : 'PostgreSQL run only (set TEST_DATABASE_URL)'

const freePort = () => new Promise<number>((resolve, reject) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number }
    s.close(() => resolve(port))
  }).on('error', reject)
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('a key is answered with what was committed, or free to run again, after kill -9', { skip: why }, async (t) => {
  const name = `m2m_idem_crash_${randomUUID().replace(/-/g, '').slice(0, 12)}`
  const adminUrl = new URL(SERVER_URL!)
  const admin = new pg.Client({ connectionString: adminUrl.toString() })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  t.teardown(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end()
  })
  const dbUrl = new URL(SERVER_URL!)
  dbUrl.pathname = `/${name}`

  let port = 0
  const servers: ChildProcess[] = []
  t.teardown(() => { for (const s of servers) s.kill('SIGKILL') })
  async function start() {
    port = await freePort()
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...process.env, NODE_ENV: 'test', JWT_SECRET: TEST_SECRET, DATABASE_URL: dbUrl.toString(), HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: process.env.CRASH_LOG ?? 'silent', RATE_LIMIT_MAX: '1000000' },
      stdio: ['ignore', process.env.CRASH_LOG ? 'inherit' : 'ignore', 'inherit'],
    })
    servers.push(child)
    for (let i = 0; i < 300; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false)
      if (ok) return child
      await sleep(100)
    }
    throw new Error('the API did not become ready')
  }

  const apply = (n: number, key = `key-${n}`) => fetch(`http://127.0.0.1:${port}/v1/ambassadors`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokenFor(as(`CR${n}`, 'manager'))}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ displayName: `Crash Candidate ${n}` }),
  }).then(async (r) => ({ status: r.status, replayed: r.headers.get('idempotent-replayed') === 'true', body: await r.json() }))

  const first = await start()
  // Two writes commit before the crash.
  const committed = [await apply(1), await apply(2)]
  t.same(committed.map((r) => r.status), [201, 201])

  // Six more are held inside their transactions by a lock on the table they insert into.
  const locker = new pg.Client({ connectionString: dbUrl.toString() })
  await locker.connect()
  t.teardown(() => locker.end().catch(() => {}))
  await locker.query('BEGIN')
  await locker.query('LOCK TABLE ambassadors IN SHARE ROW EXCLUSIVE MODE')
  const inFlight = [3, 4, 5, 6, 7, 8].map((n) => apply(n).catch(() => undefined))
  let waiting = 0
  for (let i = 0; i < 100 && waiting < 6; i++) {
    await sleep(100)
    waiting = Number((await admin.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [name])).rows[0].n)
  }
  t.equal(waiting, 6, 'six writes are inside their transactions, waiting')

  const markers = await locker.query(`SELECT count(*)::int AS n FROM idempotency_keys`)
  t.equal(markers.rows[0].n, 2, 'a running write leaves no row in the store: only the two committed answers are there')
  const twin = await apply(3)
  t.equal(twin.status, 409, 'the same key while its first request runs')
  t.equal(twin.body.code, 'idempotency-in-progress')

  first.kill('SIGKILL')
  await once(first, 'exit')
  await Promise.all(inFlight)
  await locker.query('ROLLBACK')

  await start()
  for (const [i, n] of [1, 2].entries()) {
    const r = await apply(n)
    t.equal(r.status, 201, `key ${n}: the committed answer`)
    t.ok(r.replayed, `key ${n}: replayed, not run again`)
    t.equal(r.body.id, committed[i].body.id, `key ${n}: the same Ambassador record`)
  }
  const started = Date.now()
  for (const n of [3, 4, 5, 6, 7, 8]) {
    let r = await apply(n)
    // The killed process's backends end once they notice their client is gone (right after the lock went).
    while (r.status === 409 && r.body.code === 'idempotency-in-progress' && Date.now() - started < 15_000) {
      await sleep(200)
      r = await apply(n)
    }
    t.equal(r.status, 201, `key ${n}: free to run again (${r.body.code ?? 'created'})`)
    t.notOk(r.replayed, `key ${n}: nothing had been committed under it`)
    t.equal((await apply(n)).replayed, true, `key ${n}: now answered from the store`)
  }
  const check = new pg.Client({ connectionString: dbUrl.toString() })
  await check.connect()
  const perManager = await check.query(`SELECT employee_ref, count(*)::int AS n FROM ambassadors WHERE employee_ref LIKE 'CR%' GROUP BY 1 ORDER BY 1`)
  await check.end()
  t.same(perManager.rows.map((r) => [r.employee_ref, r.n]), [1, 2, 3, 4, 5, 6, 7, 8].map((n) => [`CR${n}`, 1]), 'one record per key, none twice')
})

t.test('a keyed write answered 503 by the handler timeout is not done afterwards', { skip: why }, async (t) => {
  const { app, db } = await build(t, { env: { REQUEST_TIMEOUT_MS: '1000' } })
  // Hold the insert behind a lock for longer than the request timeout.
  const lockTaken = db.transaction().execute(async (trx) => {
    await sql`LOCK TABLE ambassadors IN SHARE ROW EXCLUSIVE MODE`.execute(trx)
    await sleep(2500)
  })
  await sleep(100)
  const slow = await call(app, { method: 'POST', url: '/v1/ambassadors', as: as('TO1', 'manager'), body: { displayName: 'Too Slow' }, headers: { 'idempotency-key': 'k-slow' } })
  t.equal(slow.status, 503, 'the handler timeout answered')
  await lockTaken
  await sleep(300)
  const rows = await db.selectFrom('ambassadors').select('id').where('employeeRef', '=', 'TO1').execute()
  t.equal(rows.length, 0, 'the write that resumed after the answer was not kept')
  const retry = await call(app, { method: 'POST', url: '/v1/ambassadors', as: as('TO1', 'manager'), body: { displayName: 'Too Slow' }, headers: { 'idempotency-key': 'k-slow' } })
  t.equal(retry.status, 201, 'the key is free: the retry runs')
  t.not(retry.headers['idempotent-replayed'], 'true')
})
