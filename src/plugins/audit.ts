// The audit trail's HTTP side (AUD-1): a refused write's event, carried by its error, is appended
// once the write's transaction has rolled back; a read of identified engagement data (a route
// whose config names `audit`) appends its event before the answer leaves, success or denied, so
// nobody reads an engagement unseen (AUD-3).
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { appendAuditEvent, appendAuditEvents, auditActor } from '../policy/audit.ts'
import { deniedAuditEventOf } from '../policy/authorize.ts'

export default fp(
  async (app) => {
    app.addHook('onError', async (request, _reply, err) => {
      const event = deniedAuditEventOf(err)
      if (!event) return
      try {
        await appendAuditEvents(app.db, [event])
      } catch (e) {
        // The refusal stands either way; say that its event is missing, without its content.
        request.log.error({ err: { code: (e as { code?: string }).code } }, 'audit: a denied attempt could not be recorded')
      }
    })

    // #18: callback style, so that a route without `audit` (the directory) costs no promise here.
    app.addHook('onSend', (request, reply, payload, done) => {
      if (!request.routeOptions.config.audit || !request.actor) { done(null, payload); return }
      auditRead(request, reply, payload).then((p) => done(null, p), done)
    })
    const auditRead = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const audit = request.routeOptions.config.audit!
      const status = reply.statusCode
      const outcome = status < 300 ? 'success' : status === 403 || status === 404 ? 'denied' : undefined
      if (!outcome) return payload
      const params = (request.params ?? {}) as Record<string, string | undefined>
      const engagementId = params.id ?? null
      const who = await auditActor(app.db, request.actor, 'participant', undefined, engagementId)
      // One statement, committed before the answer leaves (#18: no BEGIN and COMMIT round trips).
      await appendAuditEvent(app.db, {
        ...who, action: audit.action, resourceType: audit.resourceType,
        resourceId: (audit.resourceParam ? params[audit.resourceParam] : undefined) ?? engagementId,
        engagementId, outcome, requestId: request.id,
      })
      return payload
    }
  },
  { name: 'audit', dependencies: ['db', 'auth'] },
)
