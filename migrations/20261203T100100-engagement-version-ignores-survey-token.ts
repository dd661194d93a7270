// #12 item 3: the engagement's version is its ETag, and the Ambassador's view carries it. The
// manager's survey answer is unlinkable to the engagement (RPT-2): spending the survey token (or
// the retention job expiring it) must not move the version the Ambassador reads, or the Ambassador
// would see when their manager answered. Any other change bumps it as before.
// Frozen in time: imports no application code.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION engagements_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      quiet text[] := ARRAY['survey_token', 'survey_token_hash', 'survey_token_expires_at', 'updated_at', 'version'];
    BEGIN
      IF (to_jsonb(NEW) - quiet) IS DISTINCT FROM (to_jsonb(OLD) - quiet) THEN
        NEW.version := OLD.version + 1;
      ELSE
        NEW.version := OLD.version;
      END IF;
      NEW.updated_at := now();
      RETURN NEW;
    END $$`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION engagements_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.version := OLD.version + 1;
      NEW.updated_at := now();
      RETURN NEW;
    END $$`.execute(db)
}
