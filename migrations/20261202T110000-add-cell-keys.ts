// Cell-key perturbation of the statistics (RPT-4, CONF-5; #11 finding 3). Every record the
// statistics count gets a random record key in [0, 256), drawn by the database at insert (a column
// DEFAULT: insert statements need not name it) from gen_random_uuid(), i.e. from the server's
// strong random source, and never changed. Rows present now get their own random keys (ADD COLUMN
// with a volatile DEFAULT evaluates it per row). The rollups keep the sum of their reports' keys.
// Frozen in time: imports no application code.
import { sql, type Kysely } from 'kysely'

/** Tables whose rows /v1/stats/* counts (ambassadors: the program-level count by status). */
const COUNTED = ['reports', 'engagement_facts', 'manager_survey_responses', 'ambassador_survey_responses', 'ambassadors']

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of COUNTED) {
    await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN cell_key smallint NOT NULL
      DEFAULT get_byte(uuid_send(gen_random_uuid()), 0) CHECK (cell_key BETWEEN 0 AND 255)`.execute(db)
  }
  await sql`ALTER TABLE report_rollups ADD COLUMN cell_keys bigint NOT NULL DEFAULT 0`.execute(db)
  // The rollups were built without keys: rebuild them from the reports. Answers read rollups and
  // queue together, so emptying one into the other (in this transaction) changes no count; the
  // rollup job refills the rollups with their key sums.
  await sql`DELETE FROM report_rollups`.execute(db)
  await sql`INSERT INTO report_rollup_queue (report_id) SELECT id FROM reports ON CONFLICT DO NOTHING`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DELETE FROM report_rollups`.execute(db)
  await sql`INSERT INTO report_rollup_queue (report_id) SELECT id FROM reports ON CONFLICT DO NOTHING`.execute(db)
  await sql`ALTER TABLE report_rollups DROP COLUMN cell_keys`.execute(db)
  for (const table of COUNTED) await sql`ALTER TABLE ${sql.table(table)} DROP COLUMN cell_key`.execute(db)
}
