// #16 items 1 and 2: suggestions, a request that passes to the manager's next choice, the waitlist.
//   - engagements.alternates: the manager's next choices (up to two Ambassador ids), sealed with the
//     engagement's own key like its other confidential fields (#11), so a database reader learns
//     nothing new; it lives in the engagement row and goes with it (RET-1). Consumed as the request
//     passes on.
//   - waitlist_entries: a manager waiting for a fitting Ambassador with room. An offer names one
//     Ambassador and holds one of their slots until offer_expires_at (48 h): ambassador_room counts it.
//     Only live entries exist: one that ends (accepted, withdrawn, lapsed) is deleted at once, so no
//     row keeps a manager's past wish (RET-1 by construction).
//   - waitlist_facts: one de-identified row per join (month, language, topics, urgency, a cell key),
//     the unmet demand the statistics count (RPT-4 machinery); no id, no manager.
//   - ambassador_room: the free slots of every active, in-term Ambassador as of now (ENG-2: overdue
//     requests hold none, ENG-11; unexpired offers hold one each), used by the suggestions, the
//     request's capacity rule, the waitlist's "no one has room" rule and the offers.
// Frozen in time: imports no application code.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE engagements ADD COLUMN alternates text`.execute(db)
  await sql`
    CREATE TABLE waitlist_entries (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      manager_ref text NOT NULL CHECK (length(manager_ref) BETWEEN 1 AND 128),
      language text NOT NULL CHECK (language IN ('en','fr')),
      modes text[] NOT NULL CHECK (cardinality(modes) BETWEEN 1 AND 4 AND modes <@ ARRAY['in_person','phone','video','email']::text[]),
      topics text[] NOT NULL DEFAULT '{}' CHECK (cardinality(topics) <= 5),
      urgency text NOT NULL CHECK (urgency IN ('routine','urgent')),
      status text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting','offered')),
      offer_ambassador_id uuid REFERENCES ambassadors(id),
      offered_at timestamptz,
      offer_expires_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      version integer NOT NULL DEFAULT 1,
      CHECK ((status = 'offered') = (offer_ambassador_id IS NOT NULL AND offer_expires_at IS NOT NULL))
    )`.execute(db)
  // One live entry per manager: a second join is refused, also under concurrency.
  await sql`CREATE UNIQUE INDEX waitlist_one_live_per_manager ON waitlist_entries (manager_ref) WHERE status IN ('waiting','offered')`.execute(db)
  // The queue: urgent first, then first come, first served.
  await sql`CREATE INDEX waitlist_queue ON waitlist_entries ((urgency = 'urgent') DESC, created_at, id) WHERE status = 'waiting'`.execute(db)
  await sql`CREATE INDEX waitlist_offers ON waitlist_entries (offer_ambassador_id, offer_expires_at) WHERE status = 'offered'`.execute(db)
  await sql`
    CREATE FUNCTION waitlist_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.version := OLD.version + 1; RETURN NEW; END $$`.execute(db)
  await sql`CREATE TRIGGER waitlist_touch BEFORE UPDATE ON waitlist_entries FOR EACH ROW EXECUTE FUNCTION waitlist_touch()`.execute(db)
  await sql`
    CREATE TABLE waitlist_facts (
      period date NOT NULL,
      language text NOT NULL CHECK (language IN ('en','fr')),
      topics text[] NOT NULL DEFAULT '{}',
      urgency text NOT NULL CHECK (urgency IN ('routine','urgent')),
      cell_key smallint NOT NULL DEFAULT get_byte(uuid_send(gen_random_uuid()), 0) CHECK (cell_key BETWEEN 0 AND 255)
    )`.execute(db)
  await sql`CREATE INDEX waitlist_facts_by_period ON waitlist_facts (period)`.execute(db)
  await sql`
    CREATE VIEW ambassador_room AS
    SELECT a.id AS ambassador_id,
      a.capacity - a.open_engagements + coalesce(o.n, 0) - coalesce(r.n, 0) AS free
    FROM ambassadors a
    LEFT JOIN (SELECT ambassador_id, count(*)::int AS n FROM engagements
               WHERE status = 'requested' AND expires_at <= now() GROUP BY ambassador_id) o ON o.ambassador_id = a.id
    LEFT JOIN (SELECT offer_ambassador_id, count(*)::int AS n FROM waitlist_entries
               WHERE status = 'offered' AND offer_expires_at > now() GROUP BY offer_ambassador_id) r ON r.offer_ambassador_id = a.id
    WHERE ambassador_in_term(a.status, a.term_end)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP VIEW ambassador_room`.execute(db)
  await sql`DROP TABLE waitlist_facts`.execute(db)
  await sql`DROP TABLE waitlist_entries`.execute(db)
  await sql`DROP FUNCTION waitlist_touch()`.execute(db)
  await sql`ALTER TABLE engagements DROP COLUMN alternates`.execute(db)
}
