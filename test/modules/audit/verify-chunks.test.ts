// #18 item 3: the verification walks the trail in pages (keyset pages of each chain, carried on from
// the page before), so no statement outlives DB_STATEMENT_TIMEOUT_MS however long the trail: it
// answers 200 where the one statement over the whole trail answered 503. The pages must give the
// answer one pass would: the same count, the same first bad event, across page boundaries.
import { sql } from 'kysely'
import t from 'tap'
import { buildApp } from '../../../src/app.ts'
import { createDatabase, type Db } from '../../../src/db/database.ts'
import { verifyChains } from '../../../src/modules/audit/repository.ts'
import { NMNO, call, testConfig, testDatabase, usingServer } from '../../helper.ts'

/** `per` events in each of the 16 chains, chained as the writer chains them (bulk, triggers off, as bench/audit.ts). */
async function fill(db: Db, per: number) {
  await db.transaction().execute(async (trx) => {
    await sql`SET LOCAL session_replication_role = replica`.execute(trx)
    await sql`
      DO $$
      DECLARE c smallint; h text; s bigint; ts timestamptz;
      BEGIN
        FOR c IN 0..15 LOOP
          SELECT seq, head_hash INTO s, h FROM audit_chains WHERE id = c;
          FOR k IN 1..${sql.lit(per)} LOOP
            s := s + 1;
            ts := clock_timestamp();
            INSERT INTO audit_events (chain_id, seq, at, actor_ref, role, action, resource_type, resource_id, outcome, prev_hash, hash)
            VALUES (c, s, ts, 'test', 'nmno', 'test.fill', 'test', k::text, 'success', h,
              audit_hash(h, audit_canonical(c::smallint, s, ts, 'test'::text, 'nmno'::text, 'test.fill'::text, 'test'::text, k::text, NULL::uuid, 'success'::text, NULL::text)))
            RETURNING hash INTO h;
          END LOOP;
          UPDATE audit_chains SET seq = s, head_hash = h WHERE id = c;
        END LOOP;
      END $$`.execute(trx)
  })
}

/** What a superuser could do: switch triggers off for one transaction and change the table. */
const tamper = (db: Db, statement: ReturnType<typeof sql>) =>
  db.transaction().execute(async (trx) => {
    await sql`SET LOCAL session_replication_role = replica`.execute(trx)
    await statement.execute(trx)
  })

t.test('pages of any size give the answer of one pass: clean, altered, removed, truncated', async (t) => {
  const { db } = await testDatabase(t)
  await fill(db, 7)
  const sizes = [1, 2, 3, 5, 7, 8, 1000]
  const same = async (what: string) => {
    const whole = await verifyChains(db, { chunkRows: 1_000_000 })
    for (const chunkRows of sizes) t.same(await verifyChains(db, { chunkRows }), whole, `${what}: pages of ${chunkRows}`)
    t.same(await verifyChains(db), whole, `${what}: pages sized from the statement timeout`)
    return whole
  }
  let v = await same('clean')
  t.match(v, { ok: true, events: 16 * 7, chains: 16 })

  // Chain 3's 4th event edited (a page boundary for pages of 3), chain 1's 6th removed (after a boundary for pages of 5).
  await tamper(db, sql`UPDATE audit_events SET actor_ref = 'someone-else' WHERE chain_id = 3 AND seq = 4`)
  v = await same('altered')
  t.match(v, { ok: false, firstBad: { problem: 'altered', chainId: 3, seq: 4 } })
  await tamper(db, sql`DELETE FROM audit_events WHERE chain_id = 1 AND seq = 6`)
  v = await same('altered, then a removed event written earlier')
  t.match(v, { ok: false, events: 16 * 7 - 1, firstBad: { problem: 'broken-link', chainId: 1, seq: 7 } }, 'the earliest of the two by time')

  const { db: other } = await testDatabase(t)
  await fill(other, 4)
  await tamper(other, sql`DELETE FROM audit_events WHERE chain_id = 15 AND seq = 4`)
  for (const chunkRows of [1, 3, 4, 100]) {
    t.match(await verifyChains(other, { chunkRows }), { ok: false, firstBad: { problem: 'truncated', eventId: null, chainId: 15, seq: 4 } }, `truncated: pages of ${chunkRows}`)
  }
})

t.test('GET /v1/audit/verify completes under a tiny statement timeout where one statement could not', { skip: !usingServer && 'PostgreSQL only: PGlite has no statement timeout' }, async (t) => {
  const { db: filler, url } = await testDatabase(t)
  // Long enough that one statement over the whole trail takes several times the timeout.
  await fill(filler, 2500)
  const TIMEOUT_MS = 200
  const { db } = createDatabase({ databaseUrl: url, pgliteDir: '', db: { poolMax: 2, statementTimeoutMs: TIMEOUT_MS, acquireTimeoutMs: 10_000 } })
  t.teardown(() => db.destroy())
  const app = await buildApp({ config: testConfig({ DB_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS) }), db })
  await app.ready()
  t.teardown(() => app.close())

  let r = await call(app, { url: '/v1/audit/verify', as: NMNO })
  t.equal(r.status, 200)
  t.match(r.body, { ok: true, events: 16 * 2500, chains: 16 })

  await tamper(filler, sql`UPDATE audit_events SET resource_id = 'x' WHERE chain_id = 9 AND seq = 2222`)
  r = await call(app, { url: '/v1/audit/verify', as: NMNO })
  t.equal(r.status, 200)
  t.match(r.body, { ok: false, events: 16 * 2500, firstBad: { problem: 'altered', chainId: 9, seq: 2222 } })

  // The old verification, one statement over the whole trail: cut by the same timeout (server or client side).
  const { db: single } = createDatabase({ databaseUrl: url, pgliteDir: '', db: { poolMax: 1, statementTimeoutMs: TIMEOUT_MS, acquireTimeoutMs: 10_000 } })
  t.teardown(() => single.destroy())
  await t.rejects(sql`SELECT count(*) FROM audit_events e
    WHERE audit_hash(e.prev_hash, audit_canonical(e.chain_id, e.seq, e.at, e.actor_ref, e.role, e.action, e.resource_type,
      e.resource_id, e.engagement_id, e.outcome, e.request_id)) <> e.hash`.execute(single), /statement timeout|Query read timeout/, 'one statement over the trail is cut')
})
