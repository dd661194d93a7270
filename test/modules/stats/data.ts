// Crafted statistical data written straight into the de-identified tables (the stats tests count
// exactly what they put there).
import { sql } from 'kysely'
import type { Db } from '../../../src/db/database.ts'

export interface ReportInput {
  month?: string; mode?: string; language?: string; stage?: string; urgency?: string; topics?: string[]; referralCategories?: string[]; durationMinutes?: number
  /** The record's cell key (RPT-4 perturbation); default: the database draws a random one. 0 everywhere: no noise at all. */
  key?: number
}

export async function insertReports(db: Db, rows: ReportInput[]) {
  if (!rows.length) return
  const amb = await db.selectFrom('ambassadors').select('id').where('employeeRef', '=', 'STATS-FIXTURE').executeTakeFirst()
    ?? await db.insertInto('ambassadors').values({ employeeRef: 'STATS-FIXTURE', displayName: 'Fixture' }).returning('id').executeTakeFirstOrThrow()
  const keyed = rows.some((r) => r.key !== undefined)
  const values = rows.map((r) => sql`(${amb.id}::uuid, ${`${r.month ?? '2026-01'}-15`}::date, ${r.mode ?? 'video'}, ${r.durationMinutes ?? 30}, 1, ${r.stage ?? 'building_trust'},
    ${r.topics ?? []}::text[], ${r.referralCategories ?? []}::text[], ${r.urgency ?? 'routine'}, ${r.language ?? 'en'}${keyed ? sql`, ${r.key === undefined ? sql`DEFAULT` : sql`${r.key}::smallint`}` : sql``})`)
  await sql`WITH ins AS (
      INSERT INTO reports (ambassador_id, occurred_on, mode, duration_minutes, meeting_number, stage, topics, referral_categories, urgency, language${sql.raw(keyed ? ', cell_key' : '')})
      VALUES ${sql.join(values)} RETURNING id)
    INSERT INTO report_rollup_queue (report_id) SELECT id FROM ins`.execute(db)
}

export const times = (n: number, r: ReportInput): ReportInput[] => Array.from({ length: n }, () => ({ ...r }))

/** Reports with cell key 0: every cell key is then 0, which the perturbation table maps to no noise (exact figures). */
export const unperturbed = (rows: ReportInput[]): ReportInput[] => rows.map((r) => ({ ...r, key: 0 }))
