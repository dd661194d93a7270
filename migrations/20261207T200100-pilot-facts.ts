// #15 item 3: what the pilot dashboard needs from engagements, kept de-identified in engagement_facts
// (month and enumerations, no id), so a purge changes no answer:
//   - 'accepted' events, and on 'accepted' and 'declined' the hours from the request to the answer
//     (whole hours, capped at 240), for the median time to a first answer, urgent vs routine;
//   - the decline reason on 'declined';
//   - 'transfer_required' events with their reason category;
//   - on 'closed', how many meetings were held (capped at 20), for the share needing more than two.
// The trigger function of 20261123T152000 is replaced by this extended one (same events as before,
// plus these).
// Frozen in time: imports no application code.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE engagement_facts DROP CONSTRAINT IF EXISTS engagement_facts_event_check`.execute(db)
  await sql`ALTER TABLE engagement_facts ADD CONSTRAINT engagement_facts_event_check
    CHECK (event IN ('requested','accepted','closed','declined','withdrawn','expired','transfer_required'))`.execute(db)
  await sql`ALTER TABLE engagement_facts
    ADD COLUMN decline_reason text CHECK (decline_reason IN ('conflict_of_interest','capacity','outside_competence','other')),
    ADD COLUMN transfer_reason text CHECK (transfer_reason IN ('outside_competence','conflict_of_interest','ambassador_unavailable')),
    ADD COLUMN hours_to_answer smallint CHECK (hours_to_answer BETWEEN 0 AND 240),
    ADD COLUMN meetings_held smallint CHECK (meetings_held BETWEEN 0 AND 20)`.execute(db)
  await sql`
    CREATE OR REPLACE FUNCTION engagement_facts_record() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF NEW.transferred_from IS NULL THEN
          INSERT INTO engagement_facts (event, period, language, urgency, stage, topics)
          VALUES ('requested', date_trunc('month', now())::date, NEW.language, NEW.urgency, NEW.stage, NEW.topics);
        END IF;
      ELSIF NEW.status IS DISTINCT FROM OLD.status AND NEW.status IN ('closed','declined','withdrawn','expired') THEN
        INSERT INTO engagement_facts (event, period, language, urgency, stage, outcome, modes, topics, referral_categories,
          decline_reason, hours_to_answer, meetings_held)
        VALUES (NEW.status, date_trunc('month', now())::date, NEW.language, NEW.urgency, NEW.stage,
          CASE WHEN NEW.status = 'closed' THEN NEW.outcome END,
          coalesce((SELECT array_agg(DISTINCT m.mode ORDER BY m.mode) FROM meetings m WHERE m.engagement_id = NEW.id AND m.held), '{}'),
          NEW.topics,
          coalesce((SELECT array_agg(DISTINCT r.slug ORDER BY r.slug) FROM referrals f JOIN resources r ON r.id = f.resource_id
            WHERE f.engagement_id = NEW.id), '{}'),
          CASE WHEN NEW.status = 'declined' THEN NEW.decline_reason END,
          CASE WHEN NEW.status = 'declined' AND NEW.responded_at IS NOT NULL
            THEN least(240, floor(extract(epoch FROM NEW.responded_at - NEW.requested_at) / 3600))::smallint END,
          CASE WHEN NEW.status = 'closed'
            THEN least(20, (SELECT count(*) FROM meetings m WHERE m.engagement_id = NEW.id AND m.held))::smallint END);
      ELSIF NEW.status IS DISTINCT FROM OLD.status AND NEW.status = 'accepted' THEN
        INSERT INTO engagement_facts (event, period, language, urgency, stage, topics, hours_to_answer)
        VALUES ('accepted', date_trunc('month', now())::date, NEW.language, NEW.urgency, NEW.stage, NEW.topics,
          least(240, floor(extract(epoch FROM coalesce(NEW.responded_at, now()) - NEW.requested_at) / 3600))::smallint);
      ELSIF NEW.status IS DISTINCT FROM OLD.status AND NEW.status = 'transfer_required' THEN
        INSERT INTO engagement_facts (event, period, language, urgency, stage, topics, transfer_reason)
        VALUES ('transfer_required', date_trunc('month', now())::date, NEW.language, NEW.urgency, NEW.stage, NEW.topics, NEW.transfer_reason);
      END IF;
      RETURN NULL;
    END $$`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DELETE FROM engagement_facts WHERE event IN ('accepted', 'transfer_required')`.execute(db)
  await sql`ALTER TABLE engagement_facts DROP COLUMN decline_reason, DROP COLUMN transfer_reason, DROP COLUMN hours_to_answer, DROP COLUMN meetings_held`.execute(db)
  await sql`ALTER TABLE engagement_facts DROP CONSTRAINT IF EXISTS engagement_facts_event_check`.execute(db)
  await sql`ALTER TABLE engagement_facts ADD CONSTRAINT engagement_facts_event_check
    CHECK (event IN ('requested','closed','declined','withdrawn','expired'))`.execute(db)
}
