// Routes for /v1/audit: the office's and governance's view of the trail (ids only, managers
// pseudonymized) and its verification (AUD-1, AUD-2).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Page, problems } from '../../shared/schemas.ts'
import { AuditEventSchema, ListAuditEventsQuerySchema, VerificationSchema } from './schemas.ts'
import { listAuditEvents, verifyAudit } from './service.ts'
import { noStore } from '../../shared/http.ts'

const audit: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)

  app.get('/events', {
    config: { roles: ['nmno', 'governance'] },
    schema: {
      description: 'One page of audit events, newest first: ids and actions only; a manager appears as a keyed pseudonym.',
      operationId: 'listAuditEvents', tags: ['audit'],
      summary: 'Audit events, newest first: ids only; a manager appears as a keyed pseudonym (AUD-1)',
      querystring: ListAuditEventsQuerySchema,
      response: { 200: Page(AuditEventSchema), ...problems('invalid-cursor') },
    },
  }, async (req) => listAuditEvents(app.db, req.query))

  app.get('/verify', {
    config: { roles: ['nmno', 'governance'] },
    schema: {
      description: 'Recomputes every hash chain of the audit trail and names the first edited or missing event, with each chain\'s head to keep outside the database.',
      operationId: 'verifyAuditTrail', tags: ['audit'],
      summary: 'Recomputes every chain of the audit trail and names the first edited or missing event (AUD-2)',
      response: { 200: VerificationSchema, ...problems() },
    },
  }, async () => verifyAudit(app.db))
}
export default audit
