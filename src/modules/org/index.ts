// Routes for /v1/org (COI-2): the reporting-lines snapshot that conflict of interest walks.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { problems } from '../../shared/schemas.ts'
import { REPORTING_LINES_BODY_LIMIT, ReplaceReportingLinesBodySchema, ReportingLinesImportSchema } from './schemas.ts'
import { importReportingLines } from './service.ts'

const org: FastifyPluginAsyncTypebox = async (app) => {
  app.put('/reporting-lines', {
    bodyLimit: REPORTING_LINES_BODY_LIMIT,
    config: { roles: ['nmno'], action: 'reporting-lines.replace' },
    schema: {
      description: 'Replaces the whole reporting-lines snapshot used to find supervisory conflicts of interest (at most 50,000 lines).',
      operationId: 'replaceReportingLines', tags: ['org'],
      summary: 'Replace the reporting-lines snapshot {employeeRef, supervisorRef, orgUnit} (nmno or the HR feed, COI-2; at most 50 000 lines)',
      body: ReplaceReportingLinesBodySchema,
      response: { 200: ReportingLinesImportSchema, ...problems('payload-too-large', 'unsupported-media-type') },
    },
  }, async (req, reply) => {
    reply.header('cache-control', 'no-store')
    return importReportingLines(app.db, req.actor, req.body)
  })
}
export default org
