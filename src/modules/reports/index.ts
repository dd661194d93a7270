// Routes for /v1/reports (RPT-1): the assigned Ambassador submits; nmno reads the rows, an
// Ambassador their own. HR never sees rows (SPEC §2): aggregated statistics only (/v1/stats).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Page, problems } from '../../shared/schemas.ts'
import { CreateReportBodySchema, ListReportsQuerySchema, ReportSchema } from './schemas.ts'
import { listReportsFor, submitReport } from './service.ts'
import { noStore } from '../../shared/http.ts'

const reports: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onSend', noStore)

  app.post('', {
    config: { roles: ['manager'], action: 'report.create' },
    schema: {
      description: 'The assigned Ambassador reports one interaction of their engagement: enumerations and numbers only, never free text. They feed the statistics.',
      operationId: 'submitReport', tags: ['reports'],
      summary: 'The assigned Ambassador reports an interaction: enumerations and numbers only, no free text (RPT-1)',
      body: CreateReportBodySchema,
      response: { 201: ReportSchema, ...problems('not-found', 'invalid-transition', 'rule-violated', 'already-exists', 'idempotency-key-reused', 'idempotency-in-progress') },
    },
  }, async (req, reply) => reply.code(201).send(await submitReport(app.db, req.actor, req.body)))

  app.get('', {
    config: { roles: ['manager', 'nmno'] },
    schema: {
      description: 'One page of interaction reports, newest first: an Ambassador their own; nmno every report, or one Ambassador\'s.',
      operationId: 'listReports', tags: ['reports'],
      summary: 'Statistical reports, newest first: nmno all (optionally one Ambassador’s), an Ambassador their own (RPT-1)',
      querystring: ListReportsQuerySchema,
      response: { 200: Page(ReportSchema), ...problems('invalid-cursor') },
    },
  }, async (req) => listReportsFor(app.db, req.actor, req.query))
}
export default reports
