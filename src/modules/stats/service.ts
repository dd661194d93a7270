// RPT-4: statistics for hr_analyst, nmno and governance. Counts only, computed in SQL; every count
// (each cell, and each total as a cell of its own) is perturbed by its cell key (perturbation.ts),
// then every line goes through suppressLine, on the perturbed counts, before anything is published.
// Means are perturbed sums over perturbed counts. No figure is ever given per Ambassador (the
// network sits outside performance management).
import type { Db } from '../../db/database.ts'
import { AppError } from '../../errors/app-error.ts'
import {
  INTERACTION_DIMENSIONS, WAITLIST_DIMENSIONS, countWaitlistJoins, countAmbassadorsByStatus, countCare, countClosures, countEngagementEvents, countInteractions, countSurvey, type SurveySpec,
} from './repository.ts'
import { DIMENSIONS, type Dimension, type EngagementStatsQuery, type ProgramStatsQuery, type SurveyStatsQuery, type WaitlistStatsQuery } from './schemas.ts'
import { cellKeyOf, perturbCount, perturbSum, perturbed, type Keyed } from './perturbation.ts'
import { figure, meanOf, suppressLine } from './suppression.ts'

/**
 * Perturbation unit of a sum of meeting minutes (a meeting lasts 1–480 minutes, 30 typically):
 * the noise on a sum is −60…+60 minutes, so one meeting's length cannot be read from two sums.
 */
export const MINUTES_UNIT = 30
const MINUTES_BOUNDS = [1, 480] as const

const MAX_MONTHS = 120

const invalid = (path: string, en: string, fr: string) =>
  new AppError('validation-failed', { en, fr }, { errors: [{ path, message: en }] })

const monthIndex = (m: string) => Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1
const monthOf = (i: number) => `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`

export interface Range { from: string; to: string; fromDate: string; toDate: string }

export function rangeOf(q: { from?: string; to?: string }, now = new Date()): Range {
  const to = q.to ?? monthOf(now.getUTCFullYear() * 12 + now.getUTCMonth())
  const from = q.from ?? monthOf(monthIndex(to) - 11)
  if (monthIndex(from) > monthIndex(to)) throw invalid('/from', '`from` must not be after `to`.', '`from` ne doit pas être postérieur à `to`.')
  if (monthIndex(to) - monthIndex(from) >= MAX_MONTHS) throw invalid('/from', `At most ${MAX_MONTHS} months per answer.`, `Au plus ${MAX_MONTHS} mois par réponse.`)
  return { from, to, fromDate: `${from}-01`, toDate: `${to}-01` }
}

export function groupByOf(value: string | undefined, allowed: readonly Dimension[], why: { en: string; fr: string }): Dimension[] {
  const dims = (value ?? 'month').split(',') as Dimension[]
  if (new Set(dims).size !== dims.length) throw invalid('/groupBy', 'A dimension is repeated.', 'Une dimension est répétée.')
  const bad = dims.filter((d) => !allowed.includes(d) || !DIMENSIONS.includes(d))
  if (bad.length) throw invalid('/groupBy', `${bad.join(', ')}: ${why.en}`, `${bad.join(', ')} : ${why.fr}`)
  return dims
}

// ---- /v1/stats/engagements ----

export async function engagementStats(db: Db, threshold: number, q: EngagementStatsQuery) {
  const measure = q.measure ?? 'interactions'
  const range = rangeOf(q)
  const dims = groupByOf(q.groupBy, measure === 'interactions' ? INTERACTION_DIMENSIONS : DIMENSIONS, {
    en: 'not a dimension of interactions (the outcome is known per closure: measure=closures).',
    fr: 'n’est pas une dimension des interactions (le résultat est connu par clôture : measure=closures).',
  })
  const counted = measure === 'interactions'
    ? await countInteractions(db, dims, range.fromDate, range.toDate)
    : await countClosures(db, dims, range.fromDate, range.toDate)
  const cells = counted.cells.sort((a, b) => a.dims.join('\u0000').localeCompare(b.dims.join('\u0000')))
    .map((c) => ({ ...c, p: perturbed(c), pm: perturbSum(c.minutes, c.n, cellKeyOf(c.keys), MINUTES_UNIT) }))
  const t = counted.total
  const total = { p: perturbed(t), pm: perturbSum(t.minutes, t.n, cellKeyOf(t.keys), MINUTES_UNIT) }
  // Multi-valued dimensions: a closure's modes, topics and referral categories; a report's topics and categories.
  const multi = dims.map((d, j) => (d === 'topic' || d === 'referralCategory' || (d === 'mode' && measure === 'closures') ? j : -1)).filter((j) => j >= 0)
  const groups = multi.length ? cells.map((c) => multi.map((j) => c.dims[j]).join('\u0000')) : undefined
  const s = suppressLine(cells.map((c) => c.p), total.p, threshold, groups)
  const withMean = (n: number, minutes: number, suppressed: boolean) =>
    measure === 'interactions' ? { meanDurationMinutes: meanOf(minutes, n, !suppressed, threshold, MINUTES_BOUNDS) } : {}
  return {
    measure, from: range.from, to: range.to, groupBy: dims, threshold,
    cells: cells.map((c, i) => ({
      ...Object.fromEntries(dims.map((d, j) => [d, c.dims[j]])),
      ...figure(c.p, s.cells[i]),
      ...withMean(c.p, c.pm, s.cells[i]),
    })),
    total: { ...figure(total.p, s.total), ...withMean(total.p, total.pm, s.total) },
  }
}

// ---- /v1/stats/surveys ----

const yesNoNa = (col: string): [string, string][] => [['yes', `${col} = 'yes'`], ['no', `${col} = 'no'`], ['not_applicable', `${col} = 'not_applicable'`]]

export const SURVEYS: Record<'manager' | 'ambassador', SurveySpec> = {
  manager: {
    table: 'manager_survey_responses',
    // Perturbation unit of a sum: one answer's range (1–5) is within ±2 units of noise per sum.
    means: [['trustBuilt', 'trust_built', [1, 5], 1], ['knowledgeExperience', 'knowledge_experience', [1, 5], 1]],
    answers: [
      ['feltJudged', [['yes', 'felt_judged'], ['no', 'NOT felt_judged']]],
      ['referralsEffective', yesNoNa('referrals_effective')],
      ['followUpAfterReferral', yesNoNa('follow_up_after_referral')],
      ['neededMoreThanTwoMeetings', [['yes', 'needed_more_than_two_meetings'], ['no', 'NOT needed_more_than_two_meetings']]],
    ],
  },
  ambassador: {
    table: 'ambassador_survey_responses',
    means: [['trainingAdequate', 'training_adequate', [1, 5], 1], ['meetingsNeeded', 'meetings_needed', [1, 50], 5]],
    answers: [['ableToFulfilRole', [['yes', `able_to_fulfil_role = 'yes'`], ['partly', `able_to_fulfil_role = 'partly'`], ['no', `able_to_fulfil_role = 'no'`]]]],
  },
}

/** `overall`: no grouping at all, the range as one cell with its answer counts (the pilot dashboard, #15). */
export async function surveyStats(db: Db, threshold: number, q: SurveyStatsQuery, opts: { overall?: boolean } = {}) {
  const survey = q.survey ?? 'manager'
  const spec = SURVEYS[survey]
  const range = rangeOf(q)
  const dims = opts.overall ? [] : groupByOf(q.groupBy, ['month'], {
    en: 'survey responses are kept with their month only, unlinked from any engagement.',
    fr: 'les réponses aux sondages ne gardent que leur mois, sans lien avec un jumelage.',
  })
  const { cells, total } = await countSurvey(db, spec, dims.includes('month'), range.fromDate, range.toDate)
  const line = suppressLine(cells.map(perturbed), perturbed(total), threshold)
  const rowsOf = (c: typeof total, hidden: boolean, withAnswers: boolean) => {
    const month = c.month ? { month: c.month } : {}
    const key = cellKeyOf(c.keys)
    const n = perturbCount(c.n, key)
    const rows: Record<string, unknown>[] = [{ ...month, question: 'responses', answer: null, ...figure(n, hidden) }]
    spec.means.forEach(([question, , bounds, unit], i) => rows.push({
      ...month, question, answer: null, ...figure(n, hidden), mean: meanOf(perturbSum(c.sums[i], c.n, key, unit, i), n, !hidden, threshold, bounds),
    }))
    if (withAnswers) {
      spec.answers.forEach(([question, values], qi) => {
        const answers = c.answers[qi].map((a, ai) => perturbCount(a, cellKeyOf(c.answerKeys[qi][ai])))
        // The cell's responses are the total of its answers' line; a withheld cell withholds them all.
        const inner = hidden ? { cells: values.map(() => true), total: true } : suppressLine(answers, n, threshold)
        values.forEach(([answer], ai) => rows.push({ ...month, question, answer, ...figure(answers[ai], inner.cells[ai]) }))
      })
    }
    return rows
  }
  return {
    survey, from: range.from, to: range.to, groupBy: dims, threshold,
    cells: dims.length ? cells.flatMap((c, i) => rowsOf(c, line.cells[i], true)) : rowsOf(total, line.total, true),
    // Answer counts over the whole range are not repeated here: with the per-cell ones they would
    // form a second set of margins.
    total: rowsOf(total, line.total, false),
  }
}

// ---- /v1/stats/program ----

const EVENTS = [['requested', 'engagementsRequested'], ['closed', 'engagementsClosed'], ['declined', 'engagementsDeclined'], ['withdrawn', 'engagementsWithdrawn'], ['expired', 'engagementsExpired']] as const

/** A table of disjoint cells; its total is perturbed as a cell of its own (all its records' keys). */
function table(name: string, all: (Keyed & { key: string })[], threshold: number, byCell = true) {
  const total = perturbed({ n: all.reduce((s, c) => s + c.n, 0), keys: all.reduce((s, c) => s + BigInt(c.keys), 0n) })
  const cells = byCell ? all : []
  const counts = cells.map(perturbed)
  const s = suppressLine(counts, total, threshold)
  return { name, cells: cells.map((c, i) => ({ key: c.key, ...figure(counts[i], s.cells[i]) })), total: figure(total, s.total) }
}

const CARE = [['checkIns', 'selfCareCheckIns'], ['contactRequests', 'selfCareContactRequests'], ['overMonthlyHours', 'ambassadorsOverMonthlyHours']] as const

export async function programStats(db: Db, threshold: number, q: ProgramStatsQuery, hoursPerMonth = 8) {
  const range = rangeOf(q)
  const dims = groupByOf(q.groupBy, ['month'], {
    en: 'program statistics are by month only (see /v1/stats/engagements).',
    fr: 'les statistiques du programme sont par mois seulement (voir /v1/stats/engagements).',
  })
  const [statuses, events, care] = await Promise.all([
    countAmbassadorsByStatus(db), countEngagementEvents(db, range.fromDate, range.toDate), countCare(db, range.fromDate, range.toDate, hoursPerMonth * 60),
  ])
  return {
    from: range.from, to: range.to, groupBy: dims, threshold,
    tables: [
      table('ambassadorsByStatus', statuses, threshold),
      ...EVENTS.map(([event, name]) => {
        const cells = events.filter((e) => e.event === event).map((e) => ({ key: e.month, n: e.n, keys: e.keys }))
        return table(name, cells, threshold, dims.length > 0)
      }),
      ...CARE.map(([event, name]) => {
        const cells = care.filter((e) => e.event === event).map((e) => ({ key: e.month, n: e.n, keys: e.keys }))
        return table(name, cells, threshold, dims.length > 0)
      }),
    ],
  }
}

// ---- CSV (Accept: text/csv) ----

const csvValue = (v: unknown) => {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a cell is text, a number or a flag
  const s = v === null || v === undefined ? '' : String(v)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}
export const toCsv = (columns: string[], rows: Record<string, unknown>[]) =>
  [columns.join(','), ...rows.map((r) => columns.map((c) => csvValue(r[c])).join(','))].join('\r\n') + '\r\n'

export function engagementCsv(a: Awaited<ReturnType<typeof engagementStats>>) {
  const cols = ['level', ...a.groupBy, 'count', 'suppressed', ...(a.measure === 'interactions' ? ['meanDurationMinutes'] : [])]
  return toCsv(cols, [...a.cells.map((c) => ({ level: 'cell', ...c })), { level: 'total', ...a.total }])
}

// ---- /v1/stats/waitlist (#16) ----

/** Managers who joined the waitlist (unmet demand), perturbed and suppressed as every count. */
export async function waitlistStats(db: Db, threshold: number, q: WaitlistStatsQuery) {
  const range = rangeOf(q)
  const dims = groupByOf(q.groupBy, WAITLIST_DIMENSIONS, { en: 'not a dimension of the waitlist (month, language, topic, urgency).', fr: 'n’est pas une dimension de la liste d’attente (month, language, topic, urgency).' })
  const counted = await countWaitlistJoins(db, dims, range.fromDate, range.toDate)
  const cells = counted.cells.sort((a, b) => a.dims.join('\u0000').localeCompare(b.dims.join('\u0000'))).map((c) => ({ ...c, p: perturbed(c) }))
  const total = perturbed(counted.total)
  const t = dims.indexOf('topic')
  const s = suppressLine(cells.map((c) => c.p), total, threshold, t >= 0 ? cells.map((c) => c.dims[t]) : undefined)
  return {
    from: range.from, to: range.to, groupBy: dims, threshold,
    cells: cells.map((c, i) => ({ ...Object.fromEntries(dims.map((d, j) => [d, c.dims[j]])), ...figure(c.p, s.cells[i]) })),
    total: figure(total, s.total),
  }
}

export function waitlistCsv(a: Awaited<ReturnType<typeof waitlistStats>>) {
  return toCsv(['level', ...a.groupBy, 'count', 'suppressed'], [...a.cells.map((c) => ({ level: 'cell', ...c })), { level: 'total', ...a.total }])
}

export function surveyCsv(a: Awaited<ReturnType<typeof surveyStats>>) {
  const cols = ['level', ...a.groupBy, 'question', 'answer', 'count', 'suppressed', 'mean']
  return toCsv(cols, [...a.cells.map((c) => ({ level: 'cell', ...c })), ...a.total.map((c) => ({ level: 'total', ...c }))])
}

export function programCsv(a: Awaited<ReturnType<typeof programStats>>) {
  return toCsv(['table', 'level', 'key', 'count', 'suppressed'], a.tables.flatMap((t) => [
    ...t.cells.map((c) => ({ table: t.name, level: 'cell', ...c })),
    { table: t.name, level: 'total', key: '', ...t.total },
  ]))
}
