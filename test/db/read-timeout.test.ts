// A query the client gave up on (query_timeout: "Query read timeout", the server silent) must not
// hand its connection back to the pool: the next query, on the pool's only connection, gets a fresh
// one instead of failing with "Connection terminated unexpectedly" (src/db/database.ts,
// wrapQueries). PostgreSQL only: PGlite has no client-side read timeout.
import t from 'tap'
import { sql } from 'kysely'
import { createDatabase } from '../../src/db/database.ts'
import { SERVER_URL } from '../helper.ts'

t.test('after a query read timeout the next query gets a working connection', { skip: SERVER_URL ? false : 'PostgreSQL only' }, async (t) => {
  const { db } = createDatabase({ databaseUrl: SERVER_URL, pgliteDir: '', db: { poolMax: 1, statementTimeoutMs: 300, acquireTimeoutMs: 5000 } })
  t.teardown(() => db.destroy())
  t.equal((await sql<{ one: number }>`SELECT 1 AS one`.execute(db)).rows[0]?.one, 1, 'the pool answers')
  for (let i = 0; i < 3; i++) {
    // The server is told not to cut it (statement_timeout 0 in the same simple query): only the
    // client's read timeout ends it.
    await t.rejects(sql.raw('SET statement_timeout = 0; SELECT pg_sleep(2)').execute(db), /Query read timeout/, `round ${i}: the client gives up`)
    const r = await sql<{ one: number }>`SELECT 1 AS one`.execute(db)
    t.equal(r.rows[0]?.one, 1, `round ${i}: the next query on the only connection succeeds`)
  }
})
