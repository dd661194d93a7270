// CONF-5 (#11, finding 6): the directory's ETag followed every write to an Ambassador row, including
// the open-engagement counter, so any manager could watch an Ambassador's requests, declines and
// closures live. public_stamp moves only when what the directory shows of an active Ambassador
// changes (name, bios, languages, modes, topics, being listed, being available); the counter moves
// it only when availability itself flips, which the directory shows anyway.
// Frozen in time: imports no application code.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE ambassadors ADD COLUMN public_stamp bigint NOT NULL DEFAULT 0`.execute(db)
  await sql`UPDATE ambassadors SET public_stamp = stamp WHERE status = 'active'`.execute(db)
  await sql`CREATE INDEX ambassadors_public_stamp ON ambassadors (public_stamp)`.execute(db)
  await sql`
    CREATE FUNCTION ambassadors_public_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF (OLD.status = 'active' OR NEW.status = 'active') AND
         (OLD.status, OLD.term_end, OLD.display_name, OLD.bio_en, OLD.bio_fr, OLD.languages, OLD.modes, OLD.topics, OLD.open_engagements < OLD.capacity)
         IS DISTINCT FROM
         (NEW.status, NEW.term_end, NEW.display_name, NEW.bio_en, NEW.bio_fr, NEW.languages, NEW.modes, NEW.topics, NEW.open_engagements < NEW.capacity)
      THEN
        NEW.public_stamp := nextval('ambassador_stamp_seq');
      END IF;
      RETURN NEW;
    END $$`.execute(db)
  await sql`CREATE TRIGGER ambassadors_public_touch BEFORE UPDATE ON ambassadors
    FOR EACH ROW EXECUTE FUNCTION ambassadors_public_touch()`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER ambassadors_public_touch ON ambassadors`.execute(db)
  await sql`DROP FUNCTION ambassadors_public_touch()`.execute(db)
  await sql`ALTER TABLE ambassadors DROP COLUMN public_stamp`.execute(db)
}
