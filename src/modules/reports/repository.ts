// All SQL for statistical reports (RPT-1). A report and its place in the rollup queue are written
// in one statement; the rollup itself is maintained by the stats job, never on the request path.
import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { Authorized } from '../../policy/authorize.ts'
import type { CreateReportBody, Report } from './schemas.ts'

const COLUMNS = sql`id, ambassador_id, engagement_id, to_char(occurred_on, 'YYYY-MM-DD') AS occurred_on, mode, duration_minutes,
  meeting_number, stage, topics, referral_categories, urgency, language`

export async function insertReport(auth: Authorized<'report.create'>, b: CreateReportBody): Promise<Report> {
  const r = await sql<Report>`
    WITH ins AS (
      INSERT INTO reports (ambassador_id, engagement_id, occurred_on, mode, duration_minutes, meeting_number, stage, topics,
        referral_categories, urgency, language)
      VALUES (${auth.facts.engagement.ambassadorId}, ${b.engagementId}, ${b.occurredOn}, ${b.mode}, ${b.durationMinutes}, ${b.meetingNumber},
        ${b.stage}, ${b.topics}::text[], ${b.referralCategories}::text[], ${b.urgency}, ${b.language})
      RETURNING *
    ), queued AS (
      INSERT INTO report_rollup_queue (report_id) SELECT id FROM ins
    )
    SELECT ${COLUMNS} FROM ins`.execute(auth.trx)
  return r.rows[0]
}

export interface ReportFilter { ambassadorId?: string; from?: string; to?: string; after?: [string, string]; limit: number }

/** Newest first; scoped by the caller (the service passes the Ambassador's own id, or nmno's filter). */
export async function listReports(db: Db, f: ReportFilter): Promise<Report[]> {
  const r = await sql<Report>`SELECT ${COLUMNS} FROM reports
    WHERE TRUE
      ${f.ambassadorId ? sql`AND ambassador_id = ${f.ambassadorId}::uuid` : sql``}
      ${f.from ? sql`AND occurred_on >= ${f.from}::date` : sql``}
      ${f.to ? sql`AND occurred_on <= ${f.to}::date` : sql``}
      ${f.after ? sql`AND (occurred_on, id) < (${f.after[0]}::date, ${f.after[1]}::uuid)` : sql``}
    ORDER BY occurred_on DESC, id DESC LIMIT ${f.limit}`.execute(db)
  return r.rows
}
