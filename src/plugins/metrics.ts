// #16 part 3: Prometheus metrics (prom-client), served on a listener of their own (METRICS_PORT,
// METRICS_HOST; off by default), never on the API's port: a scraper needs no token, and nothing of
// the API's routing, auth or rate limit is involved. server.ts starts it; tests call
// startMetricsServer themselves.
//
// What is measured, with labels that never hold an id or a raw URL:
//   - m2m_http_requests_total / m2m_http_request_duration_seconds {method, route, status_code}: route
//     is the route's pattern (`/v1/engagements/:id`), `unmatched` for a URL no route has;
//   - m2m_db_pool_connections {state: total|idle|waiting|max} (PGlite: one connection: total and max);
//   - m2m_job_runs_total {job, outcome: done|idle|skipped|failed} (jobs/index.ts);
//   - m2m_webhook_outbox {status: pending|dead}: the backlog, read at scrape time.
// Each app has its own registry (tests build many apps in one process).
import { createServer, type Server } from 'node:http'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { poolStatsOf } from '../db/database.ts'
import { deliveryBacklog } from '../modules/webhooks/repository.ts'

export type JobOutcome = 'done' | 'idle' | 'skipped' | 'failed'

export interface Metrics {
  registry: Registry
  jobRuns: Counter<'job' | 'outcome'>
  /** The metrics listeners started for this app (closed with it). */
  servers: Server[]
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
  interface FastifyRequest {
    metricsStart?: bigint
  }
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

export default fp(async (app) => {
  const registry = new Registry()
  const requests = new Counter({ name: 'm2m_http_requests_total', help: 'HTTP requests answered, by route pattern', labelNames: ['method', 'route', 'status_code'] as const, registers: [registry] })
  const duration = new Histogram({
    name: 'm2m_http_request_duration_seconds', help: 'Time to answer, by route pattern', labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
  })
  const jobRuns = new Counter({ name: 'm2m_job_runs_total', help: 'Runs of the scheduled jobs, by outcome', labelNames: ['job', 'outcome'] as const, registers: [registry] })
  new Gauge({
    name: 'm2m_db_pool_connections', help: 'Database connections (pg pool: total, idle, waiting clients, max; PGlite: one)', labelNames: ['state'] as const, registers: [registry],
    collect() {
      const s = poolStatsOf(app.db)
      if (!s) return
      this.set({ state: 'total' }, s.total)
      this.set({ state: 'max' }, s.max)
      if (s.kind === 'postgres') {
        this.set({ state: 'idle' }, s.idle)
        this.set({ state: 'waiting' }, s.waiting)
      }
    },
  })
  new Gauge({
    name: 'm2m_webhook_outbox', help: 'Webhook deliveries waiting (pending) and given up (dead)', labelNames: ['status'] as const, registers: [registry],
    async collect() {
      // A database that does not answer leaves the gauge out of this scrape, not the whole scrape.
      this.reset()
      const b = await deliveryBacklog(app.db).catch(() => undefined)
      if (!b) return
      this.set({ status: 'pending' }, b.pending)
      this.set({ status: 'dead' }, b.dead)
    },
  })
  const servers: Server[] = []
  app.decorate('metrics', { registry, jobRuns, servers })
  app.addHook('onClose', async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()) })))
  })

  // Callback style (#18): no promise per request.
  app.addHook('onRequest', (request, _reply, done) => {
    request.metricsStart = process.hrtime.bigint()
    done()
  })
  app.addHook('onResponse', (request, reply, done) => {
    // The pattern the router matched, never the URL: no id reaches a label.
    const route = request.routeOptions.url ?? 'unmatched'
    const labels = { method: METHODS.has(request.method) ? request.method : 'OTHER', route, status_code: String(reply.statusCode) }
    requests.inc(labels)
    if (request.metricsStart !== undefined) duration.observe(labels, Number(process.hrtime.bigint() - request.metricsStart) / 1e9)
    done()
  })
}, { name: 'metrics' })

/** The metrics listener: GET /metrics only; closed with the app (the plugin's onClose). Resolves once it listens. */
export async function startMetricsServer(app: FastifyInstance, opts: { port: number; host: string; processMetrics?: boolean }): Promise<Server> {
  const { registry } = app.metrics
  if (opts.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'm2m_' })
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
      return
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(text),
      (err) => {
        app.log.warn({ err }, 'metrics collection failed')
        res.writeHead(503, { 'content-type': 'text/plain' }).end('metrics unavailable\n')
      },
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => resolve())
  })
  app.metrics.servers.push(server)
  return server
}
