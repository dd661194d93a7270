// inTransaction: a transaction PostgreSQL aborts for a deadlock runs again instead of answering 500.
import { sql } from 'kysely'
import t from 'tap'
import { inTransaction } from '../../src/db/tx.ts'
import { testDatabase, usingServer } from '../helper.ts'

t.test('a deadlock between two writes that lock in opposite orders is retried, and both land', { skip: !usingServer && 'PostgreSQL only (PGlite has one connection)' }, async (t) => {
  const { db } = await testDatabase(t, 4)
  await sql`CREATE TABLE pair (id int PRIMARY KEY, v int NOT NULL)`.execute(db)
  await sql`INSERT INTO pair VALUES (1, 0), (2, 0)`.execute(db)
  let firstLocks = 0
  let release!: () => void
  const bothHoldOne = new Promise<void>((r) => { release = r })
  let runs = 0
  const write = (first: number, second: number) => inTransaction(db, async (trx) => {
    runs++
    await sql`UPDATE pair SET v = v + 1 WHERE id = ${first}`.execute(trx)
    if (++firstLocks === 2) release()
    await bothHoldOne
    await sql`UPDATE pair SET v = v + 1 WHERE id = ${second}`.execute(trx)
  })
  await Promise.all([write(1, 2), write(2, 1)])
  const rows = (await sql<{ v: number }>`SELECT v FROM pair ORDER BY id`.execute(db)).rows
  t.same(rows.map((r) => r.v), [2, 2], 'both writes committed once each')
  t.ok(runs >= 3, `the deadlocked one ran again (${runs} runs)`)
})
