// HTTP helpers shared by route plugins.
import type { FastifyReply, FastifyRequest } from 'fastify'
import Negotiator from 'negotiator'

/**
 * onSend hook for plugins whose every answer is personal or confidential: no shared or browser
 * cache keeps a copy (RET-3). Registered with `app.addHook('onSend', noStore)`.
 */
export async function noStore(_req: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.header('cache-control', 'no-store')
}

/**
 * Proactive content negotiation (RFC 9110 §12.5.1): the best of `available` for the request's
 * Accept header, the first one when there is no Accept header, undefined when Accept excludes them
 * all (a 406). Ties go to the order of `available` (JSON first).
 */
export function negotiateMediaType(accept: string | string[] | undefined, available: readonly string[]): string | undefined {
  const header = Array.isArray(accept) ? accept.join(', ') : accept
  if (header === undefined || header.trim() === '') return available[0]
  return new Negotiator({ headers: { accept: header } }).mediaType([...available])
}
