// Security headers (helmet) on every answer: registered first, so its onRequest hook runs before
// any hook that may refuse the request (Accept-Language, Accept, authentication): a 400, 401, 403,
// 404, 406 or 429 carries the same headers as a 200. The answers Fastify writes before any hook runs
// (an over-long or malformed URL, a client error on the socket) take them from securityHeaders().
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'

export const HELMET_OPTIONS: HelmetOptions = {
  // The API serves JSON; /docs (swagger-ui) needs its own scripts and styles.
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      frameAncestors: ["'none'"],
    },
  },
  crossOriginResourcePolicy: { policy: 'same-site' },
}

let computed: Readonly<Record<string, string>> | undefined

/** The headers helmet sets with HELMET_OPTIONS (lower-case names), computed once. */
export function securityHeaders(): Readonly<Record<string, string>> {
  if (computed) return computed
  const out: Record<string, string> = {}
  const res = {
    setHeader: (name: string, value: unknown) => { out[name.toLowerCase()] = String(value) },
    removeHeader: (name: string) => { delete out[name.toLowerCase()] },
    getHeader: (name: string) => out[name.toLowerCase()],
  }
  // helmet's middleware reads no request header and writes through these three methods only.
  helmet(HELMET_OPTIONS)({ headers: {} } as Parameters<ReturnType<typeof helmet>>[0], res as unknown as Parameters<ReturnType<typeof helmet>>[1], () => {})
  computed = Object.freeze(out)
  return computed
}

// #18: the headers are the same on every answer, so they are computed once (helmet itself, with
// HELMET_OPTIONS) and set from that object; @fastify/helmet ran helmet's middleware chain, CSP
// directives parsing included, on every request.
export default fp(async (app) => {
  const headers = securityHeaders()
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers)
    done()
  })
}, { name: 'headers' })
