// pino options (CONF-3): no tokens, no manager identities, no request bodies, no query strings,
// and no database error details (a pg error's `detail` carries row values).
import type { FastifyServerOptions } from 'fastify'
import type { Config } from '../config.ts'

function serializeError(err: any) {
  if (!err || typeof err !== 'object') return err
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
      req: (req: any) => ({ method: req.method, route: req.routeOptions?.url ?? 'unmatched' }),
      res: (res: any) => ({ statusCode: res.statusCode }),
      err: serializeError,
    },
  }
}
