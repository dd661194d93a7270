// @m2m/client: a typed client of the M2M Network API. The types (schema.d.ts) are generated from
// the committed contract by `npm run openapi`; the calls go through openapi-fetch, so every path,
// parameter, body and answer is checked by the TypeScript compiler against openapi/openapi.json.
//
//   const m2m = createM2MClient('https://m2m.example/', token)
//   const { data, error, response } = await m2m.GET('/v1/engagements/{id}', { params: { path: { id } } })
//
// `error` is the RFC 9457 problem (`code`, `title`, `detail`, `requestId`) when the answer is not 2xx.
import createClient, { type Client, type Middleware } from 'openapi-fetch'
import type { components, paths } from './schema.d.ts'

export type { components, operations, paths } from './schema.d.ts'
export type M2MClient = Client<paths>
export type Problem = components['schemas']['Problem']

export interface M2MClientOptions {
  /** The language of problems and translated fields (Accept-Language); English by default. */
  language?: 'en' | 'fr'
  /** A fetch to use instead of the global one (tests, proxies, retries). */
  fetch?: typeof globalThis.fetch
  /**
   * The X-Request-Id of each request, for correlating iService's logs with the API's; a UUID per
   * request by default. It must be 1–128 of A-Z a-z 0-9 . _ : - (anything else is replaced).
   */
  requestId?: () => string
}

/**
 * A client for the API at `baseUrl`, calling with `token` (a bearer JWT, or a function giving the
 * current one, called on every request so that a refreshed token is picked up).
 */
export function createM2MClient(baseUrl: string, token: string | (() => string | Promise<string>), options: M2MClientOptions = {}): M2MClient {
  const client = createClient<paths>({ baseUrl: baseUrl.replace(/\/+$/, ''), ...(options.fetch ? { fetch: options.fetch } : {}) })
  const nextRequestId = options.requestId ?? (() => crypto.randomUUID())
  const headers: Middleware = {
    async onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${typeof token === 'function' ? await token() : token}`)
      if (!request.headers.has('x-request-id')) request.headers.set('x-request-id', nextRequestId())
      if (options.language && !request.headers.has('accept-language')) request.headers.set('accept-language', options.language)
      return request
    },
  }
  client.use(headers)
  return client
}
