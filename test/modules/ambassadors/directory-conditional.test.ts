// #18: the directory's conditional request (If-None-Match → 304) costs index probes and sends no
// body, and its validator still follows what the caller sees: a public edit, an Ambassador listed
// straight as active (an insert), a term ended. The hot statements are named prepared statements on
// PostgreSQL and run as they are on PGlite.
import { sql } from 'kysely'
import t from 'tap'
import { preparedNameOf } from '../../../src/db/database.ts'
import { DIRECTORY_SQL, DIRECTORY_STAMP_SQL, listDirectory } from '../../../src/modules/ambassadors/repository.ts'
import { activeAmbassador, as, build, call, NMNO, testDatabase, usingServer } from '../../helper.ts'

const WATCHER = as('M-COND', 'manager')

t.test('a 304 has no body and no Content-Length; the ETag moves with what the directory shows', async (t) => {
  const { app, db } = await build(t)
  const b = await activeAmbassador(app, 'DC01')
  const first = await call(app, { url: '/v1/ambassadors', as: WATCHER })
  t.equal(first.status, 200)
  const etag = first.headers.etag as string
  t.match(etag, /^W\/"d[A-Za-z0-9_-]+"$/)

  const cond = await call(app, { url: '/v1/ambassadors', as: WATCHER, headers: { 'if-none-match': etag } })
  t.equal(cond.status, 304)
  t.equal(cond.raw.rawPayload.length, 0, 'no body')
  t.equal(cond.headers['content-length'], undefined, 'no Content-Length')
  t.equal(cond.headers.etag, etag)
  t.equal(cond.headers['cache-control'], 'private, no-cache')
  t.ok(cond.headers['content-security-policy'], 'the security headers are on the 304 too')

  // One of several validators, weak comparison.
  t.equal((await call(app, { url: '/v1/ambassadors', as: WATCHER, headers: { 'if-none-match': `W/"dother", ${etag}` } })).status, 304)
  // Another language or another filter is another representation.
  t.equal((await call(app, { url: '/v1/ambassadors', as: WATCHER, headers: { 'if-none-match': etag, 'accept-language': 'fr' } })).status, 200)
  t.equal((await call(app, { url: '/v1/ambassadors?topic=crisis', as: WATCHER, headers: { 'if-none-match': etag } })).status, 200)

  // A public edit: the ETag moves, the old one answers 200 with the new content.
  t.equal((await call(app, { method: 'PATCH', url: `/v1/ambassadors/${b.id}`, as: NMNO, body: { displayName: 'Renamed Ambassador' } })).status, 200)
  const afterEdit = await call(app, { url: '/v1/ambassadors', as: WATCHER, headers: { 'if-none-match': etag } })
  t.equal(afterEdit.status, 200, 'a public edit: the old ETag no longer matches')
  t.ok(afterEdit.body.items.some((i: { displayName: string }) => i.displayName === 'Renamed Ambassador'))
  const edited = afterEdit.headers.etag as string
  t.not(edited, etag)

  // An Ambassador inserted already active (an import, a fixture) is listed: the ETag moves.
  await sql`INSERT INTO ambassadors (employee_ref, display_name, bio_en, bio_fr, languages, modes, topics, capacity, status, term_start, term_end, guidelines_version, guidelines_accepted_at)
    VALUES ('DC02', 'Inserted Active', 'en', 'fr', '{en}', '{phone}', '{crisis}', 3, 'active', now(), now() + interval '1 year', 1, now())`.execute(db)
  const afterInsert = await call(app, { url: '/v1/ambassadors', as: WATCHER, headers: { 'if-none-match': edited } })
  t.equal(afterInsert.status, 200, 'an inserted active Ambassador: the old ETag no longer matches')
  const inserted = afterInsert.headers.etag as string
  t.not(inserted, edited)

  // A term that has run out (the row unchanged since, triggers bypassed as time alone would).
  await sql`ALTER TABLE ambassadors DISABLE TRIGGER ambassadors_public_touch`.execute(db)
  try {
    await sql`UPDATE ambassadors SET term_end = now() - interval '1 second' WHERE employee_ref = 'DC02'`.execute(db)
  } finally {
    await sql`ALTER TABLE ambassadors ENABLE TRIGGER ambassadors_public_touch`.execute(db)
  }
  const afterExpiry = await call(app, { url: '/v1/ambassadors', as: WATCHER, headers: { 'if-none-match': inserted } })
  t.equal(afterExpiry.status, 200, 'a term ended: the old ETag no longer matches')
  t.notOk(afterExpiry.body.items.some((i: { displayName: string }) => i.displayName === 'Inserted Active'))
  t.equal((await call(app, { url: '/v1/ambassadors', as: WATCHER, headers: { 'if-none-match': afterExpiry.headers.etag as string } })).status, 304)
})

t.test('a conditional request still authenticates and checks the role first', async (t) => {
  const { app } = await build(t)
  await activeAmbassador(app, 'DC10')
  const etag = (await call(app, { url: '/v1/ambassadors', as: WATCHER })).headers.etag as string
  t.equal((await call(app, { url: '/v1/ambassadors', headers: { 'if-none-match': etag } })).status, 401)
  t.equal((await call(app, { url: '/v1/ambassadors', as: as('H-COND', 'hr_analyst'), headers: { 'if-none-match': etag } })).status, 403)
})

t.test('the directory statements are prepared by name on PostgreSQL and run as they are on PGlite', async (t) => {
  t.equal(preparedNameOf(DIRECTORY_SQL), 'm2m_directory')
  t.equal(preparedNameOf(DIRECTORY_STAMP_SQL), 'm2m_directory_stamp')
  // One connection, so that the session that prepared the statement is the one asked.
  const { db } = await testDatabase(t, 1)
  for (let i = 0; i < 3; i++) {
    const { rows, stamp } = await listDirectory(db, { limit: 5 })
    t.same(rows, [], 'an empty directory')
    t.equal(stamp, undefined)
  }
  if (usingServer) {
    const prepared = await sql<{ name: string }>`SELECT name FROM pg_prepared_statements`.execute(db)
    t.ok(prepared.rows.some((r) => r.name === 'm2m_directory'), 'the listing is a named prepared statement of the session')
  } else {
    t.pass('PGlite: the same text, unnamed')
  }
})
