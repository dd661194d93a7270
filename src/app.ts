// buildApp({ config, db? }): registers plugins/, then modules/. Never listens (server.ts does).
import { randomUUID } from 'node:crypto'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Config } from './config.ts'
import { createDatabase, type Db } from './db/database.ts'
import { useKeys } from './shared/crypto.ts'
import { buildSerializer, validatorFor } from './shared/compilers.ts'
// The composition root of the policies: importing it registers every module's actions (policy/registry.ts).
import './policy/actions.ts'
import ambassadors from './modules/ambassadors/index.ts'
import audit from './modules/audit/index.ts'
import conductGuidelines from './modules/conduct-guidelines/index.ts'
import engagementTerms from './modules/engagement-terms/index.ts'
import concerns from './modules/concerns/index.ts'
import selfCareCheckIns from './modules/self-care-check-ins/index.ts'
import conflictDeclarations from './modules/conflict-declarations/index.ts'
import consents, { engagementConsentRoutes } from './modules/consents/index.ts'
import engagements from './modules/engagements/index.ts'
import crisisEscalations from './modules/crisis-escalations/index.ts'
import disclosures from './modules/disclosures/index.ts'
import { accessLogRoutes } from './modules/audit/access-log.ts'
import { engagementPurgeRoutes } from './modules/retention/index.ts'
import goals from './modules/goals/index.ts'
import meetings from './modules/meetings/index.ts'
import referrals from './modules/referrals/index.ts'
import health from './modules/health/index.ts'
import me from './modules/me/index.ts'
import notifications from './modules/notifications/index.ts'
import org from './modules/org/index.ts'
import reports from './modules/reports/index.ts'
import resources from './modules/resources/index.ts'
import stats from './modules/stats/index.ts'
import governance from './modules/governance/index.ts'
import program from './modules/program/index.ts'
import surveys from './modules/surveys/index.ts'
import webhooks from './modules/webhooks/index.ts'
import waitlist from './modules/waitlist/index.ts'
import revocationCases, { reinstatementRoutes } from './modules/revocation-cases/index.ts'
import auditTrail from './plugins/audit.ts'
import auth from './plugins/auth.ts'
import dbPlugin from './plugins/db.ts'
import deadline from './plugins/deadline.ts'
import headers from './plugins/headers.ts'
import idempotency from './plugins/idempotency.ts'
import { loggerOptions } from './plugins/logging.ts'
import metrics from './plugins/metrics.ts'
import policyGuard from './plugins/policy-guard.ts'
import preconditions from './plugins/preconditions.ts'
import problem, { clientErrorHandler, frameworkErrors } from './plugins/problem.ts'
import security from './plugins/security.ts'
import swagger from './plugins/swagger.ts'

export interface BuildOptions {
  config: Readonly<Config>
  /** An existing database (tests); otherwise one is created from config and closed with the app. */
  db?: Db
  /** Where logs go (tests capture them). */
  logStream?: NodeJS.WritableStream
}

export type App = FastifyInstance

declare module 'fastify' {
  interface FastifyInstance {
    /** draining: the process is stopping (server.ts); readiness answers 503 from then on. */
    lifecycle: { draining: boolean }
  }
}

export async function buildApp(opts: BuildOptions): Promise<App> {
  const { config } = opts
  // The keys of pseudonyms, keyed hashes and sealed fields (src/shared/crypto.ts).
  useKeys(config)
  const logger: FastifyServerOptions['logger'] = loggerOptions(config, opts.logStream)
  const app = Fastify({
    logger,
    // X-Request-Id: a caller's id that passes REQUEST_ID (iService's correlation id) is kept as the
    // request id (logs, audit events, problems) and echoed; anything else is replaced by a UUID,
    // never refused. Fastify's own requestIdHeader would take the header unchecked.
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id']
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID()
    },
    bodyLimit: config.bodyLimit,
    // Behind a load balancer every client would share its address (one failed-authentication
    // budget for all): TRUST_PROXY names the balancers whose X-Forwarded-For is believed.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    requestTimeout: config.requestTimeoutMs,
    // A handler still running after REQUEST_TIMEOUT_MS answers 503: plugins/deadline.ts (#18: one
    // sweeping timer per app, not Fastify's handlerTimeout and its timer per request).
    connectionTimeout: config.requestTimeoutMs,
    keepAliveTimeout: 5_000,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: false },
    // What Fastify and Node answer before any hook (414, a bad URL, an unparsable request) is a
    // problem too (plugins/problem.ts).
    frameworkErrors: (err, request, reply) => { void frameworkErrors(err, request, reply) },
    clientErrorHandler,
    // Compiled once per process, shared by every app it builds (shared/compilers.ts).
    schemaController: { compilersFactory: { buildSerializer } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.decorate('lifecycle', { draining: false })

  // The API reads JSON only: a text/plain body is a 415, not a string handed to validation.
  app.removeContentTypeParser('text/plain')

  app.setValidatorCompiler(validatorFor)

  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id)
    done(null, payload)
  })

  const ownsDb = !opts.db
  const db = opts.db ?? createDatabase(config).db

  await app.register(headers)
  await app.register(deadline, { timeoutMs: config.requestTimeoutMs })
  await app.register(metrics)
  await app.register(problem)
  await app.register(dbPlugin, { db, ownsDb })
  await app.register(auth, { config })
  await app.register(security, { config })
  await app.register(idempotency, { requestTimeoutMs: config.requestTimeoutMs })
  await app.register(auditTrail)
  await app.register(policyGuard)
  await app.register(preconditions)
  await app.register(swagger)

  await app.register(health)
  await app.register(me, { prefix: '/v1/me', config })
  await app.register(selfCareCheckIns, { prefix: '/v1/me/self-care-check-ins' })
  await app.register(ambassadors, { prefix: '/v1/ambassadors' })
  await app.register(conductGuidelines, { prefix: '/v1/conduct-guidelines' })
  await app.register(engagementTerms, { prefix: '/v1/engagement-terms' })
  await app.register(concerns, { prefix: '/v1/concerns' })
  await app.register(notifications, { prefix: '/v1/notifications' })
  await app.register(conflictDeclarations, { prefix: '/v1/conflict-declarations' })
  await app.register(org, { prefix: '/v1/org' })
  await app.register(resources, { prefix: '/v1/resources' })
  await app.register(engagements, { prefix: '/v1/engagements' })
  await app.register(meetings, { prefix: '/v1/engagements' })
  await app.register(goals, { prefix: '/v1/engagements' })
  await app.register(referrals, { prefix: '/v1/engagements' })
  await app.register(engagementConsentRoutes, { prefix: '/v1/engagements' })
  await app.register(disclosures, { prefix: '/v1/engagements' })
  await app.register(crisisEscalations, { prefix: '/v1/engagements' })
  await app.register(accessLogRoutes, { prefix: '/v1/engagements' })
  await app.register(engagementPurgeRoutes, { prefix: '/v1/engagements' })
  await app.register(consents, { prefix: '/v1/consents' })
  await app.register(reports, { prefix: '/v1/reports' })
  await app.register(surveys, { prefix: '/v1/surveys' })
  await app.register(stats, { prefix: '/v1/stats', config })
  await app.register(governance, { prefix: '/v1/governance', config })
  await app.register(program, { prefix: '/v1/program' })
  await app.register(waitlist, { prefix: '/v1/waitlist', config })
  await app.register(revocationCases, { prefix: '/v1/revocation-cases' })
  await app.register(reinstatementRoutes, { prefix: '/v1/ambassadors' })
  await app.register(audit, { prefix: '/v1/audit' })
  await app.register(webhooks, { prefix: '/v1/webhooks', config })
  return app
}

/** An incoming X-Request-Id that is kept: 1–128 characters of [A-Za-z0-9._:-] (a UUID, a ULID, a trace id). */
export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** proxy-addr's trust function for a count of hops: the n nearest proxies are believed. */
const trustHops = (n: number) => (_address: string, hop: number) => hop < n
