// #12 item 3: optimistic concurrency on every single resource (SPEC §4). Meetings, referrals and
// notifications get the row version the other resources already have; one trigger bumps it on every
// update of every table whose version is an ETag and had no trigger yet (goals, consents and
// resources bumped it by hand, in each UPDATE: a write that forgot would have kept a stale ETag).
// An UPDATE that changes nothing (marking a read notification read) keeps the version.
// Frozen in time: imports no application code.
import { sql, type Kysely } from 'kysely'

const ADDED = ['meetings', 'referrals', 'notifications'] as const
const TRIGGERED = ['meetings', 'referrals', 'notifications', 'goals', 'consents', 'resources'] as const

export async function up(db: Kysely<any>): Promise<void> {
  for (const t of ADDED) await sql`ALTER TABLE ${sql.table(t)} ADD COLUMN version integer NOT NULL DEFAULT 1`.execute(db)
  await sql`
    CREATE FUNCTION bump_row_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.version := OLD.version + 1;
      RETURN NEW;
    END $$`.execute(db)
  for (const t of TRIGGERED) {
    await sql`CREATE TRIGGER ${sql.id(`${t}_bump_version`)} BEFORE UPDATE ON ${sql.table(t)}
      FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION bump_row_version()`.execute(db)
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of TRIGGERED) await sql`DROP TRIGGER IF EXISTS ${sql.id(`${t}_bump_version`)} ON ${sql.table(t)}`.execute(db)
  await sql`DROP FUNCTION IF EXISTS bump_row_version()`.execute(db)
  for (const t of ADDED) await sql`ALTER TABLE ${sql.table(t)} DROP COLUMN IF EXISTS version`.execute(db)
}
