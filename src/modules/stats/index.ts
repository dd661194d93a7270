// Routes for /v1/stats (RPT-4): anonymized statistics for hr_analyst, nmno and governance. JSON by
// default, CSV with `Accept: text/csv`. Also runs the rollup job (see job.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../../config.ts'
import { negotiateMediaType } from '../../shared/http.ts'
import { problems } from '../../shared/schemas.ts'
import { WaitlistStatsQuerySchema, WaitlistStatsSchema, PilotStatsQuerySchema, PilotStatsSchema, EngagementStatsQuerySchema, EngagementStatsSchema, ProgramStatsQuerySchema, ProgramStatsSchema, SurveyStatsQuerySchema, SurveyStatsSchema } from './schemas.ts'
import { hasRole } from '../../policy/actor.ts'
import { chartSvg, engagementBars, engagementsTitle, pilotBars, pilotTitle } from './chart.ts'
import { pilotCsv, pilotStats } from './pilot.ts'
import { engagementCsv, engagementStats, programCsv, programStats, surveyCsv, surveyStats, waitlistCsv, waitlistStats } from './service.ts'

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

/** JSON, CSV or an SVG chart of the same figures (#15 item 3), in the caller's language. */
async function sendCharted<T>(req: FastifyRequest, reply: FastifyReply, answer: T, csv: (a: T) => string, chart: (a: T, lang: 'en' | 'fr') => Promise<string>) {
  reply.header('cache-control', 'private, no-store').header('vary', 'Accept, Accept-Language')
  const type = negotiateMediaType(req.headers.accept, ['application/json', 'text/csv', 'image/svg+xml'])
  if (type === 'text/csv') return reply.type('text/csv; charset=utf-8').send(csv(answer))
  if (type === 'image/svg+xml') return reply.type('image/svg+xml; charset=utf-8').header('content-language', req.lang).send(await chart(answer, req.lang))
  return answer
}

/** The CSV answer (Accept: text/csv), documented as its own response content. */
const CSV = {
  schema: { type: 'string', maxLength: 50_000_000, description: 'RFC 4180 CSV (UTF-8, CRLF lines): a header line naming the columns, then the figures of the JSON answer, one line each (its cells, then its total)' },
}
const SVG = { schema: { type: 'string', maxLength: 5_000_000, description: 'An SVG 1.1 chart of the published figures, titled in the language of Accept-Language' } }

const response = (schema: object) => ({
  200: { description: 'The statistics (JSON), or the same as CSV', content: { 'application/json': { schema }, 'text/csv': CSV } },
  ...problems(),
})

const chartedResponse = (schema: object) => ({
  200: {
    description: 'The statistics (JSON), the same as CSV, or an SVG chart of the same published figures (in the language of Accept-Language)',
    content: { 'application/json': { schema }, 'text/csv': CSV, 'image/svg+xml': SVG },
  },
  ...problems(),
})

const stats: FastifyPluginAsyncTypebox<{ config: Readonly<Config> }> = async (app, { config }) => {
  const threshold = config.statsMinCell

  app.get('/engagements', {
    config: { roles: ROLES },
    schema: {
      description: 'Counts of interactions or closures over a range of months, grouped by the dimensions asked for (`groupBy`); counts are perturbed and small cells suppressed. JSON, or CSV with `Accept: text/csv`, or an SVG chart.',
      operationId: 'getEngagementStats', tags: ['stats'],
      summary: 'Interactions (the Ambassadors’ reports) or closures, by month, mode, language, topic, referral category, stage, urgency (and outcome for closures); small cells suppressed (RPT-4).' + CSV_NOTE,
      querystring: EngagementStatsQuerySchema,
      response: chartedResponse(EngagementStatsSchema),
    },
  }, async (req, reply) => sendCharted(req, reply, await engagementStats(app.db, threshold, req.query), engagementCsv,
    (a, lang) => chartSvg(engagementBars(a, lang), engagementsTitle(a, lang), lang)))

  app.get('/surveys', {
    config: { roles: ROLES },
    schema: {
      description: 'Survey results over a range of months: responses, answer counts and means, perturbed, with small cells suppressed. JSON, or CSV with `Accept: text/csv`.',
      operationId: 'getSurveyStats', tags: ['stats'],
      summary: 'Survey results by month: responses, means (over at least the threshold), answer counts; small cells suppressed (RPT-2, RPT-3, RPT-4).' + CSV_NOTE,
      querystring: SurveyStatsQuerySchema,
      response: response(SurveyStatsSchema),
    },
  }, async (req, reply) => send(req, reply, await surveyStats(app.db, threshold, req.query), surveyCsv))

  app.get('/program', {
    config: { roles: ROLES },
    schema: {
      description: 'Program counts by month (Ambassadors by status, engagements requested, closed, declined, withdrawn, expired…), perturbed, with small cells suppressed. JSON, or CSV with `Accept: text/csv`.',
      operationId: 'getProgramStats', tags: ['stats'],
      summary: 'Program counts: Ambassadors by status, engagements requested, closed, declined, withdrawn and expired by month; small cells suppressed (RPT-4, REV-6).' + CSV_NOTE,
      querystring: ProgramStatsQuerySchema,
      response: response(ProgramStatsSchema),
    },
  }, async (req, reply) => send(req, reply, await programStats(app.db, threshold, req.query, config.ambassadorHoursPerMonth), programCsv))

  app.get('/waitlist', {
    config: { roles: ROLES },
    schema: {
      operationId: 'getWaitlistStats', tags: ['stats'],
      summary: 'Unmet demand: managers who joined the waitlist because no fitting Ambassador had room, by month, language, topic (`none`: no topic named) and urgency; small cells suppressed (#16, RPT-4).' + CSV_NOTE,
      description: 'hr_analyst, nmno and governance. Counts only, from de-identified facts (no entry, no manager); perturbed by cell key and suppressed below STATS_MIN_CELL with complementary suppression.',
      querystring: WaitlistStatsQuerySchema,
      response: response(WaitlistStatsSchema),
    },
  }, async (req, reply) => send(req, reply, await waitlistStats(app.db, threshold, req.query), waitlistCsv))

  app.get('/pilot', {
    config: { roles: ROLES },
    schema: {
      description: 'The pilot dashboard over a range of months: the Ambassador pool, demand, outcomes and evaluation, load and training, perturbed and suppressed like every statistic. JSON, CSV (`Accept: text/csv`) or an SVG chart (`Accept: image/svg+xml`).',
      operationId: 'getPilotDashboard', tags: ['stats'],
      summary: 'The pilot dashboard over a period: the Ambassador pool (coverage by language, mode and topic; what no available Ambassador covers), demand, outcomes and evaluation, load and training; perturbed and suppressed as every statistic. hr_analyst gets the subset without the pool, its load and its training.' + CSV_NOTE + ' `Accept: image/svg+xml`: a chart of the same figures.',
      querystring: PilotStatsQuerySchema,
      response: chartedResponse(PilotStatsSchema),
    },
  }, async (req, reply) => {
    const audience = hasRole(req.actor, 'nmno', 'governance') ? 'full' : 'hr'
    return sendCharted(req, reply, await pilotStats(app.db, threshold, req.query, audience), pilotCsv, (a, lang) => chartSvg(pilotBars(a, lang), pilotTitle(a, lang), lang))
  })
}
export default stats
