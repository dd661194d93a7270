// #18: the directory's validator (its ETag, If-None-Match → 304) costs index probes, not a count
// over every in-term Ambassador. public_stamp now also moves when an Ambassador is inserted already
// active (the update trigger of 20261202T140000 covers every later change), so max(public_stamp)
// alone follows every change of the listed set but a term running out; that one is followed by the
// next term end still ahead, read from a partial index on the active rows' term ends.
// Frozen in time: imports no application code.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION ambassadors_public_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.status = 'active' THEN
        NEW.public_stamp := nextval('ambassador_stamp_seq');
      END IF;
      RETURN NEW;
    END $$`.execute(db)
  await sql`CREATE TRIGGER ambassadors_public_insert BEFORE INSERT ON ambassadors
    FOR EACH ROW EXECUTE FUNCTION ambassadors_public_insert()`.execute(db)
  await sql`CREATE INDEX ambassadors_active_term_end ON ambassadors (term_end) WHERE status = 'active'`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX ambassadors_active_term_end`.execute(db)
  await sql`DROP TRIGGER ambassadors_public_insert ON ambassadors`.execute(db)
  await sql`DROP FUNCTION ambassadors_public_insert()`.execute(db)
}
