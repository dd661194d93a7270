// All SQL for the statistics (RPT-4). Every figure comes from de-identified tables (reports,
// report_rollups, engagement_facts, survey responses, the ambassadors' status), never from
// engagements, so purging identifying data (RET-1) changes no answer. Each answer is one
// statement: one snapshot, even while the rollup job moves rows. Every count comes with the sum
// of its records' cell keys (perturbation.ts), summed in the same GROUP BY and kept in the rollups.
//
// Interactions are read from report_rollups (maintained off the request path by refreshRollups)
// plus the reports still waiting in report_rollup_queue: an answer is current the moment a report
// commits, and its cost depends on the number of distinct cells, not on the number of reports.
import { authorize } from '../../policy/authorize.ts'
import { systemActor } from '../../policy/actor.ts'
import { sql, type RawBuilder } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { Dimension } from './schemas.ts'

/** A cell: its count, its sum of minutes and the sum of its records' cell keys (perturbation.ts). */
export interface CellRow { dims: string[]; n: number; minutes: number; keys: string }
export interface Counted { cells: CellRow[]; total: { n: number; minutes: number; keys: string } }

const raw = (s: string) => sql.raw(s)
const list = (xs: string[]) => raw(xs.join(', '))

/** Report grain: 0 base, +1 split by topic, +2 split by referral category (see the migration). */
export const grainOf = (dims: readonly Dimension[]) => (dims.includes('topic') ? 1 : 0) + (dims.includes('referralCategory') ? 2 : 0)

const ROLLUP_EXPR: Partial<Record<Dimension, string>> = {
  month: `to_char(period, 'YYYY-MM')`, mode: 'mode', language: 'language', topic: 'topic',
  referralCategory: 'referral_category', stage: 'stage', urgency: 'urgency',
}
export const INTERACTION_DIMENSIONS = Object.keys(ROLLUP_EXPR) as Dimension[]

/** A row of a counting query: the dimensions d0…dn, and the count, minutes and cell keys (numeric sums come back as text). */
type CountRow = { isTotal: boolean; n: string | number; minutes: string | number | null; keys: string | number | null; [k: string]: unknown }

function toCounted(rows: CountRow[], k: number): Counted {
  const cells: CellRow[] = []
  let total = { n: 0, minutes: 0, keys: '0' }
  for (const r of rows) {
    const c = { n: Number(r.n ?? 0), minutes: Number(r.minutes ?? 0), keys: String(r.keys ?? 0) }
    if (r.isTotal) total = c
    else cells.push({ dims: Array.from({ length: k }, (_, i) => String(r[`d${i}`])), ...c })
  }
  return { cells, total }
}

/** Interactions (RPT-1 reports) by the given dimensions, over [from, to] (first days of months). */
export async function countInteractions(db: Db, dims: Dimension[], from: string, to: string): Promise<Counted> {
  const g = grainOf(dims)
  const laterals = raw((g & 1 ? ' CROSS JOIN LATERAL unnest(r.topics) t(v)' : '') + (g & 2 ? ' CROSS JOIN LATERAL unnest(r.referral_categories) c(v)' : ''))
  const sel = dims.map((d, i) => `${ROLLUP_EXPR[d]} AS d${i}`)
  const keys = dims.map((_, i) => `d${i}`)
  const r = await sql<CountRow>`
    WITH pending AS (
      SELECT r.* FROM report_rollup_queue q JOIN reports r ON r.id = q.report_id
      WHERE r.period BETWEEN ${from}::date AND ${to}::date
    ), src AS (
      SELECT period, mode, language, stage, urgency, topic, referral_category, n, minutes, cell_keys FROM report_rollups
      WHERE grain = ${g} AND period BETWEEN ${from}::date AND ${to}::date
      UNION ALL
      SELECT r.period, r.mode, r.language, r.stage, r.urgency, ${raw(g & 1 ? 't.v' : `''`)}, ${raw(g & 2 ? 'c.v' : `''`)}, 1, r.duration_minutes, r.cell_key
      FROM pending r ${laterals}
    ), base AS (
      SELECT n, minutes, cell_keys FROM report_rollups WHERE grain = 0 AND period BETWEEN ${from}::date AND ${to}::date
      UNION ALL SELECT 1, duration_minutes, cell_key FROM pending
    )
    ${dims.length ? sql`SELECT false AS is_total, ${list(sel)}, sum(n) AS n, sum(minutes) AS minutes, sum(cell_keys) AS keys FROM src GROUP BY ${list(keys)} UNION ALL` : sql``}
    SELECT true AS is_total, ${dims.length ? list(keys.map((k) => `NULL AS ${k}`)) : raw('NULL AS d')}, sum(n) AS n, sum(minutes) AS minutes, sum(cell_keys) AS keys FROM base`.execute(db)
  return toCounted(r.rows, dims.length)
}

const FACT_EXPR: Record<Dimension, string> = {
  month: `to_char(f.period, 'YYYY-MM')`, mode: 'md.v', language: 'f.language', topic: 't.v', referralCategory: 'c.v',
  stage: 'f.stage', urgency: 'f.urgency', outcome: 'f.outcome',
}

/** Engagements closed (de-identified facts) by the given dimensions. */
export async function countClosures(db: Db, dims: Dimension[], from: string, to: string): Promise<Counted> {
  const laterals = raw([
    dims.includes('mode') ? 'CROSS JOIN LATERAL unnest(f.modes) md(v)' : '',
    dims.includes('topic') ? 'CROSS JOIN LATERAL unnest(f.topics) t(v)' : '',
    dims.includes('referralCategory') ? 'CROSS JOIN LATERAL unnest(f.referral_categories) c(v)' : '',
  ].join(' '))
  const sel = dims.map((d, i) => `${FACT_EXPR[d]} AS d${i}`)
  const keys = dims.map((_, i) => `d${i}`)
  const where = sql`f.event = 'closed' AND f.period BETWEEN ${from}::date AND ${to}::date`
  const r = await sql<CountRow>`
    ${dims.length ? sql`SELECT false AS is_total, ${list(sel)}, count(*) AS n, 0 AS minutes, sum(f.cell_key) AS keys FROM engagement_facts f ${laterals} WHERE ${where} GROUP BY ${list(keys)} UNION ALL` : sql``}
    SELECT true AS is_total, ${dims.length ? list(keys.map((k) => `NULL AS ${k}`)) : raw('NULL AS d')}, count(*) AS n, 0 AS minutes, sum(f.cell_key) AS keys FROM engagement_facts f WHERE ${where}`.execute(db)
  return toCounted(r.rows, dims.length)
}

/** #16: the dimensions of the waitlist's joins (waitlist_facts: month, language, topics, urgency). */
export const WAITLIST_DIMENSIONS: Dimension[] = ['month', 'language', 'topic', 'urgency']

/** #16: managers who joined the waitlist (unmet demand: de-identified facts) by the given dimensions. */
export async function countWaitlistJoins(db: Db, dims: Dimension[], from: string, to: string): Promise<Counted> {
  const laterals = raw(dims.includes('topic') ? `CROSS JOIN LATERAL unnest(CASE WHEN cardinality(f.topics) = 0 THEN ARRAY['none'] ELSE f.topics END) t(v)` : '')
  const sel = dims.map((d, i) => `${FACT_EXPR[d]} AS d${i}`)
  const keys = dims.map((_, i) => `d${i}`)
  const where = sql`f.period BETWEEN ${from}::date AND ${to}::date`
  const r = await sql<CountRow>`
    ${dims.length ? sql`SELECT false AS is_total, ${list(sel)}, count(*) AS n, 0 AS minutes, sum(f.cell_key) AS keys FROM waitlist_facts f ${laterals} WHERE ${where} GROUP BY ${list(keys)} UNION ALL` : sql``}
    SELECT true AS is_total, ${dims.length ? list(keys.map((k) => `NULL AS ${k}`)) : raw('NULL AS d')}, count(*) AS n, 0 AS minutes, sum(f.cell_key) AS keys FROM waitlist_facts f WHERE ${where}`.execute(db)
  return toCounted(r.rows, dims.length)
}

export interface SurveySpec {
  table: 'manager_survey_responses' | 'ambassador_survey_responses'
  /** question, column, the bounds of its answers, and the unit of its sum's perturbation (perturbation.ts). */
  means: [question: string, column: string, bounds: [min: number, max: number], unit: number][]
  answers: [question: string, values: [answer: string, condition: string][]][]
}

/** Counts with the sums of their records' cell keys (keys, answerKeys) for the perturbation. */
/** A row of the survey query: s<i> sums, a<q>x<a> answer counts, k<q>x<a> their cell keys (text or number). */
type SurveyQueryRow = { isTotal: boolean; month: string | null; n: string | number; keys: string | number | null; [k: string]: unknown }

export interface SurveyRow { month?: string; n: number; keys: string; sums: number[]; answers: number[][]; answerKeys: string[][] }

/** Survey responses by month (or over the whole range): counts, sums for means, answer counts. */
export async function countSurvey(db: Db, spec: SurveySpec, byMonth: boolean, from: string, to: string): Promise<{ cells: SurveyRow[]; total: SurveyRow }> {
  const aggregates: RawBuilder<unknown>[] = [
    ...spec.means.map(([, col], i) => raw(`sum(${col}) AS s${i}`)),
    ...spec.answers.flatMap(([, values], q) => values.map(([, cond], a) => raw(`count(*) FILTER (WHERE ${cond}) AS a${q}x${a}`))),
    ...spec.answers.flatMap(([, values], q) => values.map(([, cond], a) => raw(`sum(cell_key) FILTER (WHERE ${cond}) AS k${q}x${a}`))),
  ]
  const aggs = sql.join(aggregates)
  const where = sql`period BETWEEN ${from}::date AND ${to}::date`
  const r = await sql<SurveyQueryRow>`
    ${byMonth ? sql`SELECT false AS is_total, to_char(period, 'YYYY-MM') AS month, count(*) AS n, sum(cell_key) AS keys, ${aggs} FROM ${raw(spec.table)} WHERE ${where} GROUP BY period UNION ALL` : sql``}
    SELECT true AS is_total, NULL AS month, count(*) AS n, sum(cell_key) AS keys, ${aggs} FROM ${raw(spec.table)} WHERE ${where}
    ORDER BY is_total, month`.execute(db)
  const toRow = (x: SurveyQueryRow): SurveyRow => ({
    ...(x.month ? { month: x.month } : {}),
    n: Number(x.n),
    keys: String(x.keys ?? 0),
    sums: spec.means.map((_, i) => Number(x[`s${i}`] ?? 0)),
    answers: spec.answers.map(([, values], q) => values.map((_, a) => Number(x[`a${q}x${a}`] ?? 0))),
    answerKeys: spec.answers.map(([, values], q) => values.map((_, a) => String((x[`k${q}x${a}`] as string | number | null) ?? 0))),
  })
  const rows = r.rows.map((x) => ({ isTotal: x.isTotal, row: toRow(x) }))
  return { cells: rows.filter((x) => !x.isTotal).map((x) => x.row), total: rows.find((x) => x.isTotal)!.row }
}

/** Ambassadors by status now (a term past its end counts as `term_ended`, AMB-5). */
export async function countAmbassadorsByStatus(db: Db): Promise<{ key: string; n: number; keys: string }[]> {
  const r = await sql<{ key: string; n: string; keys: string }>`
    SELECT CASE WHEN ambassador_effective_status(status, term_end) = 'expired' THEN 'term_ended' ELSE status END AS key, count(*) AS n, sum(cell_key) AS keys
    FROM ambassadors GROUP BY 1 ORDER BY 1`.execute(db)
  return r.rows.map((x) => ({ key: x.key, n: Number(x.n), keys: String(x.keys) }))
}

/** Engagement events (requested, closed, …) by month. */
export async function countEngagementEvents(db: Db, from: string, to: string): Promise<{ event: string; month: string; n: number; keys: string }[]> {
  const r = await sql<{ event: string; month: string; n: string; keys: string }>`
    SELECT event, to_char(period, 'YYYY-MM') AS month, count(*) AS n, sum(cell_key) AS keys FROM engagement_facts
    WHERE period BETWEEN ${from}::date AND ${to}::date GROUP BY event, period ORDER BY event, period`.execute(db)
  return r.rows.map((x) => ({ event: x.event, month: x.month, n: Number(x.n), keys: String(x.keys) }))
}

/**
 * #14 item 5, by month: self-care check-ins, the contact requests among them, and the Ambassadors
 * whose reported M2M time passed the monthly hours. Counts only (no answer, no Ambassador); each
 * record's key is a byte of its random id (the same records always give the same noise).
 */
export async function countCare(db: Db, from: string, to: string, minutesPerMonth: number): Promise<{ event: string; month: string; n: number; keys: string }[]> {
  const r = await sql<{ event: string; month: string; n: string; keys: string }>`
    SELECT 'checkIns' AS event, to_char(date_trunc('month', created_at), 'YYYY-MM') AS month, count(*) AS n, sum(get_byte(uuid_send(id), 0)) AS keys
      FROM self_care_check_ins WHERE created_at >= ${from}::date AND created_at < (${to}::date + interval '1 month') GROUP BY 2
    UNION ALL
    SELECT 'contactRequests', to_char(date_trunc('month', created_at), 'YYYY-MM'), count(*), sum(get_byte(uuid_send(id), 0))
      FROM self_care_check_ins WHERE wants_contact AND created_at >= ${from}::date AND created_at < (${to}::date + interval '1 month') GROUP BY 2
    UNION ALL
    SELECT 'overMonthlyHours', month, count(*), sum(get_byte(uuid_send(ambassador_id), 0)) FROM (
      SELECT ambassador_id, to_char(date_trunc('month', occurred_on), 'YYYY-MM') AS month FROM reports
      WHERE occurred_on >= ${from}::date AND occurred_on < (${to}::date + interval '1 month')
      GROUP BY 1, 2 HAVING sum(duration_minutes) > ${minutesPerMonth}) o GROUP BY month
    ORDER BY 1, 2`.execute(db)
  return r.rows.map((x) => ({ event: x.event, month: x.month, n: Number(x.n), keys: String(x.keys) }))
}

// ---- The rollup job ----

/** Advisory lock key of the rollup job: one replica at a time moves the queue. */
export const ROLLUP_LOCK = 727_201

/**
 * Moves up to `batch` queued reports into report_rollups, in one transaction (readers see a report
 * either in the queue or in the rollup, never both, never neither). Another replica already at
 * it holds the advisory lock: this one returns at once (-1). Returns the number of reports moved.
 */
export async function rollUpBatch(db: Db, batch: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    // The rollup job's principal takes the lock (src/jobs/policy.ts job.rollup-stats), audited
    // when it has work (#13 item 3).
    const auth = await authorize(trx, systemActor('stats-rollup'), 'job.rollup-stats', {})
    if (!auth.facts.locked) return -1
    if (!auth.facts.due) return 0
    const r = await sql<{ moved: string }>`
      WITH batch AS (
        -- By row address (an init plan, then a TID scan): with statistics taken while the queue was
        -- empty, "report_id IN (subquery)" is planned as a nested loop over the whole queue per row.
        DELETE FROM report_rollup_queue WHERE ctid = ANY (ARRAY(
          SELECT ctid FROM report_rollup_queue LIMIT ${batch} FOR UPDATE SKIP LOCKED))
        RETURNING report_id
      ), r AS (
        SELECT r.* FROM batch b JOIN reports r ON r.id = b.report_id
      ), x AS (
        SELECT 0 AS grain, period, mode, language, stage, urgency, '' AS topic, '' AS referral_category, duration_minutes, cell_key FROM r
        UNION ALL SELECT 1, period, mode, language, stage, urgency, t.v, '', duration_minutes, cell_key FROM r CROSS JOIN LATERAL unnest(r.topics) t(v)
        UNION ALL SELECT 2, period, mode, language, stage, urgency, '', c.v, duration_minutes, cell_key FROM r CROSS JOIN LATERAL unnest(r.referral_categories) c(v)
        UNION ALL SELECT 3, period, mode, language, stage, urgency, t.v, c.v, duration_minutes, cell_key
          FROM r CROSS JOIN LATERAL unnest(r.topics) t(v) CROSS JOIN LATERAL unnest(r.referral_categories) c(v)
      ), up AS (
        INSERT INTO report_rollups (grain, period, mode, language, stage, urgency, topic, referral_category, n, minutes, cell_keys)
        SELECT grain, period, mode, language, stage, urgency, topic, referral_category, count(*), sum(duration_minutes), sum(cell_key)
        FROM x GROUP BY grain, period, mode, language, stage, urgency, topic, referral_category
        ON CONFLICT (grain, period, mode, language, stage, urgency, topic, referral_category)
        DO UPDATE SET n = report_rollups.n + EXCLUDED.n, minutes = report_rollups.minutes + EXCLUDED.minutes, cell_keys = report_rollups.cell_keys + EXCLUDED.cell_keys
      )
      SELECT count(*) AS moved FROM batch`.execute(trx)
    return Number(r.rows[0]?.moved ?? 0)
  })
}
