// HTTP helpers shared by route plugins.
import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * onSend hook for plugins whose every answer is personal or confidential: no shared or browser
 * cache keeps a copy (RET-3). Registered with `app.addHook('onSend', noStore)`.
 */
export async function noStore(_req: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.header('cache-control', 'no-store')
}
