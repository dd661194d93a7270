// The resource catalogue for referrals (ENG-7, Annex H; §3.10 resource kinds), seeded with the named
// programs. Each resource has a stable slug by which code finds it (EAP, the Peer Support Program).
// Frozen in time: imports no application code.
import { sql, type Kysely } from 'kysely'

const SEED: [slug: string, kind: string, nameEn: string, nameFr: string, descEn: string, descFr: string][] = [
  ['eap', 'advisory_service', 'Employee Assistance Program (EAP)', 'Programme d’aide aux employés (PAE)',
    'Confidential short-term counselling, available 24 hours a day, 7 days a week, for employees and their families facing personal or work-related difficulties. Managers can also call it for advice on supporting an employee.',
    'Service de counseling confidentiel à court terme, offert 24 heures sur 24, 7 jours sur 7, aux employés et à leur famille qui vivent des difficultés personnelles ou liées au travail. Les gestionnaires peuvent aussi l’appeler pour obtenir des conseils sur la façon de soutenir un employé.'],
  ['peer_support_program', 'advisory_service', 'Peer Support Program', 'Programme de soutien par les pairs',
    'Trained volunteer colleagues who listen confidentially and help any employee, including a manager seeking support for their own well-being, find the right resources.',
    'Des collègues bénévoles formés qui écoutent en toute confidentialité et aident tout employé, y compris un gestionnaire qui cherche du soutien pour son propre bien-être, à trouver les ressources appropriées.'],
  ['informal_conflict_management', 'advisory_service', 'Office of Informal Conflict Management', 'Bureau de la gestion informelle des conflits',
    'Confidential, voluntary help to prevent and resolve workplace conflict: coaching, facilitated conversations and mediation.',
    'Aide confidentielle et volontaire pour prévenir et résoudre les conflits en milieu de travail : encadrement, conversations facilitées et médiation.'],
  ['values_and_ethics', 'advisory_service', 'Office of Values and Ethics', 'Bureau des valeurs et de l’éthique',
    'Advice on the Values and Ethics Code, conflicts of interest and ethical dilemmas at work.',
    'Conseils sur le Code de valeurs et d’éthique, les conflits d’intérêts et les dilemmes éthiques au travail.'],
  ['disability_management', 'advisory_service', 'Disability Management', 'Gestion de l’incapacité',
    'Guidance for managers on sick leave, return to work and workplace accommodation.',
    'Orientation pour les gestionnaires sur les congés de maladie, le retour au travail et les mesures d’adaptation en milieu de travail.'],
  ['human_resources', 'advisory_service', 'Human Resources', 'Ressources humaines',
    'Human resources advisors for labour relations, leave, staffing and workplace well-being questions.',
    'Conseillers en ressources humaines pour les questions de relations de travail, de congés, de dotation et de mieux-être au travail.'],
  ['union_representative', 'advisory_service', 'Union representative', 'Représentant syndical',
    'The employee’s bargaining agent representative, who can advise and accompany the employee.',
    'Le représentant de l’agent négociateur de l’employé, qui peut conseiller et accompagner l’employé.'],
  ['learning', 'learning', 'Learning', 'Apprentissage',
    'Courses and workshops on mental health in the workplace, such as training on recognizing signs of distress and on difficult conversations.',
    'Cours et ateliers sur la santé mentale en milieu de travail, comme une formation sur la façon de reconnaître les signes de détresse et de mener des conversations difficiles.'],
  ['tools_and_guides', 'tools_and_guides', 'Tools and guides', 'Outils et guides',
    'Practical tools and guides for managers: conversation guides, checklists and the National Standard for Psychological Health and Safety in the Workplace.',
    'Outils et guides pratiques pour les gestionnaires : guides de conversation, listes de vérification et la Norme nationale sur la santé et la sécurité psychologiques en milieu de travail.'],
  ['external_resources', 'external_resource', 'External resources', 'Ressources externes',
    'Community and national resources outside the department, such as crisis lines and mental health associations.',
    'Ressources communautaires et nationales à l’extérieur du ministère, comme les lignes d’écoute en situation de crise et les associations en santé mentale.'],
]

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE resources (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z][a-z0-9_]{1,62}$'),
      kind text NOT NULL CHECK (kind IN ('advisory_service','learning','tools_and_guides','external_resource')),
      name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
      name_fr text NOT NULL CHECK (length(name_fr) BETWEEN 1 AND 200),
      description_en text NOT NULL CHECK (length(description_en) BETWEEN 1 AND 2000),
      description_fr text NOT NULL CHECK (length(description_fr) BETWEEN 1 AND 2000),
      url text CHECK (length(url) BETWEEN 1 AND 2000),
      active boolean NOT NULL DEFAULT true,
      version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  await db.insertInto('resources').values(SEED.map(([slug, kind, nameEn, nameFr, descEn, descFr]) => ({
    slug, kind, name_en: nameEn, name_fr: nameFr, description_en: descEn, description_fr: descFr,
  }))).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS resources`.execute(db)
}
