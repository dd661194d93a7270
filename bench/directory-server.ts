// One server of the directory benchmark (bench/index.ts), in its own process so that the load
// generator does not share its event loop (and so that `--cpu-prof` profiles the server alone):
//   node --import tsx bench/directory-server.ts <app|jwt|bare>
// reads BENCH_DB_URL and BENCH_SECRET, listens on 127.0.0.1 (BENCH_PORT or any free port) and
// sends { port } to its parent (IPC) or prints `listening <port>`.
//   app   the service itself (buildApp), every plugin and rule
//   jwt   Fastify + @fastify/jwt verifying the same token + the app's directory SQL + the same response schema
//   bare  Fastify + the app's directory SQL, nothing else
// The baselines run the SQL the app runs, imported from where the app keeps it (DIRECTORY_SQL of
// the ambassadors repository), so a change to the query changes both sides.
// The jwt server also takes the write baselines of the engagement rows (baselineWrites below).
// BENCH_COUNT_STATEMENTS=1 (bench/index.ts sets it): every statement a pool connection sends is
// counted (pg's Client.prototype.query, patched before the first connection, so nothing of the
// app changes); the parent asks for the count with the IPC message { statements: true }.
import fastifyJwt from '@fastify/jwt'
import Fastify, { type FastifyInstance } from 'fastify'
import pg from 'pg'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createDatabase } from '../src/db/database.ts'
import { DIRECTORY_SQL, directoryParams } from '../src/modules/ambassadors/repository.ts'
import { DirectoryEntrySchema } from '../src/modules/ambassadors/schemas.ts'
import { EngagementViewSchema, RequestEngagementBodySchema } from '../src/modules/engagements/schemas.ts'
import { toManagerView } from '../src/modules/engagements/service.ts'
import { etagOf } from '../src/shared/etag.ts'
import { Page } from '../src/shared/schemas.ts'

const kind = process.argv[2]
const dbUrl = process.env.BENCH_DB_URL
const secret = process.env.BENCH_SECRET
if (!dbUrl || !secret || !['app', 'jwt', 'bare'].includes(kind)) {
  console.error('usage: BENCH_DB_URL=… BENCH_SECRET=… node --import tsx bench/directory-server.ts <app|jwt|bare>')
  process.exit(2)
}

let statements = 0
if (process.env.BENCH_COUNT_STATEMENTS === '1') {
  const proto = pg.Client.prototype as unknown as { query: (this: pg.Client, ...args: unknown[]) => unknown }
  const query = proto.query
  proto.query = function (this: pg.Client, ...args: unknown[]) {
    statements++
    return query.apply(this, args)
  }
  process.on('message', (m: { statements?: boolean }) => { if (m?.statements) process.send?.({ statements }) })
}

type Row = { id: string; displayName: string; bioEn: string | null; bioFr: string | null; languages: string[]; modes: string[]; topics: string[]; available: boolean }

/** The baselines' handler: the app's SQL for page 1 of a manager without filters, a plain map. */
function baselineRoute(app: FastifyInstance, pool: pg.Pool, withSchema: boolean) {
  app.get('/v1/ambassadors', withSchema ? { schema: { response: { 200: Page(DirectoryEntrySchema) } } } : {}, async (req, reply) => {
    const q = req.query as { limit?: string }
    const limit = Math.min(Math.max(Number(q.limit) || 20, 1), 100)
    const { rows } = await pool.query<Row>(DIRECTORY_SQL, directoryParams({ limit: limit + 1 }))
    // (The SQL names its columns as the app reads them; snake_case only for a run on older code.)
    for (const r of rows as (Row & { display_name?: string; bio_en?: string | null; bio_fr?: string | null })[]) {
      if (r.display_name !== undefined) Object.assign(r, { displayName: r.display_name, bioEn: r.bio_en, bioFr: r.bio_fr })
    }
    const page = rows.slice(0, limit)
    const last = page[page.length - 1]
    reply.header('etag', `W/"${rows[0] ? (rows[0] as unknown as { stamp: string }).stamp : ''}"`)
    return {
      items: page.map((r) => ({
        id: r.id, displayName: r.displayName, bio: r.bioEn ?? r.bioFr, bioLanguage: r.bioEn ? 'en' : r.bioFr ? 'fr' : null,
        languages: r.languages, modes: r.modes, topics: r.topics, available: r.available,
      })),
      nextCursor: rows.length > limit && last ? Buffer.from(JSON.stringify([last.displayName, last.id])).toString('base64url') : null,
    }
  })
}

// The engagement columns as toManagerView reads them (the app's own mapping to the manager's view).
const WRITTEN = `id, ambassador_id AS "ambassadorId", manager_ref AS "managerRef", status, stage, language, preferred_modes AS "preferredModes",
  urgency, topics, outcome, transfer_reason AS "transferReason", transferred_from AS "transferredFrom", extensions,
  extension_proposed_at AS "extensionProposedAt", NULL::text AS "surveyToken", requested_at AS "requestedAt", expires_at AS "expiresAt",
  responded_at AS "respondedAt", closed_at AS "closedAt", version`

/**
 * The write baselines (#18): a request and its withdrawal as raw transactions, each one INSERT or
 * UPDATE of the engagement and one UPDATE of the Ambassador's slot counter, on the app's own tables,
 * with the app's body and response schemas and the same answer (the manager's view, its ETag).
 * No rule is checked: that is the app's work the ratio prices.
 */
function baselineWrites(app: FastifyInstance, pool: pg.Pool) {
  const inTx = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    const c = await pool.connect()
    try {
      await c.query('BEGIN')
      const r = await fn(c)
      await c.query('COMMIT')
      return r
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {})
      throw err
    } finally {
      c.release()
    }
  }
  app.post('/v1/engagements', { schema: { body: RequestEngagementBodySchema, response: { 201: EngagementViewSchema } } }, async (req, reply) => {
    const sub = (req.user as { sub: string }).sub
    const b = req.body as { ambassadorId: string; language: string; preferredModes: string[]; urgency: string; topics: string[] }
    const view = await inTx(async (c) => {
      const { rows: [e] } = await c.query(`INSERT INTO engagements (ambassador_id, manager_ref, language, preferred_modes, urgency, topics)
        VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${WRITTEN}`, [b.ambassadorId, sub, b.language, b.preferredModes, b.urgency, b.topics])
      const { rows: [a] } = await c.query('UPDATE ambassadors SET open_engagements = open_engagements + 1 WHERE id = $1 RETURNING display_name', [b.ambassadorId])
      return toManagerView({ ...e, ambassadorDisplayName: a.display_name })
    })
    return reply.code(201).header('location', `/v1/engagements/${view.id}`).header('etag', etagOf('engagement', view.version)).send(view)
  })
  app.post('/v1/engagements/:id/withdraw', { schema: { response: { 200: EngagementViewSchema } } }, async (req, reply) => {
    const sub = (req.user as { sub: string }).sub
    const { id } = req.params as { id: string }
    const version = Number(/(\d+)"$/.exec(String(req.headers['if-match'] ?? ''))?.[1] ?? NaN)
    const view = await inTx(async (c) => {
      const { rows: [e] } = await c.query(`UPDATE engagements SET status = 'withdrawn'
        WHERE id = $1 AND manager_ref = $2 AND version = $3 AND status IN ('requested', 'accepted') RETURNING ${WRITTEN}`, [id, sub, version])
      if (!e) return undefined
      const { rows: [a] } = await c.query('UPDATE ambassadors SET open_engagements = greatest(open_engagements - 1, 0) WHERE id = $1 RETURNING display_name', [e.ambassadorId])
      return toManagerView({ ...e, ambassadorDisplayName: a.display_name })
    })
    if (!view) return reply.callNotFound()
    return reply.header('etag', etagOf('engagement', view.version)).send(view)
  })
}

let server: FastifyInstance
if (kind === 'app') {
  const config = loadConfig({
    NODE_ENV: 'test', JWT_SECRET: secret, LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'silent', DATABASE_URL: dbUrl,
    RATE_LIMIT_MAX: '1000000', // the schema's maximum: the rate limit is counted but does not shape the numbers
  })
  const { db } = createDatabase(config)
  server = await buildApp({ config, db })
  server.addHook('onClose', async () => db.destroy())
} else {
  const pool = new pg.Pool({ connectionString: dbUrl, max: 10 }) // the app's default DB_POOL_MAX
  server = Fastify({ logger: false })
  server.addHook('onClose', async () => pool.end())
  if (kind === 'jwt') {
    await server.register(fastifyJwt, { secret })
    server.addHook('onRequest', async (req) => { await req.jwtVerify() })
    baselineWrites(server, pool)
  }
  baselineRoute(server, pool, kind === 'jwt')
}
await server.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_PORT || 0) })
const address = server.server.address()
const port = typeof address === 'object' && address ? address.port : 0
if (process.send) process.send({ port })
else console.log(`listening ${port}`)

const stop = () => { void server.close().finally(() => process.exit(0)) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.on('disconnect', stop)
