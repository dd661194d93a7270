// Process entry only: loadConfig → database → migrations → buildApp → listen; graceful close.
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { openConfigured } from './db/script.ts'
import { migrateToLatest } from './db/migrate.ts'
import { scheduleJobs } from './jobs/index.ts'
import { startMetricsServer } from './plugins/metrics.ts'

// The configuration and the database, or one line on stderr and exit 1 (db/script.ts).
const { config, handle } = openConfigured()
const { db, kind } = handle
await migrateToLatest(db)
const app = await buildApp({ config, db })
app.addHook('onClose', async () => db.destroy())

// The system jobs (src/jobs): the sweeps (ENG-11, AMB-5), the statistics rollup, the survey
// release, the retention purge (PURGE_DAILY) and the housekeeping; each once per period across
// replicas, each as a system actor of its own, audited.
scheduleJobs(app, db, config)

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
// #16: Prometheus metrics on a port of their own when METRICS_PORT is set (never the API's port).
if (config.metrics.port > 0) {
  await startMetricsServer(app, { ...config.metrics, processMetrics: true })
  app.log.info({ port: config.metrics.port, host: config.metrics.host }, 'metrics listening on GET /metrics')
}
app.log.info({ database: kind === 'pglite' ? `embedded PGlite (${config.pgliteDir})` : 'PostgreSQL server' }, 'M2M Network API ready')
