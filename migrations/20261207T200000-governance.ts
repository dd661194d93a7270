// #15: governance and the pilot's evaluation.
//   - governance_reviews and their meetings (minutes follow REV-1's text rule, checked by the policy);
//   - governance_recommendations (open → accepted → implemented | rejected), nmno's progress reports,
//     and the Ambassadors' acknowledgements of the ones addressed to them;
//   - program_milestones (Annex C);
//   - governance_decisions: a view, in order, of review outcomes, recommendation decisions, Guidelines
//     versions and revocation decisions (case id and decision only);
//   - survey_instruments: versioned, typed questions; version 1 of each audience is Annex I as the API
//     took it until now, plus the optional awareness-channel question (manager);
//   - the version a survey token answers (engagements.survey_instrument_version, set at closing) and,
//     on each response, the version answered, the awareness channel and answers to later questions;
//   - survey_comments_pending / survey_comment_batches: free-text comments held sealed, apart from the
//     answers, released to governance in shuffled batches.
// Frozen in time: imports no application code.
import { sql, type Kysely } from 'kysely'

const SCOPES = ['governance_structure', 'ambassador_role', 'competencies', 'guidelines', 'program']
const inList = (values: string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '))

const yn = [{ value: 'yes', label: { en: 'Yes', fr: 'Oui' } }, { value: 'no', label: { en: 'No', fr: 'Non' } }]
const CHANNELS: [string, string, string][] = [
  ['national_managers_community', 'National Managers’ Community', 'Communauté nationale des gestionnaires'],
  ['team_leaders_community_of_practice', 'Team Leaders’ Community of Practice', 'Communauté de pratique des chefs d’équipe'],
  ['management_committee', 'A management committee', 'Un comité de gestion'],
  ['human_resources', 'Human Resources', 'Ressources humaines'],
  ['union_representative', 'A union representative', 'Un représentant syndical'],
  ['eap', 'Employee Assistance Program (EAP)', 'Programme d’aide aux employés (PAE)'],
  ['informal_conflict_management', 'Office of Informal Conflict Management', 'Bureau de la gestion informelle des conflits'],
  ['values_and_ethics', 'Office of Values and Ethics', 'Bureau des valeurs et de l’éthique'],
  ['disability_management', 'Disability Management', 'Gestion de l’incapacité'],
  ['iservice', 'iService', 'iService'],
  ['other', 'Other', 'Autre'],
]

const MANAGER_V1 = [
  { id: 'trustBuilt', type: 'scale_1_5', required: true, text: { en: 'Were you able to build a safe and trusting relationship with your Ambassador?', fr: 'Avez-vous pu établir une relation sûre et de confiance avec votre ambassadeur?' } },
  { id: 'feltJudged', type: 'yes_no', required: true, text: { en: 'Did you feel judged?', fr: 'Vous êtes-vous senti jugé?' } },
  { id: 'knowledgeExperience', type: 'scale_1_5', required: true, text: { en: 'Did your Ambassador have the knowledge and experience to help resolve the issue?', fr: 'Votre ambassadeur avait-il les connaissances et l’expérience pour aider à résoudre la situation?' } },
  { id: 'referralsEffective', type: 'yes_no_na', required: true, text: { en: 'If referred to other resources, were these effective?', fr: 'Si vous avez été orienté vers d’autres ressources, ont-elles été efficaces?' } },
  { id: 'followUpAfterReferral', type: 'yes_no_na', required: true, text: { en: 'After a referral, did your Ambassador follow up with you?', fr: 'Après une orientation, votre ambassadeur a-t-il fait un suivi auprès de vous?' } },
  { id: 'neededMoreThanTwoMeetings', type: 'yes_no', required: true, text: { en: 'Did you require more than the 2 initial meetings?', fr: 'Avez-vous eu besoin de plus que les 2 rencontres initiales?' } },
  {
    id: 'awarenessChannel', type: 'choice', required: false, text: { en: 'How did you hear about the Network?', fr: 'Comment avez-vous entendu parler du Réseau?' },
    options: CHANNELS.map(([value, en, fr]) => ({ value, label: { en, fr } })),
  },
  { id: 'comment', type: 'comment', required: false, text: { en: 'Anything else you want to tell the program (optional; do not name anyone)?', fr: 'Autre chose à dire au programme (facultatif; ne nommez personne)?' } },
]
const AMBASSADOR_V1 = [
  { id: 'trainingAdequate', type: 'scale_1_5', required: true, text: { en: 'Did your training prepare you adequately for this role?', fr: 'Votre formation vous a-t-elle bien préparé à ce rôle?' } },
  {
    id: 'ableToFulfilRole', type: 'choice', required: true, text: { en: 'Were you able to fulfil your role?', fr: 'Avez-vous pu remplir votre rôle?' },
    options: [...yn.slice(0, 1), { value: 'partly', label: { en: 'Partly', fr: 'En partie' } }, ...yn.slice(1)],
  },
  { id: 'meetingsNeeded', type: 'count', required: true, min: 1, max: 50, text: { en: 'How many meetings were needed?', fr: 'Combien de rencontres ont été nécessaires?' } },
  { id: 'comment', type: 'comment', required: false, text: { en: 'Anything else you want to tell the program (optional; do not name anyone)?', fr: 'Autre chose à dire au programme (facultatif; ne nommez personne)?' } },
]

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE governance_reviews (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
      scope text NOT NULL CHECK (scope IN (${inList(SCOPES)})),
      period_from date NOT NULL,
      period_to date NOT NULL CHECK (period_to >= period_from),
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'concluded')),
      outcome text CHECK (outcome IS NULL OR length(outcome) BETWEEN 1 AND 8000),
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      concluded_by text,
      concluded_at timestamptz,
      version integer NOT NULL DEFAULT 1,
      CHECK ((status = 'concluded') = (concluded_at IS NOT NULL AND outcome IS NOT NULL))
    )`.execute(db)
  await sql`
    CREATE TABLE governance_review_meetings (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      review_id uuid NOT NULL REFERENCES governance_reviews (id),
      held_on date NOT NULL,
      attendees jsonb NOT NULL,
      minutes text NOT NULL CHECK (length(minutes) BETWEEN 1 AND 20000),
      recorded_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  await sql`CREATE INDEX governance_review_meetings_review ON governance_review_meetings (review_id, held_on, id)`.execute(db)
  await sql`
    CREATE TABLE governance_recommendations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      review_id uuid REFERENCES governance_reviews (id),
      title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
      body text NOT NULL CHECK (length(body) BETWEEN 1 AND 8000),
      audience text NOT NULL CHECK (audience IN ('nmno', 'ambassadors', 'all')),
      due_on date,
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'implemented', 'rejected')),
      reason text,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      accepted_by text,
      accepted_at timestamptz,
      closed_by text,
      closed_at timestamptz,
      version integer NOT NULL DEFAULT 1,
      CHECK ((status = 'rejected') = (reason IS NOT NULL))
    )`.execute(db)
  await sql`
    CREATE TABLE recommendation_progress (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      recommendation_id uuid NOT NULL REFERENCES governance_recommendations (id),
      note text NOT NULL CHECK (length(note) BETWEEN 1 AND 4000),
      reported_by text NOT NULL,
      reported_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  await sql`CREATE INDEX recommendation_progress_rec ON recommendation_progress (recommendation_id, reported_at)`.execute(db)
  await sql`
    CREATE TABLE recommendation_acknowledgements (
      recommendation_id uuid NOT NULL REFERENCES governance_recommendations (id),
      ambassador_id uuid NOT NULL REFERENCES ambassadors (id),
      acknowledged_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (recommendation_id, ambassador_id)
    )`.execute(db)
  await sql`
    CREATE TABLE program_milestones (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
      due_on date NOT NULL,
      status text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'in_progress', 'done', 'dropped')),
      note text CHECK (note IS NULL OR length(note) <= 4000),
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version integer NOT NULL DEFAULT 1
    )`.execute(db)
  for (const t of ['governance_reviews', 'governance_recommendations', 'program_milestones']) {
    await sql`CREATE TRIGGER ${sql.id(`${t}_bump_version`)} BEFORE UPDATE ON ${sql.table(t)}
      FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION bump_row_version()`.execute(db)
  }
  // The decisions log: every decision of the governance bodies, in order. Revocation decisions carry
  // the case id and the decision only (never the Ambassador, the grounds or the findings).
  await sql`
    CREATE VIEW governance_decisions AS
      SELECT concluded_at AS decided_at, 'review_outcome'::text AS kind, id AS subject_id, 'concluded'::text AS decision,
        title AS title, outcome AS detail
        FROM governance_reviews WHERE status = 'concluded'
      UNION ALL
      SELECT accepted_at, 'recommendation', id, 'accepted', title, NULL FROM governance_recommendations WHERE accepted_at IS NOT NULL
      UNION ALL
      SELECT closed_at, 'recommendation', id, status, title, reason FROM governance_recommendations WHERE status IN ('implemented', 'rejected')
      UNION ALL
      SELECT published_at, 'guidelines_version', NULL, 'published', 'Guidelines of Conduct, version ' || version, NULL FROM conduct_guidelines
      UNION ALL
      SELECT decided_at, 'revocation_decision', id, decision, NULL, NULL FROM revocation_cases WHERE status = 'decided'`.execute(db)

  await sql`
    CREATE TABLE survey_instruments (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      audience text NOT NULL CHECK (audience IN ('manager', 'ambassador')),
      version integer CHECK (version IS NULL OR version >= 1),
      questions jsonb NOT NULL,
      proposed_by text NOT NULL,
      proposed_at timestamptz NOT NULL DEFAULT now(),
      approved_by text,
      approved_at timestamptz,
      UNIQUE (audience, version),
      CHECK ((version IS NULL) = (approved_at IS NULL))
    )`.execute(db)
  await sql`INSERT INTO survey_instruments (audience, version, questions, proposed_by, approved_by, approved_at) VALUES
    ('manager', 1, ${JSON.stringify(MANAGER_V1)}::jsonb, 'annex-i', 'annex-i', now()),
    ('ambassador', 1, ${JSON.stringify(AMBASSADOR_V1)}::jsonb, 'annex-i', 'annex-i', now())`.execute(db)
  await sql`ALTER TABLE engagements ADD COLUMN survey_instrument_version integer`.execute(db)
  for (const t of ['manager_survey_responses', 'ambassador_survey_responses']) {
    await sql`ALTER TABLE ${sql.table(t)} ADD COLUMN instrument_version integer NOT NULL DEFAULT 1`.execute(db)
    await sql`ALTER TABLE ${sql.table(t)} ADD COLUMN extra_answers jsonb NOT NULL DEFAULT '{}'::jsonb`.execute(db)
  }
  await sql`ALTER TABLE manager_survey_responses ADD COLUMN awareness_channel text
    CHECK (awareness_channel IS NULL OR awareness_channel IN (${inList(CHANNELS.map((c) => c[0]))}))`.execute(db)
  // Comments: sealed, month only, no link to an answer; released in shuffled batches.
  await sql`
    CREATE TABLE survey_comments_pending (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      audience text NOT NULL CHECK (audience IN ('manager', 'ambassador')),
      period date NOT NULL,
      sealed text NOT NULL
    )`.execute(db)
  await sql`CREATE INDEX survey_comments_pending_period ON survey_comments_pending (period)`.execute(db)
  await sql`
    CREATE TABLE survey_comment_batches (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      period date NOT NULL,
      released_by text NOT NULL,
      released_at timestamptz NOT NULL DEFAULT now(),
      withheld integer NOT NULL DEFAULT 0,
      comments jsonb NOT NULL
    )`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS survey_comment_batches, survey_comments_pending`.execute(db)
  await sql`ALTER TABLE manager_survey_responses DROP COLUMN IF EXISTS awareness_channel`.execute(db)
  for (const t of ['manager_survey_responses', 'ambassador_survey_responses']) {
    await sql`ALTER TABLE ${sql.table(t)} DROP COLUMN IF EXISTS instrument_version, DROP COLUMN IF EXISTS extra_answers`.execute(db)
  }
  await sql`ALTER TABLE engagements DROP COLUMN IF EXISTS survey_instrument_version`.execute(db)
  await sql`DROP TABLE IF EXISTS survey_instruments`.execute(db)
  await sql`DROP VIEW IF EXISTS governance_decisions`.execute(db)
  await sql`DROP TABLE IF EXISTS program_milestones, recommendation_acknowledgements, recommendation_progress, governance_recommendations,
    governance_review_meetings, governance_reviews`.execute(db)
}
