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
import fastifyJwt from '@fastify/jwt'
import Fastify, { type FastifyInstance } from 'fastify'
import pg from 'pg'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createDatabase } from '../src/db/database.ts'
import { DIRECTORY_SQL, directoryParams } from '../src/modules/ambassadors/repository.ts'
import { DirectoryEntrySchema } from '../src/modules/ambassadors/schemas.ts'
import { Page } from '../src/shared/schemas.ts'

const kind = process.argv[2]
const dbUrl = process.env.BENCH_DB_URL
const secret = process.env.BENCH_SECRET
if (!dbUrl || !secret || !['app', 'jwt', 'bare'].includes(kind)) {
  console.error('usage: BENCH_DB_URL=… BENCH_SECRET=… node --import tsx bench/directory-server.ts <app|jwt|bare>')
  process.exit(2)
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
  const pool = new pg.Pool({ connectionString: dbUrl, max: 10 })
  server = Fastify({ logger: false })
  server.addHook('onClose', async () => pool.end())
  if (kind === 'jwt') {
    await server.register(fastifyJwt, { secret })
    server.addHook('onRequest', async (req) => { await req.jwtVerify() })
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
