// The policy layer cannot be bypassed: a write route without a registered config.action stops the
// boot, and at run time (#13 item 2) a handler writes only through a transaction authorized for the
// route's own action — a route declaring resource.create that writes through the plain handle, or
// authorizes another action, or answers 2xx without authorizing, is a 500 and nothing is written.
import { sql } from 'kysely'
import t from 'tap'
import { inTransaction } from '../../src/db/tx.ts'
import { authorize } from '../../src/policy/authorize.ts'
import { NMNO, as, call } from '../helper.ts'
import { buildLocal } from './local-build.ts'

t.test('policy guard: a POST route without config.action fails the boot', async (t) => {
  await t.rejects(
    buildLocal(t, {
      extend(app) {
        app.register(async (child) => {
          child.post('/v1/__test/unguarded', async () => ({ ok: true }))
        })
      },
    }),
    /policy-guard: POST \/v1\/__test\/unguarded has no registered config.action/,
  )
})

t.test('policy guard: an unknown action name fails the boot too', async (t) => {
  await t.rejects(
    buildLocal(t, {
      extend(app) {
        app.register(async (child) => {
          child.delete('/v1/__test/unguarded/:id', { config: { action: 'made.up' as never } }, async () => ({ ok: true }))
        })
      },
    }),
    /policy-guard: DELETE .* has no registered config.action \(got made.up\)/,
  )
})

t.test('policy guard: a GET route needs no action', async (t) => {
  const { app } = await buildLocal(t, {
    extend(app) {
      app.register(async (child) => {
        child.get('/v1/__test/read', { config: { public: true } }, async () => ({ ok: true }))
      })
    },
  })
  t.equal((await app.inject({ url: '/v1/__test/read' })).statusCode, 200)
})

t.test('policy boundary at run time: no write past the policy layer (#13 item 2)', async (t) => {
  const resource = { slug: 'boundary-test', kind: 'advisory_service' as const, nameEn: 'X', nameFr: 'X', descriptionEn: 'X', descriptionFr: 'X' }
  const { app, db, logs } = await buildLocal(t, {
    captureLogs: true,
    extend(app) {
      app.register(async (child) => {
        // Declares resource.create, but writes through the plain handle, as a plain manager could.
        child.post('/v1/__test/plain-write', { config: { roles: ['manager'], action: 'resource.create' } }, async () => {
          await child.db.insertInto('resources').values(resource).execute()
          return { ok: true }
        })
        // Same, with raw SQL.
        child.post('/v1/__test/raw-write', { config: { roles: ['manager'], action: 'resource.create' } }, async () => {
          await sql`INSERT INTO resources (slug, kind, name_en, name_fr, description_en, description_fr) VALUES ('raw', 'advisory_service', 'X', 'X', 'X', 'X')`.execute(child.db)
          return { ok: true }
        })
        // Writes in a transaction that no policy let through.
        child.post('/v1/__test/unauthorized-trx', { config: { roles: ['manager'], action: 'resource.create' } }, async () => {
          await inTransaction(child.db, (trx) => trx.updateTable('resources').set({ nameEn: 'Hijacked' }).execute())
          return { ok: true }
        })
        // Authorizes another action than the one it declares.
        child.post('/v1/__test/other-action', { config: { roles: ['nmno'], action: 'resource.create' } }, async (req) => {
          await inTransaction(child.db, async (trx) => {
            const ids = await trx.selectFrom('resources').select('id').limit(1).execute()
            await authorize(trx, req.actor, 'resource.update', { id: ids[0].id })
            await trx.updateTable('resources').set({ nameEn: 'Hijacked' }).execute()
          })
          return { ok: true }
        })
        // Answers 201 without authorizing anything.
        child.post('/v1/__test/no-authorize', { config: { roles: ['nmno'], action: 'resource.create' } }, async (_req, reply) => reply.code(201).send({ ok: true }))
        // A read route cannot write either.
        child.get('/v1/__test/read-write', { config: { roles: ['manager'] } }, async () => {
          await child.db.deleteFrom('resources').execute()
          return { ok: true }
        })
        // The legitimate path: authorize the declared action in the write's transaction, then write.
        child.post('/v1/__test/proper', { config: { roles: ['nmno'], action: 'resource.create' } }, async (req, reply) => {
          await inTransaction(child.db, async (trx) => {
            await authorize(trx, req.actor, 'resource.create', { slug: 'proper' })
            await trx.insertInto('resources').values({ ...resource, slug: 'proper' }).execute()
          })
          return reply.code(201).send({ ok: true })
        })
      })
    },
  })
  const before = async () => (await sql<{ n: number; names: string }>`SELECT count(*)::int AS n, string_agg(name_en, ',' ORDER BY slug) AS names FROM resources`.execute(db)).rows[0]
  const initial = await before()
  const events = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_events`.execute(db)).rows[0].n
  const manager = as('BM01', 'manager')
  for (const [url, who, method] of [['/v1/__test/plain-write', manager, 'POST'], ['/v1/__test/raw-write', manager, 'POST'], ['/v1/__test/unauthorized-trx', manager, 'POST'], ['/v1/__test/other-action', NMNO, 'POST'], ['/v1/__test/no-authorize', NMNO, 'POST'], ['/v1/__test/read-write', manager, 'GET']] as const) {
    const res = await call(app, { method, url, as: who, body: method === 'POST' ? {} : undefined })
    t.equal(res.status, 500, `${url}: refused as the bug it is`)
    t.ok(logs.some((l) => l.includes('policy boundary') && l.includes(url)), `${url}: logged as a policy boundary breach`)
    t.same(await before(), initial, `${url}: nothing written`)
  }
  const auditBefore = await events()
  const ok = await call(app, { method: 'POST', url: '/v1/__test/proper', as: NMNO, body: {} })
  t.equal(ok.status, 201, 'authorized for its own action, the write goes through')
  t.equal((await before()).n, initial.n + 1)
  t.ok((await events()) > auditBefore, 'and is audited')
})
