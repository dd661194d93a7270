// #15 item 3: the pilot dashboard, GET /v1/stats/pilot. One answer over a period (from–to, months):
// the pool (active Ambassadors by language, mode and topic; topics and languages no available
// Ambassador covers), demand, outcomes and evaluation, the Ambassadors' load and training. Every count
// is perturbed by its cell key and suppressed exactly as the other statistics are (perturbation.ts,
// suppression.ts); a share is published only when its numerator, its denominator and their difference
// are each 0 or at least the threshold; a median only over at least the threshold. Read only from
// de-identified tables (engagement_facts, survey responses) and the Ambassadors' own records; HR gets
// the subset without the pool, its load and its training (no Ambassador-pool detail).
import { sql, type RawBuilder } from 'kysely'
import type { Db } from '../../db/database.ts'
import { LANGUAGES, MODES, TOPICS } from '../../shared/vocabularies.ts'
import { perturbed, type Keyed } from './perturbation.ts'
import { figure, isSmall, suppressLine } from './suppression.ts'
import { rangeOf, surveyStats, toCsv } from './service.ts'

interface KeyRow { key: string; n: number; keys: string }

async function keyed(db: Db, q: RawBuilder<{ key: string; n: string; keys: string | null }>): Promise<KeyRow[]> {
  const r = await q.execute(db)
  return r.rows.map((x) => ({ key: x.key, n: Number(x.n), keys: String(x.keys ?? 0) }))
}
const one = async (db: Db, q: RawBuilder<{ key: string; n: string; keys: string | null }>): Promise<Keyed> =>
  (await keyed(db, q))[0] ?? { n: 0, keys: 0 }

export interface PilotTable { section: Section; name: string; cells: { key: string; count: number | null; suppressed: boolean }[]; total: { count: number | null; suppressed: boolean } }
export interface PilotFigure { section: Section; name: string; value: number | null; count: number | null; of: number | null; suppressed: boolean; unit: 'count' | 'share' | 'hours' }
type Section = 'pool' | 'demand' | 'outcomes' | 'load'

/**
 * A line of cells and their total. `multi`: a record may be in several cells (an Ambassador speaks
 * both languages): each cell is then its own group for complementary suppression (suppression.ts, 4).
 */
function tableOf(section: Section, name: string, keys: readonly string[], rows: KeyRow[], total: Keyed, threshold: number, multi = false): PilotTable {
  const byKey = new Map(rows.map((r) => [r.key, r]))
  const cells = keys.map((k) => byKey.get(k) ?? { key: k, n: 0, keys: '0' })
  const counts = cells.map(perturbed)
  const t = perturbed(total)
  const s = suppressLine(counts, t, threshold, multi ? keys : undefined)
  return { section, name, cells: cells.map((c, i) => ({ key: c.key, ...figure(counts[i], s.cells[i]) })), total: figure(t, s.total) }
}

/** A share num/den: withheld when the numerator, the denominator or the rest is from 1 to threshold−1. */
function shareOf(section: Section, name: string, num: Keyed, den: Keyed, threshold: number): PilotFigure {
  const n = perturbed(num)
  const d = Math.max(perturbed(den), n)
  const hidden = isSmall(n, threshold) || isSmall(d, threshold) || isSmall(d - n, threshold) || d === 0
  return { section, name, unit: 'share', suppressed: hidden, count: hidden ? null : n, of: hidden ? null : d, value: hidden ? null : Math.round((n / d) * 1000) / 1000 }
}

/** A count of its own (events of a period: a request may be answered in another month), perturbed and suppressed alone. */
function countOf(section: Section, name: string, c: Keyed, threshold: number): PilotFigure {
  const p = perturbed(c)
  const hidden = isSmall(p, threshold)
  return { section, name, unit: 'count', suppressed: hidden, count: hidden ? null : p, of: null, value: hidden ? null : p }
}

/** A median of whole hours, over at least the threshold (perturbed) answers. */
function medianOf(section: Section, name: string, median: number | null, n: Keyed, threshold: number): PilotFigure {
  const p = perturbed(n)
  const hidden = p < threshold || median === null
  return { section, name, unit: 'hours', suppressed: hidden, count: hidden ? null : p, of: null, value: hidden ? null : Math.round(median ?? 0) }
}

const IN_TERM = sql`ambassador_in_term(a.status, a.term_end)`
const arr = (xs: readonly string[]) => sql`ARRAY[${sql.join(xs.map((x) => sql`${x}`))}]::text[]`

export const DECLINE_REASONS = ['conflict_of_interest', 'capacity', 'outside_competence', 'other'] as const
export const TRANSFER_REASONS = ['outside_competence', 'conflict_of_interest', 'ambassador_unavailable'] as const
export const OUTCOMES = ['goals_met', 'partially_met', 'referred_to_resource', 'no_longer_needed', 'other'] as const
export const AWARENESS = [
  'national_managers_community', 'team_leaders_community_of_practice', 'management_committee', 'human_resources', 'union_representative',
  'eap', 'informal_conflict_management', 'values_and_ethics', 'disability_management', 'iservice', 'other',
] as const

export async function pilotStats(db: Db, threshold: number, q: { from?: string; to?: string }, audience: 'full' | 'hr') {
  const range = rangeOf(q)
  const { fromDate: from, toDate: to } = range
  const facts = (event: string) => sql`FROM engagement_facts f WHERE f.event = ${event} AND f.period BETWEEN ${from}::date AND ${to}::date`
  const tables: PilotTable[] = []
  const figures: PilotFigure[] = []
  let uncovered: { topics: string[]; languages: string[] } | null = null

  if (audience === 'full') {
    // ---- The pool, now ----
    const active = await one(db, sql`SELECT 'all' AS key, count(*) AS n, sum(a.cell_key) AS keys FROM ambassadors a WHERE ${IN_TERM}`)
    const by = (col: string) => keyed(db, sql`SELECT v AS key, count(*) AS n, sum(a.cell_key) AS keys FROM ambassadors a, unnest(a.${sql.raw(col)}::text[]) v WHERE ${IN_TERM} GROUP BY v`)
    tables.push(tableOf('pool', 'activeByLanguage', LANGUAGES, await by('languages'), active, threshold, true))
    tables.push(tableOf('pool', 'activeByMode', MODES, await by('modes'), active, threshold, true))
    tables.push(tableOf('pool', 'activeByTopic', TOPICS, await by('topics'), active, threshold, true))
    const missing = async (col: string, values: readonly string[]) => (await sql<{ v: string }>`
      SELECT v FROM unnest(${arr(values)}) v WHERE NOT EXISTS (
        SELECT 1 FROM ambassadors a WHERE ${IN_TERM} AND a.open_engagements < a.capacity AND v = ANY(a.${sql.raw(col)}::text[])) ORDER BY v`.execute(db)).rows.map((r) => r.v)
    uncovered = { topics: await missing('topics', TOPICS), languages: await missing('languages', LANGUAGES) }

    // ---- Load and training ----
    const atCapacity = await one(db, sql`SELECT 'all' AS key, count(*) AS n, sum(a.cell_key) AS keys FROM ambassadors a WHERE ${IN_TERM} AND a.open_engagements >= a.capacity`)
    figures.push(shareOf('load', 'activeAtCapacity', atCapacity, active, threshold))
    const oriented = await one(db, sql`SELECT 'all' AS key, count(*) AS n, sum(a.cell_key) AS keys FROM ambassadors a WHERE ${IN_TERM}
      AND (SELECT count(DISTINCT t.part) FROM training_records t WHERE t.ambassador_id = a.id AND t.kind = 'orientation_part' AND t.attended) = 6`)
    figures.push(shareOf('load', 'orientationComplete', oriented, active, threshold))
    const developed = await one(db, sql`SELECT 'all' AS key, count(*) AS n, sum(a.cell_key) AS keys FROM ambassadors a WHERE ${IN_TERM}
      AND EXISTS (SELECT 1 FROM training_records t WHERE t.ambassador_id = a.id AND t.kind = 'pd_session' AND t.attended AND t.held_on > current_date - 365)`)
    figures.push(shareOf('load', 'professionalDevelopmentThisYear', developed, active, threshold))
  }

  // ---- Demand, over the period ----
  const count = (event: string) => one(db, sql`SELECT 'all' AS key, count(*) AS n, sum(f.cell_key) AS keys ${facts(event)}`)
  const [requested, accepted, declined, expired, closed] = await Promise.all(['requested', 'accepted', 'declined', 'expired', 'closed'].map(count))
  for (const [name, c] of [['requests', requested], ['accepted', accepted], ['declined', declined], ['expired', expired], ['closed', closed]] as const) {
    figures.push(countOf('demand', name, c, threshold))
  }
  const answered = { n: accepted.n + declined.n + expired.n, keys: BigInt(accepted.keys) + BigInt(declined.keys) + BigInt(expired.keys) }
  figures.push(shareOf('demand', 'acceptanceRate', accepted, answered, threshold))
  tables.push(tableOf('demand', 'declinesByReason', DECLINE_REASONS,
    await keyed(db, sql`SELECT coalesce(f.decline_reason, 'other') AS key, count(*) AS n, sum(f.cell_key) AS keys ${facts('declined')} GROUP BY 1`), declined, threshold))
  const transfers = await count('transfer_required')
  figures.push(countOf('demand', 'transfers', transfers, threshold))
  tables.push(tableOf('demand', 'transfersByReason', TRANSFER_REASONS,
    await keyed(db, sql`SELECT coalesce(f.transfer_reason, 'ambassador_unavailable') AS key, count(*) AS n, sum(f.cell_key) AS keys ${facts('transfer_required')} GROUP BY 1`), transfers, threshold))
  const medians = (await sql<{ urgency: string; median: number | null; n: string; keys: string | null }>`
    SELECT f.urgency, percentile_cont(0.5) WITHIN GROUP (ORDER BY f.hours_to_answer) AS median, count(*) AS n, sum(f.cell_key) AS keys
    FROM engagement_facts f WHERE f.event IN ('accepted', 'declined') AND f.hours_to_answer IS NOT NULL AND f.period BETWEEN ${from}::date AND ${to}::date
    GROUP BY f.urgency`.execute(db)).rows
  for (const u of ['urgent', 'routine']) {
    const m = medians.find((x) => x.urgency === u)
    figures.push(medianOf('demand', `medianHoursToFirstAnswer.${u}`, m?.median === undefined || m.median === null ? null : Number(m.median), { n: Number(m?.n ?? 0), keys: String(m?.keys ?? 0) }, threshold))
  }
  const withCount = await one(db, sql`SELECT 'all' AS key, count(*) AS n, sum(f.cell_key) AS keys ${facts('closed')} AND f.meetings_held IS NOT NULL`)
  const moreThanTwo = await one(db, sql`SELECT 'all' AS key, count(*) AS n, sum(f.cell_key) AS keys ${facts('closed')} AND f.meetings_held > 2`)
  figures.push(shareOf('demand', 'moreThanTwoMeetings', moreThanTwo, withCount, threshold))

  // ---- Outcomes and evaluation ----
  tables.push(tableOf('outcomes', 'closuresByOutcome', OUTCOMES,
    await keyed(db, sql`SELECT coalesce(f.outcome, 'other') AS key, count(*) AS n, sum(f.cell_key) AS keys ${facts('closed')} GROUP BY 1`), closed, threshold))
  const responses = await one(db, sql`SELECT 'all' AS key, count(*) AS n, sum(cell_key) AS keys FROM manager_survey_responses WHERE period BETWEEN ${from}::date AND ${to}::date`)
  tables.push(tableOf('outcomes', 'awarenessChannels', AWARENESS,
    await keyed(db, sql`SELECT awareness_channel AS key, count(*) AS n, sum(cell_key) AS keys FROM manager_survey_responses
      WHERE awareness_channel IS NOT NULL AND period BETWEEN ${from}::date AND ${to}::date GROUP BY 1`), responses, threshold))
  const [manager, ambassador] = await Promise.all([
    surveyStats(db, threshold, { survey: 'manager', from: range.from, to: range.to }, { overall: true }),
    surveyStats(db, threshold, { survey: 'ambassador', from: range.from, to: range.to }, { overall: true }),
  ])
  const surveys = { manager: manager.cells, ambassador: ambassador.cells }
  // Questions later instrument versions added (extra answers): answer counts per question, each
  // question a line of its own (its total: the responses that answered it).
  for (const [audience, table] of [['manager', 'manager_survey_responses'], ['ambassador', 'ambassador_survey_responses']] as const) {
    const rows = (await sql<{ question: string; answer: string; n: string; keys: string }>`
      SELECT e.key AS question, e.value AS answer, count(*) AS n, sum(r.cell_key) AS keys
      FROM ${sql.table(table)} r, jsonb_each_text(r.extra_answers) e
      WHERE r.period BETWEEN ${from}::date AND ${to}::date GROUP BY 1, 2 ORDER BY 1, 2`.execute(db)).rows
    for (const question of [...new Set(rows.map((r) => r.question))]) {
      const of = rows.filter((r) => r.question === question).map((r) => ({ key: r.answer, n: Number(r.n), keys: r.keys }))
      const total = { n: of.reduce((x, r) => x + r.n, 0), keys: of.reduce((x, r) => x + BigInt(r.keys), 0n) }
      tables.push(tableOf('outcomes', `survey.${audience}.${question}`, of.map((r) => r.key), of, total, threshold))
    }
  }

  return { from: range.from, to: range.to, threshold, audience, tables, figures, uncovered, surveys }
}

export type PilotAnswer = Awaited<ReturnType<typeof pilotStats>>

export function pilotCsv(a: PilotAnswer) {
  const rows: Record<string, unknown>[] = []
  for (const t of a.tables) {
    for (const c of t.cells) rows.push({ section: t.section, name: t.name, level: 'cell', key: c.key, count: c.count, suppressed: c.suppressed })
    rows.push({ section: t.section, name: t.name, level: 'total', key: '', count: t.total.count, suppressed: t.total.suppressed })
  }
  for (const f of a.figures) rows.push({ section: f.section, name: f.name, level: 'figure', key: f.unit, count: f.count, of: f.of, value: f.value, suppressed: f.suppressed })
  for (const [survey, cells] of Object.entries(a.surveys)) {
    for (const c of cells) rows.push({ section: 'outcomes', name: `survey.${survey}`, level: 'question', key: [c.question, c.answer].filter(Boolean).join('='), count: c.count, value: c.mean ?? '', suppressed: c.suppressed })
  }
  if (a.uncovered) {
    for (const v of a.uncovered.topics) rows.push({ section: 'pool', name: 'uncoveredTopic', level: 'value', key: v })
    for (const v of a.uncovered.languages) rows.push({ section: 'pool', name: 'uncoveredLanguage', level: 'value', key: v })
  }
  return toCsv(['section', 'name', 'level', 'key', 'count', 'of', 'value', 'suppressed'], rows)
}
