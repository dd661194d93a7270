// GET /health/live (the process answers) and /health/ready (the database answers, within 1.5 s).
import { sql } from 'kysely'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AppError } from '../../errors/app-error.ts'
import { publicProblems } from '../../shared/schemas.ts'

const StatusSchema = Type.Object({ status: Type.String({ maxLength: 32 }) })
// Under 2 s end to end: a load balancer takes the replica out within 2 s of the database hanging.
const READY_TIMEOUT_MS = 1500

const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health/live', {
    config: { public: true },
    schema: { description: 'Answers 200 while the process runs: for the orchestrator\'s liveness probe. Not rate-limited.', operationId: 'getLiveness', tags: ['health'], summary: 'The process is up', security: [], response: { 200: StatusSchema } },
  }, async (_req, reply) => {
    reply.header('cache-control', 'no-store')
    return { status: 'ok' }
  })

  app.get('/health/ready', {
    config: { public: true },
    schema: { description: 'Answers 200 when the database answers, 503 otherwise or while the process is stopping: for the load balancer\'s readiness probe. Not rate-limited.', operationId: 'getReadiness', tags: ['health'], summary: 'The database answers', security: [], response: { 200: StatusSchema, ...publicProblems() } },
  }, async (_req, reply) => {
    reply.header('cache-control', 'no-store')
    // Stopping (SIGTERM): out of the load balancer's rotation while the requests in flight finish.
    if (app.lifecycle.draining) throw new AppError('service-unavailable', { en: 'The service is shutting down.', fr: 'Le service est en cours d’arrêt.' })
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('readiness timeout')), READY_TIMEOUT_MS)
    })
    try {
      await Promise.race([sql`SELECT 1`.execute(app.db), timeout])
    } catch {
      throw new AppError('service-unavailable', { en: 'The database does not answer.', fr: 'La base de données ne répond pas.' })
    } finally {
      clearTimeout(timer)
    }
    return { status: 'ready' }
  })
}
export default health
