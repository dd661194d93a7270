// #18 memory: the embedded database runs with a small shared_buffers (PGLITE_SHARED_BUFFERS_MB,
// default 16; PostgreSQL's 128 MB default was most of PGlite's idle memory), given on its command
// line, so the data directory's postgresql.conf (time zone, date style, locale) stays as initdb
// wrote it. PostgreSQL's own settings are its server's: PGlite only.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import t from 'tap'
import { loadConfig } from '../../src/config.ts'
import { createDatabase, PGLITE_SHARED_BUFFERS_MB } from '../../src/db/database.ts'
import { testDatabase, usingServer } from '../helper.ts'


t.test('PGlite: shared_buffers from the configuration, postgresql.conf untouched', { skip: usingServer && 'PGlite only: PostgreSQL takes its settings from its server' }, async (t) => {
  t.equal(PGLITE_SHARED_BUFFERS_MB, 16)
  t.equal(loadConfig({ JWT_SECRET: 'x'.repeat(32) }).db.pgliteSharedBuffersMb, 16, 'the default')
  t.equal(loadConfig({ JWT_SECRET: 'x'.repeat(32), PGLITE_SHARED_BUFFERS_MB: '48' }).db.pgliteSharedBuffersMb, 48)
  t.throws(() => loadConfig({ JWT_SECRET: 'x'.repeat(32), PGLITE_SHARED_BUFFERS_MB: '0' }), 'at least 1 MB')

  const { db } = await testDatabase(t)
  const setting = async (name: string) => (await sql<{ v: string }>`SELECT current_setting(${name}) AS v`.execute(db)).rows[0].v
  t.equal(await setting('shared_buffers'), '16MB', 'the tests’ database (from the migrated template) too')
  t.equal(await setting('TimeZone'), 'UTC')

  const dir = mkdtempSync(join(tmpdir(), 'm2m-pglite-options-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const onDisk = createDatabase({ pgliteDir: join(dir, 'db'), db: { poolMax: 1, statementTimeoutMs: 30_000, acquireTimeoutMs: 10_000, pgliteSharedBuffersMb: 32 } }).db
  const get = async (name: string) => (await sql<{ v: string }>`SELECT current_setting(${name}) AS v`.execute(onDisk)).rows[0].v
  t.equal(await get('shared_buffers'), '32MB', 'PGLITE_SHARED_BUFFERS_MB')
  t.same([await get('TimeZone'), await get('DateStyle'), await get('lc_messages')], ['UTC', 'ISO, MDY', 'C'], 'initdb’s settings still apply')
  await onDisk.destroy()
  const conf = readFileSync(join(dir, 'db', 'postgresql.conf'), 'utf8')
  t.match(conf, /^timezone = /m, 'postgresql.conf is the one initdb wrote')
  t.notMatch(conf, /^shared_buffers\s*=\s*32MB/m, 'the setting is not written into the data directory')
})
