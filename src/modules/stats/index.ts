// Routes for /v1/stats (RPT-4): anonymized statistics for hr_analyst, nmno and governance. JSON by
// default, CSV with `Accept: text/csv`. Also runs the rollup job (see job.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../../config.ts'
import { negotiateMediaType } from '../../shared/http.ts'
import { problems } from '../../shared/schemas.ts'
import { EngagementStatsQuerySchema, EngagementStatsSchema, ProgramStatsQuerySchema, ProgramStatsSchema, SurveyStatsQuerySchema, SurveyStatsSchema } from './schemas.ts'
import { engagementCsv, engagementStats, programCsv, programStats, surveyCsv, surveyStats } from './service.ts'

const ROLES = ['hr_analyst', 'nmno', 'governance'] as const
const CSV_NOTE = ' JSON by default; `Accept: text/csv` answers the same figures as CSV (one row per cell, then the total).'
/** How often the rollup job runs (a report is counted at once either way: see job.ts). */

// The same negotiation as the 406 check (plugins/problem.ts): JSON unless Accept prefers CSV.
const wantsCsv = (req: FastifyRequest) => negotiateMediaType(req.headers.accept, ['application/json', 'text/csv']) === 'text/csv'

function send<T>(req: FastifyRequest, reply: FastifyReply, answer: T, csv: (a: T) => string) {
  reply.header('cache-control', 'private, no-store').header('vary', 'Accept')
  if (wantsCsv(req)) return reply.type('text/csv; charset=utf-8').send(csv(answer))
  return answer
}

const response = (schema: object) => ({
  200: { description: 'The statistics (JSON), or the same as CSV', content: { 'application/json': { schema }, 'text/csv': { schema: { type: 'string' } } } },
  ...problems(),
})

const stats: FastifyPluginAsyncTypebox<{ config: Readonly<Config> }> = async (app, { config }) => {
  const threshold = config.statsMinCell

  app.get('/engagements', {
    config: { roles: ROLES },
    schema: {
      operationId: 'getEngagementStats', tags: ['stats'],
      summary: 'Interactions (the Ambassadors’ reports) or closures, by month, mode, language, topic, referral category, stage, urgency (and outcome for closures); small cells suppressed (RPT-4).' + CSV_NOTE,
      querystring: EngagementStatsQuerySchema,
      response: response(EngagementStatsSchema),
    },
  }, async (req, reply) => send(req, reply, await engagementStats(app.db, threshold, req.query), engagementCsv))

  app.get('/surveys', {
    config: { roles: ROLES },
    schema: {
      operationId: 'getSurveyStats', tags: ['stats'],
      summary: 'Survey results by month: responses, means (over at least the threshold), answer counts; small cells suppressed (RPT-2, RPT-3, RPT-4).' + CSV_NOTE,
      querystring: SurveyStatsQuerySchema,
      response: response(SurveyStatsSchema),
    },
  }, async (req, reply) => send(req, reply, await surveyStats(app.db, threshold, req.query), surveyCsv))

  app.get('/program', {
    config: { roles: ROLES },
    schema: {
      operationId: 'getProgramStats', tags: ['stats'],
      summary: 'Program counts: Ambassadors by status, engagements requested, closed, declined, withdrawn and expired by month; small cells suppressed (RPT-4, REV-6).' + CSV_NOTE,
      querystring: ProgramStatsQuerySchema,
      response: response(ProgramStatsSchema),
    },
  }, async (req, reply) => send(req, reply, await programStats(app.db, threshold, req.query, config.ambassadorHoursPerMonth), programCsv))
}
export default stats
