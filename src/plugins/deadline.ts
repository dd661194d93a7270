// The handler deadline: a request still unanswered REQUEST_TIMEOUT_MS after it arrived is answered
// 503 (request-timeout, plugins/problem.ts) instead of holding its client forever. #18: Fastify's
// own handlerTimeout made an AbortController, a timer and a 'close' listener for every request;
// here one timer per app sweeps the requests in flight (in arrival order, so a sweep stops at the
// first one still in time). A sweep answers every request that would pass its deadline before the
// next sweep, so a request is answered at most one sweep period (a tenth of the deadline, between
// 50 ms and 1 s) before its deadline and never after it (Node's own requestTimeout, the same
// value, would otherwise close the socket first). Nothing in the service reads request.signal.
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

/** What problem.ts maps to a 503 request-timeout, as Fastify's FST_ERR_HANDLER_TIMEOUT was. */
class HandlerTimeoutError extends Error {
  readonly code = 'FST_ERR_HANDLER_TIMEOUT'
  readonly statusCode = 503
  constructor(ms: number, route: string | undefined) {
    super(`Request timed out after ${ms} ms on route '${route ?? ''}'`)
    this.name = 'FastifyError'
  }
}

interface InFlight { reply: FastifyReply; deadline: number }

export default fp<{ timeoutMs: number }>(async (app, { timeoutMs }) => {
  if (!(timeoutMs > 0)) return
  const inFlight = new Set<InFlight>()
  const entries = new WeakMap<FastifyRequest, InFlight>()
  const period = Math.min(1000, Math.max(50, Math.floor(timeoutMs / 10)))

  const sweep = () => {
    const horizon = performance.now() + period
    for (const entry of inFlight) {
      if (entry.deadline > horizon) break // arrival order: every later one is in time too
      inFlight.delete(entry)
      const { reply } = entry
      if (reply.sent || reply.raw.writableEnded) continue
      if (reply.raw.headersSent) {
        reply.raw.destroy(new HandlerTimeoutError(timeoutMs, reply.request.routeOptions.url))
        continue
      }
      reply.send(new HandlerTimeoutError(timeoutMs, reply.request.routeOptions.url))
    }
  }
  let timer: NodeJS.Timeout | undefined
  const ensureTimer = () => {
    if (timer) return
    timer = setInterval(() => {
      sweep()
      if (inFlight.size === 0) { clearInterval(timer); timer = undefined }
    }, period)
    timer.unref()
  }

  app.addHook('onRequest', (request, reply, done) => {
    const entry = { reply, deadline: performance.now() + timeoutMs }
    inFlight.add(entry)
    entries.set(request, entry)
    ensureTimer()
    done()
  })
  const settle = (request: FastifyRequest) => {
    const entry = entries.get(request)
    if (entry) inFlight.delete(entry)
  }
  app.addHook('onResponse', (request, _reply, done) => { settle(request); done() })
  app.addHook('onRequestAbort', (request, done) => { settle(request); done() })
  app.addHook('onClose', async () => { if (timer) clearInterval(timer); inFlight.clear() })
}, { name: 'deadline' })
