// `npm run bench:audit` (also run by `npm run bench`): what the audit trail (AUD-2) costs.
// 1. Write throughput of a small transaction (one insert) alone, with its audit event appended by
//    the service's own writer (src/policy/audit.ts: several chains, SKIP LOCKED), and with a
//    single global chain head that every transaction must lock (the design AUD-2 rules out).
// 2. Verification time of BENCH_AUDIT_EVENTS chained events (default 1,000,000; target < 60 s):
//    the function itself, then `GET /v1/audit/verify` through the API of an app with the default
//    settings (DB_STATEMENT_TIMEOUT_MS, REQUEST_TIMEOUT_MS…; #18 target: a 200 within 30 s).
// Measurement only, on a real PostgreSQL: a database m2m_bench_audit_<random> is created and dropped.
//   BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), BENCH_DURATION (s, default 5)
import { randomBytes } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import { sql } from 'kysely'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createDatabase, type Db } from '../src/db/database.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { inTransaction } from '../src/db/tx.ts'
import { verifyChains } from '../src/modules/audit/repository.ts'
import { queueAuditEvent } from '../src/policy/audit.ts'
import { admin, urlFor } from './server.ts'

const DURATION = Number(process.env.BENCH_DURATION || 5)
const EVENTS = Number(process.env.BENCH_AUDIT_EVENTS || 1_000_000)
const WORKERS = 10

/** Transactions per second of `work`, run by WORKERS concurrent loops for DURATION seconds. */
async function throughput(db: Db, work: (trx: any, i: number) => Promise<void>): Promise<number> {
  const until = Date.now() + DURATION * 1000
  let done = 0
  await Promise.all(Array.from({ length: WORKERS }, async () => {
    while (Date.now() < until) {
      await inTransaction(db, (trx) => work(trx, done))
      done++
    }
  }))
  return done / DURATION
}

const event = (i: number) => ({
  actorRef: 'bench', role: 'nmno' as const, action: 'bench.write', resourceType: 'bench', resourceId: String(i),
  engagementId: null, outcome: 'success' as const, requestId: null,
})

const name = `m2m_bench_audit_${randomBytes(4).toString('hex')}`
await admin(`CREATE DATABASE ${name}`)
const { db } = createDatabase({ databaseUrl: urlFor(name), pgliteDir: '', db: { poolMax: WORKERS + 2, statementTimeoutMs: 600_000, acquireTimeoutMs: 60_000 } })
try {
  await migrateToLatest(db)
  await sql`CREATE TABLE bench_rows (id bigserial PRIMARY KEY, payload text NOT NULL)`.execute(db)
  await sql`CREATE TABLE bench_global_head (id int PRIMARY KEY, seq bigint NOT NULL)`.execute(db)
  await sql`INSERT INTO bench_global_head VALUES (1, 0)`.execute(db)
  const insert = (trx: any) => sql`INSERT INTO bench_rows (payload) VALUES ('x')`.execute(trx)

  const plain = await throughput(db, async (trx) => { await insert(trx) })
  const audited = await throughput(db, async (trx, i) => { await insert(trx); await queueAuditEvent(trx, event(i)) })
  const global = await throughput(db, async (trx) => {
    await insert(trx)
    await sql`UPDATE bench_global_head SET seq = seq + 1 WHERE id = 1`.execute(trx)
    // Hold the head while the rest of a typical transaction runs, as a chain head would.
    await sql`SELECT pg_sleep(0.001)`.execute(trx)
  })
  console.log(`audit: write throughput, ${WORKERS} concurrent writers, ${DURATION} s each`)
  console.log(`  plain insert          ${plain.toFixed(0)} tx/s`)
  console.log(`  + audit event         ${audited.toFixed(0)} tx/s  (${(audited / plain).toFixed(2)}× plain)`)
  console.log(`  + one global head     ${global.toFixed(0)} tx/s  (${(global / plain).toFixed(2)}× plain; the design AUD-2 rules out)`)

  // A million events, chained exactly as the writer chains them, written in bulk by SQL. The
  // chain heads only move forward by one (trigger); the bulk fill jumps, so it runs with triggers off.
  const started = Date.now()
  await inTransaction(db, async (trx) => {
    await sql`SET LOCAL session_replication_role = replica`.execute(trx)
    await sql`
      DO $$
      DECLARE c smallint; h text; s bigint; per bigint := ceil(${sql.lit(EVENTS)}::numeric / 16);
      BEGIN
        FOR c IN 0..15 LOOP
          SELECT seq, head_hash INTO s, h FROM audit_chains WHERE id = c;
          FOR k IN 1..per LOOP
            s := s + 1;
            INSERT INTO audit_events (chain_id, seq, at, actor_ref, role, action, resource_type, resource_id, outcome, prev_hash, hash)
            VALUES (c, s, now(), 'bench', 'nmno', 'bench.fill', 'bench', k::text, 'success', h,
              audit_hash(h, audit_canonical(c::smallint, s, now(), 'bench'::text, 'nmno'::text, 'bench.fill'::text, 'bench'::text, k::text, NULL::uuid, 'success'::text, NULL::text)))
            RETURNING hash INTO h;
          END LOOP;
          UPDATE audit_chains SET seq = s, head_hash = h WHERE id = c;
        END LOOP;
      END $$`.execute(trx)
  })
  const filled = (Date.now() - started) / 1000
  const t0 = Date.now()
  const v = await verifyChains(db)
  const took = (Date.now() - t0) / 1000
  console.log(`audit: verification of ${v.events} events in ${v.chains} chains: ${took.toFixed(1)} s (target < 60 s), ok=${v.ok} (filled in ${filled.toFixed(0)} s)`)

  // Through the API, every setting at its default (the statement timeout included): a server of its own.
  const secret = randomBytes(24).toString('hex')
  const config = loadConfig({ NODE_ENV: 'development', JWT_SECRET: secret, DATABASE_URL: urlFor(name), LOG_LEVEL: 'warn' })
  const { db: appDb } = createDatabase(config)
  const app = await buildApp({ config, db: appDb })
  try {
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    const port = typeof address === 'object' && address ? address.port : 0
    const token = createSigner({ key: secret, algorithm: 'HS256', expiresIn: 3600_000 })({ sub: 'N-bench', roles: ['nmno'] })
    const t1 = Date.now()
    const res = await fetch(`http://127.0.0.1:${port}/v1/audit/verify`, { headers: { authorization: `Bearer ${token}` } })
    const body = await res.json() as { ok?: boolean; events?: number }
    const api = (Date.now() - t1) / 1000
    console.log(`audit: GET /v1/audit/verify with the default settings (DB_STATEMENT_TIMEOUT_MS=${config.db.statementTimeoutMs}): ${res.status} in ${api.toFixed(1)} s, ${body.events} events, ok=${body.ok} (target: 200 within 30 s)`)
  } finally {
    await app.close()
    await appDb.destroy()
  }
} finally {
  await db.destroy()
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
}
