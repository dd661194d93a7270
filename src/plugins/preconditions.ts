// Optimistic concurrency on every single resource (SPEC §4), declared per route with `config.etag`:
// - a write route gets the `If-Match` header in its schema (a malformed value is a 400) and the 412
//   `precondition-failed` problem in its documented responses; the comparison itself runs in the
//   action's policy check, in the write's transaction, on the locked row (shared/etag.ts);
// - every 2xx answer whose body carries the row `version` gets `ETag: "<kind><version>"`, unless the
//   handler set one itself (the Ambassador public view, the de-identified engagement view), so the
//   ETag a write answers is the ETag the next GET answers.
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Type, type TObject } from 'typebox'
import { etagOf, IfMatchHeader, viewEtag, type EtagKind } from '../shared/etag.ts'
import { problems } from '../shared/schemas.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The single resource the route reads or changes: ETag on its answers, If-Match on its writes.
     * `{ kind, ifMatch: false }` for a route that creates one (its 201 carries the new ETag).
     */
    etag?: EtagKind | { kind: EtagKind; ifMatch: false }
  }
}

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const EtagResponseHeader = { ETag: { type: 'string', maxLength: 64, pattern: String.raw`^(W/)?"[\x21\x23-\x7E]*"$`, description: 'The resource’s entity tag: send it back in If-Match to change it.' } }

const carriesVersion = (schema: unknown): boolean => {
  const s = schema as { properties?: { version?: unknown }; anyOf?: unknown } | null | undefined
  return Boolean(s?.properties?.version) || (Array.isArray(s?.anyOf) && s.anyOf.some(carriesVersion))
}

export default fp(
  async (app) => {
    app.addHook('onRoute', (route) => {
      const declared = route.config?.etag
      if (!declared) return
      const kind = typeof declared === 'string' ? declared : declared.kind
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      const schema = (route.schema ??= {}) as { headers?: TObject; response?: Record<string, { headers?: unknown } | undefined> }
      const response = (schema.response ??= {})
      if (typeof declared === 'string' && methods.some((m) => WRITE.has(m))) {
        const headers = schema.headers?.properties ?? {}
        schema.headers = Type.Object({ ...headers, 'if-match': Type.Optional(IfMatchHeader) })
        if (!response[412]) response[412] = problems('precondition-failed')[412] as { headers?: unknown }
      }
      const read = methods.every((m) => m === 'GET' || m === 'HEAD')
      for (const status of Object.keys(response)) {
        // Documented where it is sent: a read, or an answer that is the resource (it has `version`).
        if (/^2\d\d$/.test(status) && response[status] && !response[status].headers && (read || carriesVersion(response[status]))) {
          response[status] = { ...response[status], headers: EtagResponseHeader }
        }
      }
      const hooks = route.preSerialization ? [route.preSerialization].flat() : []
      route.preSerialization = [...hooks, async (_request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
        if (reply.statusCode >= 200 && reply.statusCode < 300 && !reply.hasHeader('etag')) {
          const version = (payload as { version?: unknown } | null)?.version
          if (typeof version === 'number') reply.header('etag', etagOf(kind, version))
          // A read of a view without the version (nmno's de-identified engagement): a weak tag of what
          // is sent, which moves only when that view does and tells nothing it does not show.
          else if (read && payload && typeof payload === 'object') reply.header('etag', viewEtag(kind, payload))
        }
        return payload
      }]
    })
  },
  { name: 'preconditions' },
)
