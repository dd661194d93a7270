// #18 cold start: a database with exactly the migrations of migrations/ applied is recognized without
// the Migrator (two small queries); anything else (empty, pending, unknown) goes to the Migrator,
// which applies or refuses as before.
import { sql } from 'kysely'
import t from 'tap'
import { createDatabase } from '../../src/db/database.ts'
import { isUpToDate, migrateToLatest } from '../../src/db/migrate.ts'
import { testDatabase } from '../helper.ts'

t.test('a migrated database is up to date; one with a migration unknown here, or a missing one, is not', async (t) => {
  const { db } = await testDatabase(t)
  t.equal(await isUpToDate(db), true)
  t.same(await migrateToLatest(db), [], 'nothing to apply')
  const last = await sql<{ name: string }>`SELECT max(name) AS name FROM kysely_migration`.execute(db)
  await sql`INSERT INTO kysely_migration (name, timestamp) VALUES ('29991231T000000-from-a-newer-release', '2999-12-31T00:00:00Z')`.execute(db)
  t.equal(await isUpToDate(db), false, 'an unknown migration: the Migrator decides (and refuses)')
  await t.rejects(migrateToLatest(db), /corrupted migrations/)
  await sql`DELETE FROM kysely_migration WHERE name IN ('29991231T000000-from-a-newer-release', ${last.rows[0].name})`.execute(db)
  t.equal(await isUpToDate(db), false, 'a pending migration')
})

t.test('an empty database is not up to date, and is migrated', async (t) => {
  const { db } = createDatabase({ inMemory: true, pgliteDir: '', db: { poolMax: 1, statementTimeoutMs: 30_000, acquireTimeoutMs: 10_000 } })
  t.teardown(() => db.destroy())
  t.equal(await isUpToDate(db), false)
  t.ok((await migrateToLatest(db)).length > 0)
  t.equal(await isUpToDate(db), true)
})
