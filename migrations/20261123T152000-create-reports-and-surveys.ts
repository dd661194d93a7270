// Statistical reports, anonymous surveys and the de-identified facts statistics are computed from
// (RPT-1…RPT-4). Everything the statistics count lives here, in tables with no manager identity, so
// purging identifying engagement data (RET-1) changes no published figure.
//
// - reports: one row per interaction, enumerations and numbers only (no free text, CONF-4). The
//   engagement reference is nullable and set to NULL when the engagement is purged.
// - report_rollups: counts by (month, mode, language, stage, urgency) × optional topic × optional
//   referral category ("grain"), maintained off the request path by a periodic job from
//   report_rollup_queue (an append-only list of reports not yet rolled up: inserting a report never
//   waits on a shared counter row). Statistics read rollups + queue in one statement.
// - engagement_facts: a de-identified row per engagement event (requested, closed, declined,
//   withdrawn, expired), written by triggers on engagements: month and enumerations, no id.
// - manager_survey_responses / ambassador_survey_responses: random uuid, month, answers. No
//   manager, engagement, token or time column; spent tokens (hashes) and Ambassador receipts are
//   kept apart and carry nothing that points at a response.
// Frozen in time: imports no application code.
import { sql, type Kysely } from 'kysely'

const MODES = sql`ARRAY['in_person','phone','video','email']::text[]`
const TOPICS = sql`ARRAY['recognizing_signs','role_and_responsibilities','difficult_conversation','performance_and_wellbeing',
  'return_to_work','accommodation','team_impact','crisis','grief_and_loss','substance_use','workplace_conflict','manager_self_care']::text[]`
const REFERRAL_CATEGORIES = sql`ARRAY['eap','peer_support_program','informal_conflict_management','values_and_ethics',
  'disability_management','human_resources','union_representative','learning','tools_and_guides','external_resources']::text[]`
const STAGES = sql`ARRAY['building_trust','goal_setting','working_toward_goals','ending']::text[]`

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE reports (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      ambassador_id uuid NOT NULL REFERENCES ambassadors(id),
      engagement_id uuid REFERENCES engagements(id) ON DELETE SET NULL,
      occurred_on date NOT NULL,
      period date NOT NULL GENERATED ALWAYS AS (date_trunc('month', occurred_on::timestamp)::date) STORED,
      mode text NOT NULL CHECK (mode = ANY (${MODES})),
      duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 1 AND 480),
      meeting_number integer NOT NULL CHECK (meeting_number BETWEEN 1 AND 100),
      stage text NOT NULL CHECK (stage = ANY (${STAGES})),
      topics text[] NOT NULL CHECK (cardinality(topics) <= 12 AND topics <@ ${TOPICS}),
      referral_categories text[] NOT NULL CHECK (cardinality(referral_categories) <= 10 AND referral_categories <@ ${REFERRAL_CATEGORIES}),
      urgency text NOT NULL CHECK (urgency IN ('routine','urgent')),
      language text NOT NULL CHECK (language IN ('en','fr')),
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  // One report per interaction of an engagement; also the index ON DELETE SET NULL uses.
  await sql`CREATE UNIQUE INDEX reports_one_per_meeting ON reports (engagement_id, meeting_number) WHERE engagement_id IS NOT NULL`.execute(db)
  await sql`CREATE INDEX reports_by_ambassador ON reports (ambassador_id, occurred_on DESC, id DESC)`.execute(db)
  await sql`CREATE INDEX reports_by_date ON reports (occurred_on DESC, id DESC)`.execute(db)

  await sql`CREATE TABLE report_rollup_queue (report_id uuid PRIMARY KEY)`.execute(db)
  await sql`
    CREATE TABLE report_rollups (
      grain smallint NOT NULL CHECK (grain BETWEEN 0 AND 3),
      period date NOT NULL,
      mode text NOT NULL,
      language text NOT NULL,
      stage text NOT NULL,
      urgency text NOT NULL,
      topic text NOT NULL,
      referral_category text NOT NULL,
      n bigint NOT NULL,
      minutes bigint NOT NULL,
      PRIMARY KEY (grain, period, mode, language, stage, urgency, topic, referral_category)
    )`.execute(db)

  await sql`
    CREATE TABLE engagement_facts (
      event text NOT NULL CHECK (event IN ('requested','closed','declined','withdrawn','expired')),
      period date NOT NULL,
      language text NOT NULL,
      urgency text NOT NULL,
      stage text NOT NULL,
      outcome text,
      modes text[] NOT NULL DEFAULT '{}',
      topics text[] NOT NULL DEFAULT '{}',
      referral_categories text[] NOT NULL DEFAULT '{}'
    )`.execute(db)
  await sql`CREATE INDEX engagement_facts_by_event ON engagement_facts (event, period)`.execute(db)
  // A request (a transfer is the same request continuing, not a new one) and every end of an
  // engagement leave a de-identified fact: month and enumerations only. For a closure, the modes
  // of the meetings held and the categories of the referrals made.
  await sql`
    CREATE FUNCTION engagement_facts_record() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF NEW.transferred_from IS NULL THEN
          INSERT INTO engagement_facts (event, period, language, urgency, stage, topics)
          VALUES ('requested', date_trunc('month', now())::date, NEW.language, NEW.urgency, NEW.stage, NEW.topics);
        END IF;
      ELSIF NEW.status IS DISTINCT FROM OLD.status AND NEW.status IN ('closed','declined','withdrawn','expired') THEN
        INSERT INTO engagement_facts (event, period, language, urgency, stage, outcome, modes, topics, referral_categories)
        VALUES (NEW.status, date_trunc('month', now())::date, NEW.language, NEW.urgency, NEW.stage,
          CASE WHEN NEW.status = 'closed' THEN NEW.outcome END,
          coalesce((SELECT array_agg(DISTINCT m.mode ORDER BY m.mode) FROM meetings m WHERE m.engagement_id = NEW.id AND m.held), '{}'),
          NEW.topics,
          coalesce((SELECT array_agg(DISTINCT r.slug ORDER BY r.slug) FROM referrals f JOIN resources r ON r.id = f.resource_id
            WHERE f.engagement_id = NEW.id), '{}'));
      END IF;
      RETURN NULL;
    END $$`.execute(db)
  await sql`CREATE TRIGGER engagement_facts_on_insert AFTER INSERT ON engagements
    FOR EACH ROW EXECUTE FUNCTION engagement_facts_record()`.execute(db)
  await sql`CREATE TRIGGER engagement_facts_on_status AFTER UPDATE OF status ON engagements
    FOR EACH ROW EXECUTE FUNCTION engagement_facts_record()`.execute(db)

  await sql`
    CREATE TABLE manager_survey_responses (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      period date NOT NULL DEFAULT date_trunc('month', now())::date,
      trust_built smallint NOT NULL CHECK (trust_built BETWEEN 1 AND 5),
      felt_judged boolean NOT NULL,
      knowledge_experience smallint NOT NULL CHECK (knowledge_experience BETWEEN 1 AND 5),
      referrals_effective text NOT NULL CHECK (referrals_effective IN ('yes','no','not_applicable')),
      follow_up_after_referral text NOT NULL CHECK (follow_up_after_referral IN ('yes','no','not_applicable')),
      needed_more_than_two_meetings boolean NOT NULL
    )`.execute(db)
  await sql`CREATE INDEX manager_survey_responses_by_period ON manager_survey_responses (period)`.execute(db)
  await sql`CREATE TABLE survey_spent_tokens (token_hash text PRIMARY KEY, period date NOT NULL DEFAULT date_trunc('month', now())::date)`.execute(db)

  await sql`
    CREATE TABLE ambassador_survey_responses (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      period date NOT NULL DEFAULT date_trunc('month', now())::date,
      training_adequate smallint NOT NULL CHECK (training_adequate BETWEEN 1 AND 5),
      able_to_fulfil_role text NOT NULL CHECK (able_to_fulfil_role IN ('yes','partly','no')),
      meetings_needed smallint NOT NULL CHECK (meetings_needed BETWEEN 1 AND 50)
    )`.execute(db)
  await sql`CREATE INDEX ambassador_survey_responses_by_period ON ambassador_survey_responses (period)`.execute(db)
  // One evaluation per closed engagement: a hash of the engagement id, nothing else.
  await sql`CREATE TABLE ambassador_survey_receipts (engagement_hash text PRIMARY KEY)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS engagement_facts_on_insert ON engagements`.execute(db)
  await sql`DROP TRIGGER IF EXISTS engagement_facts_on_status ON engagements`.execute(db)
  await sql`DROP FUNCTION IF EXISTS engagement_facts_record()`.execute(db)
  await sql`DROP TABLE IF EXISTS ambassador_survey_receipts, ambassador_survey_responses, survey_spent_tokens,
    manager_survey_responses, engagement_facts, report_rollups, report_rollup_queue, reports`.execute(db)
}
