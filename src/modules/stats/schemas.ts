// RPT-4: query and answer shapes of the statistics. Counts only, suppressed below the threshold.
import { Type, type Static, type TOptional, type TString } from 'typebox'
import { INT32_MAX, List, Str, StringEnum } from '../../shared/schemas.ts'

export const DIMENSIONS = ['month', 'mode', 'language', 'topic', 'referralCategory', 'stage', 'urgency', 'outcome'] as const
export type Dimension = (typeof DIMENSIONS)[number]

const MONTH = '^\\d{4}-(0[1-9]|1[0-2])$'
const Month = Type.String({ maxLength: 7, pattern: MONTH, description: 'Month, YYYY-MM' })
const GroupBy = Type.String({
  maxLength: 200,
  pattern: `^(${DIMENSIONS.join('|')})(,(${DIMENSIONS.join('|')}))*$`,
  description: `Comma-separated dimensions among ${DIMENSIONS.join(', ')} (any other value is a 400)`,
})

const Range = {
  from: Type.Optional(Type.String({ maxLength: 7, pattern: MONTH, description: 'First month included (YYYY-MM); default: 11 months before `to`' })),
  to: Type.Optional(Type.String({ maxLength: 7, pattern: MONTH, description: 'Last month included (YYYY-MM); default: the current month' })),
}

export const EngagementStatsQuerySchema = Type.Object({
  ...Range,
  groupBy: Type.Optional(GroupBy),
  measure: Type.Optional(StringEnum(['interactions', 'closures'] as const, {
    description: 'interactions (default): the Ambassadors’ reports (RPT-1), with mean duration; closures: engagements closed, by outcome',
  })),
}, { additionalProperties: false })
export type EngagementStatsQuery = Static<typeof EngagementStatsQuerySchema>

export const SurveyStatsQuerySchema = Type.Object({
  ...Range,
  groupBy: Type.Optional(GroupBy),
  survey: Type.Optional(StringEnum(['manager', 'ambassador'] as const, { description: 'manager (default, RPT-2) or ambassador (RPT-3)' })),
}, { additionalProperties: false })
export type SurveyStatsQuery = Static<typeof SurveyStatsQuerySchema>

export const WaitlistStatsQuerySchema = Type.Object({ ...Range, groupBy: Type.Optional(GroupBy) }, { additionalProperties: false })
export type WaitlistStatsQuery = Static<typeof WaitlistStatsQuerySchema>

export const ProgramStatsQuerySchema = Type.Object({ ...Range, groupBy: Type.Optional(GroupBy) }, { additionalProperties: false })
export type ProgramStatsQuery = Static<typeof ProgramStatsQuerySchema>

/**
 * The most cells an answer documents: one per combination of the grouped dimensions that has
 * records, over at most 120 months (a ceiling for clients, far above what the pilot produces).
 */
const MAX_CELLS = 100_000
const Count = Type.Union([Type.Integer({ minimum: 0, maximum: INT32_MAX }), Type.Null()], { description: 'Within ±2 of the true count (cell-key perturbation: the same records always give the same figure; a total is perturbed on its own); null when suppressed' })
const Mean = Type.Union([Type.Number(), Type.Null()], { description: 'A perturbed sum over the perturbed count; null unless over a published count of at least the threshold' })
const Suppressed = Type.Boolean({ description: 'true: the count is withheld (below the threshold, or to protect another withheld count)' })
const dims = Object.fromEntries(DIMENSIONS.map((d) => [d, Type.Optional(Str(64))])) as unknown as Record<Dimension, TOptional<TString>>

const Meta = {
  from: Month,
  to: Month,
  groupBy: List(StringEnum(DIMENSIONS), DIMENSIONS.length),
  threshold: Type.Integer({ minimum: 1, maximum: 1000, description: 'STATS_MIN_CELL: counts from 1 to threshold−1 are never published' }),
}

export const EngagementStatsSchema = Type.Object({
  measure: StringEnum(['interactions', 'closures'] as const),
  ...Meta,
  cells: List(Type.Object({ ...dims, count: Count, suppressed: Suppressed, meanDurationMinutes: Type.Optional(Mean) }, { additionalProperties: false }), MAX_CELLS),
  total: Type.Object({ count: Count, suppressed: Suppressed, meanDurationMinutes: Type.Optional(Mean) }, { additionalProperties: false }),
}, { additionalProperties: false })

const SurveyRow = Type.Object({
  month: Type.Optional(Month),
  question: Type.String({ maxLength: 64, description: '`responses` for the number of responses, else the question' }),
  answer: Type.Union([Str(64), Type.Null()], { description: 'The answer counted (null for `responses` and for means)' }),
  count: Count,
  suppressed: Suppressed,
  mean: Type.Optional(Mean),
}, { additionalProperties: false })

export const SurveyStatsSchema = Type.Object({
  survey: StringEnum(['manager', 'ambassador'] as const),
  ...Meta,
  cells: List(SurveyRow, MAX_CELLS),
  total: List(SurveyRow, MAX_CELLS, { description: 'Responses and means over the whole range (answer counts are given per cell only)' }),
}, { additionalProperties: false })

const ProgramTable = Type.Object({
  name: Str(64),
  cells: List(Type.Object({ key: Str(64), count: Count, suppressed: Suppressed }, { additionalProperties: false }), MAX_CELLS),
  total: Type.Object({ count: Count, suppressed: Suppressed }, { additionalProperties: false }),
}, { additionalProperties: false })

export const ProgramStatsSchema = Type.Object({
  ...Meta,
  tables: List(ProgramTable, 64, {
    description: 'ambassadorsByStatus (now: a program-level count, the only place revocations appear, REV-6), engagementsRequested, engagementsClosed, engagementsDeclined, engagementsWithdrawn, engagementsExpired, selfCareCheckIns, selfCareContactRequests, ambassadorsOverMonthlyHours (AMBASSADOR_HOURS_PER_MONTH; by month; #14 item 5)',
  }),
}, { additionalProperties: false })

// ---- The pilot dashboard (#15 item 3) ----

export const PilotStatsQuerySchema = Type.Object({ ...Range }, { additionalProperties: false })
export type PilotStatsQuery = Static<typeof PilotStatsQuerySchema>
const PILOT_SECTIONS = ['pool', 'demand', 'outcomes', 'load'] as const

export const PilotStatsSchema = Type.Object({
  from: Month,
  to: Month,
  threshold: Type.Integer({ minimum: 1, maximum: 1000, description: 'STATS_MIN_CELL: counts from 1 to threshold−1 are never published' }),
  audience: StringEnum(['full', 'hr'] as const, { description: '`hr`: the subset without the Ambassador pool, its load and its training (hr_analyst)' }),
  tables: List(Type.Object({
    section: StringEnum(PILOT_SECTIONS),
    name: Type.String({ maxLength: 64, description: 'activeByLanguage, activeByMode, activeByTopic (pool, now); declinesByReason, transfersByReason (demand); closuresByOutcome, awarenessChannels, survey.<audience>.<question> for questions added by later instrument versions (outcomes)' }),
    cells: List(Type.Object({ key: Str(64), count: Count, suppressed: Suppressed }, { additionalProperties: false }), MAX_CELLS),
    total: Type.Object({ count: Count, suppressed: Suppressed }, { additionalProperties: false }),
  }, { additionalProperties: false }), 64),
  figures: List(Type.Object({
    section: StringEnum(PILOT_SECTIONS),
    name: Type.String({ maxLength: 64, description: 'requests, accepted, declined, expired, closed, transfers (counts); acceptanceRate, moreThanTwoMeetings, activeAtCapacity, orientationComplete, professionalDevelopmentThisYear (shares); medianHoursToFirstAnswer.urgent|routine (hours)' }),
    unit: StringEnum(['count', 'share', 'hours'] as const),
    value: Type.Union([Type.Number(), Type.Null()], { description: 'The count, the share (0–1) or the whole hours; null when suppressed' }),
    count: Count,
    of: Type.Union([Type.Integer({ minimum: 0, maximum: INT32_MAX }), Type.Null()], { description: 'A share’s denominator (perturbed)' }),
    suppressed: Suppressed,
  }, { additionalProperties: false }), 64),
  uncovered: Type.Union([Type.Object({
    topics: List(Str(64), 64), languages: List(Str(64), 8),
  }, { additionalProperties: false, description: 'Topics and languages no available Ambassador (active, in term, below capacity) covers now' }), Type.Null()]),
  surveys: Type.Object({ manager: List(SurveyRow, MAX_CELLS), ambassador: List(SurveyRow, MAX_CELLS) }, { additionalProperties: false, description: 'Survey scores by instrument question over the period (as /v1/stats/surveys)' }),
}, { additionalProperties: false })

/** #16: managers who joined the waitlist (unmet demand), by month, language, topic, urgency. */
export const WaitlistStatsSchema = Type.Object({
  ...Meta,
  cells: List(Type.Object({ ...dims, count: Count, suppressed: Suppressed }, { additionalProperties: false }), MAX_CELLS),
  total: Type.Object({ count: Count, suppressed: Suppressed }, { additionalProperties: false }),
}, { additionalProperties: false })
