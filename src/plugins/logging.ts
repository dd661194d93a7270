// pino options (CONF-3): no tokens, no manager identities, no request bodies, no query strings,
// and no database error details (a pg error's `detail` carries row values).
import type { FastifyServerOptions } from 'fastify'
import type { Config } from '../config.ts'

/** The fields of an error (or a pg DatabaseError) that may be logged. */
type LoggedError = { severity?: unknown; routine?: unknown; name?: string; code?: unknown; message?: string; stack?: string; constructor?: { name?: string } }

function serializeError(thrown: unknown) {
  if (!thrown || typeof thrown !== 'object') return thrown
  const err = thrown as LoggedError
  const isPg = typeof err.severity === 'string' || typeof err.routine === 'string'
  return {
    type: isPg ? 'DatabaseError' : (err.name ?? err.constructor?.name ?? 'Error'),
    code: err.code,
    // A PostgreSQL message can quote input values; keep only its SQLSTATE.
    message: isPg ? undefined : err.message,
    stack: isPg ? undefined : err.stack,
  }
}

export function loggerOptions(config: Readonly<Config>, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    ...(stream ? { stream } : {}),
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'authorization', 'token', '*.token', '*.surveyToken', 'body', '*.body'],
      censor: '[redacted]',
    },
    serializers: {
      // The route pattern, never the URL: query strings and path values stay out of the logs.
      req: (req: { method: string; routeOptions?: { url?: string } }) => ({ method: req.method, route: req.routeOptions?.url ?? 'unmatched' }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      // fastify's type requires a message and a stack, which a pg error's are left out of on purpose.
      err: serializeError as unknown as (err: Error) => { type: string; message: string; stack: string },
    },
  }
}
