// Conflict of interest (COI-1, COI-2): declarations and the reporting-lines snapshot, and one
// transactional version counter that any change to either bumps (the directory's ETag reads it, so
// a 304 can never hide a new conflict). Frozen in time: imports no application code.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE conflict_declarations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      -- The FK check takes FOR KEY SHARE on the Ambassador row: a pairing write holding that row
      -- FOR UPDATE and a new declaration about it are serialised.
      ambassador_id uuid NOT NULL REFERENCES ambassadors(id) ON DELETE CASCADE,
      employee_ref text NOT NULL CHECK (length(employee_ref) BETWEEN 1 AND 128),
      kind text NOT NULL CHECK (kind IN ('family','reporting_line','personal_conflict','close_friend','other')),
      declarer_ref text NOT NULL CHECK (length(declarer_ref) BETWEEN 1 AND 128),
      declarer_role text NOT NULL CHECK (declarer_role IN ('ambassador','manager','nmno')),
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  // One declaration per pair and declarer: unique per declarer only, so a duplicate never tells a
  // declarer that somebody else declared the same pair.
  await sql`CREATE UNIQUE INDEX conflict_declarations_once ON conflict_declarations (ambassador_id, employee_ref, declarer_ref)`.execute(db)
  await sql`CREATE INDEX conflict_declarations_by_employee ON conflict_declarations (employee_ref)`.execute(db)
  await sql`CREATE INDEX conflict_declarations_by_declarer ON conflict_declarations (declarer_ref, created_at DESC, id DESC)`.execute(db)

  await sql`
    CREATE TABLE reporting_lines (
      employee_ref text PRIMARY KEY CHECK (length(employee_ref) BETWEEN 1 AND 128),
      supervisor_ref text CHECK (length(supervisor_ref) BETWEEN 1 AND 128),
      org_unit text CHECK (length(org_unit) BETWEEN 1 AND 200),
      imported_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  await sql`CREATE INDEX reporting_lines_by_supervisor ON reporting_lines (supervisor_ref)`.execute(db)

  await sql`
    CREATE TABLE conflict_versions (
      id integer PRIMARY KEY CHECK (id = 1),
      version bigint NOT NULL
    )`.execute(db)
  await sql`INSERT INTO conflict_versions (id, version) VALUES (1, 1)`.execute(db)
  await sql`
    CREATE FUNCTION conflict_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE conflict_versions SET version = version + 1 WHERE id = 1;
      RETURN NULL;
    END $$`.execute(db)
  for (const table of ['conflict_declarations', 'reporting_lines']) {
    await sql`CREATE TRIGGER ${sql.raw(`${table}_bump`)} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${sql.raw(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION conflict_versions_bump()`.execute(db)
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS conflict_declarations`.execute(db)
  await sql`DROP TABLE IF EXISTS reporting_lines`.execute(db)
  await sql`DROP TABLE IF EXISTS conflict_versions`.execute(db)
  await sql`DROP FUNCTION IF EXISTS conflict_versions_bump()`.execute(db)
}
