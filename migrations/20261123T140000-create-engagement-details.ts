// Meetings, goals (Annex G), referrals (Annex H), extension decisions and the survey token of an
// engagement (ENG-5…ENG-8). No free-text notes anywhere (CONF-4): goal fields are the manager's.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE engagements
    ADD COLUMN extensions integer NOT NULL DEFAULT 0,
    ADD COLUMN extension_proposed_at timestamptz,
    ADD COLUMN survey_token text UNIQUE,
    ADD COLUMN survey_token_expires_at timestamptz,
    ADD COLUMN transfer_reason text CHECK (transfer_reason IN ('outside_competence','conflict_of_interest','ambassador_unavailable')),
    ADD COLUMN carried_over boolean,
    ADD CONSTRAINT engagements_outcome CHECK (outcome IN ('goals_met','partially_met','referred_to_resource','no_longer_needed','other'))`.execute(db)

  await sql`
    CREATE TABLE meetings (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      engagement_id uuid NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
      scheduled_at timestamptz NOT NULL,
      duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 15 AND 120),
      mode text NOT NULL CHECK (mode IN ('in_person','phone','video','email')),
      held boolean NOT NULL DEFAULT false,
      cancelled boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      CHECK (NOT (held AND cancelled))
    )`.execute(db)
  await sql`CREATE INDEX meetings_by_engagement ON meetings (engagement_id, scheduled_at)`.execute(db)

  await sql`
    CREATE TABLE goals (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      engagement_id uuid NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
      title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
      benefits_to_you text CHECK (length(benefits_to_you) <= 2000),
      benefits_to_organisation text CHECK (length(benefits_to_organisation) <= 2000),
      barriers text CHECK (length(barriers) <= 2000),
      external_resources text CHECK (length(external_resources) <= 2000),
      progress_measures text CHECK (length(progress_measures) <= 2000),
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','achieved','dropped')),
      proposal jsonb,
      proposed_at timestamptz,
      version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )`.execute(db)
  await sql`CREATE INDEX goals_by_engagement ON goals (engagement_id, created_at)`.execute(db)

  await sql`
    CREATE TABLE referrals (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      engagement_id uuid NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
      resource_id uuid NOT NULL REFERENCES resources(id),
      for_whom text NOT NULL CHECK (for_whom IN ('employee_situation','manager_self_care')),
      follow_up_due_at timestamptz NOT NULL,
      followed_up_at timestamptz,
      helpful boolean,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )`.execute(db)
  await sql`CREATE INDEX referrals_by_engagement ON referrals (engagement_id, created_at)`.execute(db)
  await sql`CREATE INDEX referrals_follow_up_due ON referrals (follow_up_due_at) WHERE followed_up_at IS NULL`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS referrals, goals, meetings`.execute(db)
  await sql`ALTER TABLE engagements DROP COLUMN extensions, DROP COLUMN extension_proposed_at, DROP COLUMN survey_token,
    DROP COLUMN survey_token_expires_at, DROP COLUMN transfer_reason, DROP COLUMN carried_over, DROP CONSTRAINT engagements_outcome`.execute(db)
}
