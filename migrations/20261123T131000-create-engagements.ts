// Engagements: a manager and the Ambassador they picked (ENG-1…ENG-11). No free-text notes
// column exists (CONF-4).
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE engagements (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      ambassador_id uuid NOT NULL REFERENCES ambassadors(id),
      manager_ref text NOT NULL CHECK (length(manager_ref) BETWEEN 1 AND 128),
      status text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested','accepted','active','declined',
        'withdrawn','expired','closed','transfer_required','transferred')),
      stage text NOT NULL DEFAULT 'building_trust' CHECK (stage IN ('building_trust','goal_setting',
        'working_toward_goals','ending')),
      language text NOT NULL CHECK (language IN ('en','fr')),
      preferred_modes text[] NOT NULL CHECK (cardinality(preferred_modes) >= 1
        AND preferred_modes <@ ARRAY['in_person','phone','video','email']::text[]),
      urgency text NOT NULL CHECK (urgency IN ('routine','urgent')),
      topics text[] NOT NULL DEFAULT '{}',
      decline_reason text CHECK (decline_reason IN ('conflict_of_interest','capacity','outside_competence','other')),
      outcome text,
      transferred_from uuid REFERENCES engagements(id),
      requested_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL DEFAULT now() + interval '5 days',
      responded_at timestamptz,
      closed_at timestamptz,
      version integer NOT NULL DEFAULT 1,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  // One open engagement per manager and Ambassador (ENG-2), also under concurrency.
  await sql`CREATE UNIQUE INDEX engagements_one_open_per_pair ON engagements (ambassador_id, manager_ref)
    WHERE status IN ('requested','accepted','active','transfer_required')`.execute(db)
  await sql`CREATE INDEX engagements_by_manager ON engagements (manager_ref, requested_at DESC, id DESC)`.execute(db)
  await sql`CREATE INDEX engagements_by_ambassador ON engagements (ambassador_id, requested_at DESC, id DESC)`.execute(db)
  await sql`CREATE INDEX engagements_for_office ON engagements (requested_at DESC, id DESC)`.execute(db)
  await sql`CREATE INDEX engagements_overdue_requests ON engagements (expires_at) WHERE status = 'requested'`.execute(db)
  await sql`
    CREATE FUNCTION engagements_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.version := OLD.version + 1;
      NEW.updated_at := now();
      RETURN NEW;
    END $$`.execute(db)
  await sql`CREATE TRIGGER engagements_touch BEFORE UPDATE ON engagements
    FOR EACH ROW EXECUTE FUNCTION engagements_touch()`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS engagements`.execute(db)
  await sql`DROP FUNCTION IF EXISTS engagements_touch()`.execute(db)
}
