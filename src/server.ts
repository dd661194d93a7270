// Process entry only: loadConfig → database → migrations → buildApp → listen; graceful close.
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { ConfigError, loadConfig, withDevSecret } from './config.ts'
import { createDatabase, type DatabaseHandle } from './db/database.ts'
import { migrateToLatest } from './db/migrate.ts'
import { sweepEndedTerms } from './modules/ambassadors/service.ts'
import { sweepExpiredRequests } from './modules/engagements/service.ts'
import { runPurge } from './modules/retention/service.ts'

let config
try {
  config = withDevSecret(loadConfig())
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err)
  process.exit(1)
}

let handle: DatabaseHandle
try {
  // Refuses (one line, exit 1) while another server or a script holds the same PGLITE_DIR.
  handle = createDatabase(config)
} catch (err) {
  console.error((err as Error).message)
  process.exit(1)
}
const { db, kind } = handle
await migrateToLatest(db)
const app = await buildApp({ config, db })
app.addHook('onClose', async () => db.destroy())

// ENG-11: requests unanswered for 5 days expire; AMB-5: the open engagements of an Ambassador past
// their term become transfer_required. Queries already treat both so; the sweeps free the slots
// and tell the managers. Safe with several replicas (row locks, SKIP LOCKED).
const sweep = setInterval(() => {
  sweepExpiredRequests(db)
    .then((n) => n && app.log.info({ expired: n }, 'expired unanswered requests'))
    .catch((err) => app.log.warn({ err }, 'expiry sweep failed'))
    .then(() => sweepEndedTerms(db))
    .then((n) => n && app.log.info({ moved: n }, 'engagements of ended terms await transfer'))
    .catch((err) => app.log.warn({ err }, 'term sweep failed'))
}, 60_000)
sweep.unref()
app.addHook('onClose', async () => clearInterval(sweep))

// RET-1, opt-in (PURGE_DAILY=true): the retention purge once a day, first an hour after start.
// Several replicas may run it: the purge lock lets one work and the others skip.
if (config.purgeDaily) {
  const purge = () => runPurge(db, { retentionDays: config.retentionDays })
    .then((r) => app.log.info({ purge: r }, r.skipped ? 'retention purge: another replica is purging' : 'retention purge done'))
    .catch((err) => app.log.warn({ err }, 'retention purge failed'))
  let daily: NodeJS.Timeout | undefined
  const first = setTimeout(() => {
    void purge()
    daily = setInterval(() => void purge(), 24 * 3600_000)
    daily.unref()
  }, 3600_000)
  first.unref()
  app.addHook('onClose', async () => {
    clearTimeout(first)
    clearInterval(daily)
  })
}

// SIGTERM/SIGINT: readiness answers 503 at once (a load balancer stops sending new requests), then
// after SHUTDOWN_DELAY_MS (enough for the balancer's health checks to notice) the server stops
// accepting connections, answers the requests in flight and closes the database. Whatever is left
// after SHUTDOWN_BUDGET_MS is cut (exit 1): the whole stop fits in `docker stop`'s 10 s.
const SHUTDOWN_BUDGET_MS = 9_000
closeWithGrace({ delay: SHUTDOWN_BUDGET_MS }, async ({ signal, err }) => {
  app.lifecycle.draining = true
  if (err) app.log.error({ err }, 'closing after an error')
  else app.log.info({ signal, delayMs: config.shutdownDelayMs }, 'closing: draining')
  if (!err && config.shutdownDelayMs > 0) await new Promise((r) => setTimeout(r, config.shutdownDelayMs))
  await app.close()
})

await app.listen({ port: config.port, host: config.host })
app.log.info({ database: kind === 'pglite' ? `embedded PGlite (${config.pgliteDir})` : 'PostgreSQL server' }, 'M2M Network API ready')
