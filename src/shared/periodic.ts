// A background job of a route plugin: runs every `everyMs` while the app is up, never two runs at
// once in this process (several replicas coordinate in the job itself, with an advisory lock), a
// failure logged and the next run tried as usual. Not in tests: they run jobs when they choose.
import type { FastifyInstance } from 'fastify'

export function runPeriodically(app: FastifyInstance, everyMs: number, job: () => Promise<number>, what: { done: (n: number) => Record<string, number>; doneMsg: string; failedMsg: string }) {
  let timer: NodeJS.Timeout | undefined
  let running = false
  app.addHook('onReady', async () => {
    timer = setInterval(() => {
      if (running) return
      running = true
      job()
        .then((n) => n && app.log.debug(what.done(n), what.doneMsg))
        .catch((err) => app.log.warn({ err }, what.failedMsg))
        .finally(() => { running = false })
    }, everyMs)
    timer.unref()
  })
  app.addHook('onClose', async () => clearInterval(timer))
}
