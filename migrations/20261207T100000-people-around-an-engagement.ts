// #14: the people around an engagement. Frozen in time: imports no application code.
// - engagement_terms (versioned, bilingual, hashed; version 1 ships here) and the managers'
//   acceptances; engagements.terms_version: the version accepted when the request was made;
// - concerns (FAQ Q10, Q12; Confidentiality; Supervisor / Ambassador Conflict; Revocation) and their
//   private thread with the office; revocation_cases.concern_id links an ambassador_conduct concern;
// - crisis_escalations.debriefed_on / clinician_offered: nmno records the self-care debrief (CRS-2);
// - goals.review_on (Annex G: goals are reviewed);
// - ambassadors.supervisor_arrangement_on (Crisis: an understanding with the supervisor ahead of time);
// - reference_checks (Annex F); training_records.language (the orientation language of each part);
// - self_care_check_ins, private to the Ambassador (Roles and Responsibilities; Crisis).
import { createHash } from 'node:crypto'
import { sql, type Kysely } from 'kysely'

const TERMS_V1_EN = `Terms of use of the Manager to Manager (M2M) Network, version 1.
1. The network offers peer support from one manager to another: it is not counselling, therapy, medical, legal or human-resources advice, and it is not a complaint or performance process.
2. Every decision about your employee, your team and yourself remains yours; an Ambassador listens, shares experience and points to resources.
3. What you learn from your Ambassador, and anything you learn about them or about other people through the network, you keep confidential.
4. What you say stays between you and your Ambassador, except where someone is at imminent risk of harm or a child may be abused or neglected, when the Ambassador must act.
5. For your own wellness, the Employee Assistance Program and the Peer Support Program are there for you.`
const TERMS_V1_FR = `Conditions d’utilisation du Réseau de gestionnaire à gestionnaire (G2G), version 1.
1. Le réseau offre un soutien entre pairs, d’un gestionnaire à un autre : ce n’est ni du counseling, ni une thérapie, ni un avis médical, juridique ou de ressources humaines, ni un processus de plainte ou de gestion du rendement.
2. Toutes les décisions concernant votre employé, votre équipe et vous-même demeurent les vôtres; l’ambassadeur écoute, partage son expérience et oriente vers des ressources.
3. Ce que vous apprenez de votre ambassadeur, et tout ce que vous apprenez à son sujet ou au sujet d’autres personnes par le réseau, vous le gardez confidentiel.
4. Ce que vous dites reste entre vous et votre ambassadeur, sauf lorsqu’une personne court un risque imminent de préjudice ou qu’un enfant pourrait être maltraité ou négligé : l’ambassadeur doit alors agir.
5. Pour votre propre mieux-être, le Programme d’aide aux employés et le Programme de soutien par les pairs sont là pour vous.`

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE engagement_terms (
      version integer PRIMARY KEY CHECK (version >= 1),
      text_en text NOT NULL,
      text_fr text NOT NULL,
      text_hash text NOT NULL,
      published_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  const hash = createHash('sha256').update(`${TERMS_V1_EN}\n\n${TERMS_V1_FR}`).digest('hex')
  await sql`INSERT INTO engagement_terms (version, text_en, text_fr, text_hash) VALUES (1, ${TERMS_V1_EN}, ${TERMS_V1_FR}, ${hash})`.execute(db)
  await sql`
    CREATE TABLE engagement_terms_acceptances (
      manager_ref text NOT NULL CHECK (length(manager_ref) BETWEEN 1 AND 128),
      version integer NOT NULL REFERENCES engagement_terms(version),
      accepted_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (manager_ref, version)
    )`.execute(db)
  await sql`ALTER TABLE engagements ADD COLUMN terms_version integer REFERENCES engagement_terms(version)`.execute(db)

  await sql`
    CREATE TABLE concerns (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      kind text NOT NULL CHECK (kind IN ('improper_use','confidentiality_breach_by_manager','confidentiality_question',
        'supervisor_conflict','ambassador_conduct','other')),
      raiser_ref text NOT NULL CHECK (length(raiser_ref) BETWEEN 1 AND 128),
      raised_as text NOT NULL CHECK (raised_as IN ('ambassador','manager','employee')),
      ambassador_id uuid REFERENCES ambassadors(id),
      engagement_id uuid REFERENCES engagements(id) ON DELETE SET NULL,
      summary text NOT NULL CHECK (length(summary) BETWEEN 1 AND 4000),
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','acknowledged','resolved','escalated')),
      outcome text CHECK (outcome IS NULL OR length(outcome) BETWEEN 1 AND 2000),
      designated_contact_ref text,
      version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      CHECK ((status = 'resolved') = (outcome IS NOT NULL))
    )`.execute(db)
  await sql`CREATE INDEX concerns_by_raiser ON concerns (raiser_ref, created_at DESC, id DESC)`.execute(db)
  await sql`CREATE INDEX concerns_by_creation ON concerns (created_at DESC, id DESC)`.execute(db)
  await sql`
    CREATE TABLE concern_messages (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      concern_id uuid NOT NULL REFERENCES concerns(id) ON DELETE CASCADE,
      author_role text NOT NULL CHECK (author_role IN ('raiser','nmno')),
      author_ref text NOT NULL,
      text text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
      created_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )`.execute(db)
  await sql`CREATE INDEX concern_messages_by_concern ON concern_messages (concern_id, created_at, id)`.execute(db)
  await sql`ALTER TABLE revocation_cases ADD COLUMN concern_id uuid REFERENCES concerns(id)`.execute(db)

  await sql`ALTER TABLE crisis_escalations ADD COLUMN debriefed_on date, ADD COLUMN clinician_offered boolean,
    ADD CONSTRAINT crisis_debrief_whole CHECK ((debriefed_on IS NULL) = (clinician_offered IS NULL))`.execute(db)
  await sql`ALTER TABLE goals ADD COLUMN review_on date`.execute(db)
  await sql`ALTER TABLE ambassadors ADD COLUMN supervisor_arrangement_on date`.execute(db)
  await sql`ALTER TABLE training_records ADD COLUMN language text CHECK (language IN ('en','fr'))`.execute(db)

  await sql`
    CREATE TABLE reference_checks (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      ambassador_id uuid NOT NULL REFERENCES ambassadors(id),
      checked_on date NOT NULL,
      outcome text NOT NULL CHECK (outcome IN ('satisfactory','unsatisfactory')),
      recorded_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )`.execute(db)
  await sql`CREATE INDEX reference_checks_by_ambassador ON reference_checks (ambassador_id, created_at)`.execute(db)

  await sql`
    CREATE TABLE self_care_check_ins (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      ambassador_id uuid NOT NULL REFERENCES ambassadors(id),
      wellbeing smallint NOT NULL CHECK (wellbeing BETWEEN 1 AND 5),
      workload_impact text NOT NULL CHECK (workload_impact IN ('none','some','significant')),
      wants_contact boolean NOT NULL,
      contacted_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )`.execute(db)
  await sql`CREATE INDEX self_care_by_ambassador ON self_care_check_ins (ambassador_id, created_at DESC)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS self_care_check_ins, reference_checks, concern_messages`.execute(db)
  await sql`ALTER TABLE revocation_cases DROP COLUMN IF EXISTS concern_id`.execute(db)
  await sql`DROP TABLE IF EXISTS concerns`.execute(db)
  await sql`ALTER TABLE training_records DROP COLUMN IF EXISTS language`.execute(db)
  await sql`ALTER TABLE ambassadors DROP COLUMN IF EXISTS supervisor_arrangement_on`.execute(db)
  await sql`ALTER TABLE goals DROP COLUMN IF EXISTS review_on`.execute(db)
  await sql`ALTER TABLE crisis_escalations DROP CONSTRAINT IF EXISTS crisis_debrief_whole, DROP COLUMN IF EXISTS debriefed_on, DROP COLUMN IF EXISTS clinician_offered`.execute(db)
  await sql`ALTER TABLE engagements DROP COLUMN IF EXISTS terms_version`.execute(db)
  await sql`DROP TABLE IF EXISTS engagement_terms_acceptances, engagement_terms`.execute(db)
}
