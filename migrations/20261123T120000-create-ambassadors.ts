// Ambassadors, their selection lifecycle, training, the Guidelines of Conduct (version 1 from
// Annex E) and the notification inboxes. Frozen in time: imports no application code.
import { createHash } from 'node:crypto'
import { sql, type Kysely } from 'kysely'

const GUIDELINES_V1_EN = `M2M Ambassador Principles & Guidelines of Conduct (version 1, Annex E)

Principles
Commitment - An M2M Ambassador is committed to the role of supporting managers of ESDC who are experiencing challenges in meeting the needs of their employees who are facing mental health related challenges and to help them create a psychologically healthy and safe workplace.
Acceptance - An M2M Ambassador is empathetic, and free of judgment.
Communication - An M2M Ambassador is effective in different interpersonal contexts and capable of adjusting their communication style to meet the needs of the manager they are supporting.
Optimism & Faith - An M2M Ambassador focuses on and affirms the potential of the managers they support and has faith that every challenge has a solution.

Guidelines of Conduct
Ambassadors shall:
1. Refrain from offering clinical advice and guidance.
2. Refrain from giving advice or information that may be confidential, misleading or where it is not possible to assess its accuracy. Where information relates to regulated industries such as legal or finance information, Ambassadors should not give advice in these areas.
3. Always look for opportunities to enhance understanding and acceptance of the M2M Network wherever appropriate.
4. Share skills, knowledge and experience with fellow Ambassadors to further increase the body of knowledge, skills and competencies of the network.
5. At all times, operate within the limits of their own competence, recognise where that competence has the potential to be exceeded and where necessary refer the manager either to a more experienced Ambassador, or support and/or refer the manager in seeking the help of another professional, such as a counsellor, psychotherapist or business/financial advisor.
6. Develop and continually enhance their level of the identified competencies by participating in relevant training and appropriate Continuing Professional Development activities.
7. Be aware of the potential for conflicts of interest that may arise through developing relationship between the Ambassador and the manager and deal with them quickly and effectively to ensure there is no harm to the manager.
8. Act within applicable ESDC policies, code of ethics and federal public service regulations and do not encourage, assist or collude with others engaged in conduct which is dishonest, unlawful, unprofessional or discriminatory.
9. Not exploit the manager in any manner, including, but not limited to, financial, emotional or sexual, and refrain from exceeding the professional bounds of the relationship.`

const GUIDELINES_V1_FR = `Principes et lignes directrices de conduite des ambassadeurs du Réseau G2G (version 1, annexe E)

Principes
Engagement - L’ambassadeur du Réseau G2G s’engage à soutenir les gestionnaires d’EDSC qui éprouvent des difficultés à répondre aux besoins de leurs employés aux prises avec des problèmes de santé mentale, et à les aider à créer un milieu de travail psychologiquement sain et sécuritaire.
Acceptation - L’ambassadeur du Réseau G2G fait preuve d’empathie et ne porte pas de jugement.
Communication - L’ambassadeur du Réseau G2G est efficace dans différents contextes interpersonnels et capable d’adapter son style de communication aux besoins du gestionnaire qu’il soutient.
Optimisme et confiance - L’ambassadeur du Réseau G2G met l’accent sur le potentiel des gestionnaires qu’il soutient, l’affirme, et croit que chaque difficulté a une solution.

Lignes directrices de conduite
Les ambassadeurs doivent :
1. S’abstenir d’offrir des conseils ou une orientation cliniques.
2. S’abstenir de donner des conseils ou des renseignements qui pourraient être confidentiels, trompeurs ou dont l’exactitude ne peut être évaluée. Lorsque l’information relève de domaines réglementés, comme le droit ou la finance, les ambassadeurs ne doivent pas donner de conseils dans ces domaines.
3. Toujours chercher les occasions de favoriser la compréhension et l’acceptation du Réseau G2G, lorsque cela est approprié.
4. Partager leurs compétences, leurs connaissances et leur expérience avec les autres ambassadeurs afin d’enrichir le savoir, les habiletés et les compétences du réseau.
5. En tout temps, agir dans les limites de leur propre compétence, reconnaître quand cette compétence risque d’être dépassée et, au besoin, diriger le gestionnaire vers un ambassadeur plus expérimenté, ou l’aider à obtenir l’aide d’un autre professionnel, comme un conseiller, un psychothérapeute ou un conseiller d’affaires ou financier.
6. Développer et améliorer continuellement leur niveau dans les compétences définies en participant à la formation pertinente et à des activités appropriées de perfectionnement professionnel continu.
7. Être conscients des conflits d’intérêts qui peuvent découler de la relation qui se développe entre l’ambassadeur et le gestionnaire, et les régler rapidement et efficacement afin que le gestionnaire ne subisse aucun préjudice.
8. Agir conformément aux politiques d’EDSC, au code d’éthique et aux règlements de la fonction publique fédérale, et ne pas encourager ni aider quiconque adopte une conduite malhonnête, illégale, non professionnelle ou discriminatoire, ni être de connivence avec lui.
9. N’exploiter le gestionnaire d’aucune façon, notamment sur le plan financier, émotionnel ou sexuel, et ne pas dépasser les limites professionnelles de la relation.`

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE SEQUENCE ambassador_stamp_seq`.execute(db)

  await sql`
    CREATE TABLE ambassadors (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      employee_ref text NOT NULL CHECK (length(employee_ref) BETWEEN 1 AND 128),
      display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 120),
      bio_en text CHECK (length(bio_en) <= 2000),
      bio_fr text CHECK (length(bio_fr) <= 2000),
      languages text[] NOT NULL DEFAULT '{}' CHECK (languages <@ ARRAY['en','fr']::text[]),
      modes text[] NOT NULL DEFAULT '{}' CHECK (modes <@ ARRAY['in_person','phone','video','email']::text[]),
      topics text[] NOT NULL DEFAULT '{}' CHECK (topics <@ ARRAY['recognizing_signs','role_and_responsibilities',
        'difficult_conversation','performance_and_wellbeing','return_to_work','accommodation','team_impact','crisis',
        'grief_and_loss','substance_use','workplace_conflict','manager_self_care']::text[]),
      capacity integer NOT NULL DEFAULT 3 CHECK (capacity BETWEEN 1 AND 10),
      open_engagements integer NOT NULL DEFAULT 0 CHECK (open_engagements >= 0),
      status text NOT NULL DEFAULT 'applicant' CHECK (status IN ('applicant','screened','interviewed',
        'references_checked','retraining','oriented','active','rejected','withdrawn','suspended','revoked')),
      term_start timestamptz,
      term_end timestamptz,
      designated_contact_ref text CHECK (length(designated_contact_ref) BETWEEN 1 AND 128),
      competencies jsonb,
      guidelines_version integer,
      guidelines_accepted_at timestamptz,
      version integer NOT NULL DEFAULT 1,
      stamp bigint NOT NULL DEFAULT nextval('ambassador_stamp_seq'),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (status <> 'active' OR (term_start IS NOT NULL AND term_end IS NOT NULL))
    )`.execute(db)
  // One live record per employee: a rejected or withdrawn candidate may apply again.
  await sql`CREATE UNIQUE INDEX ambassadors_one_live_record ON ambassadors (employee_ref)
    WHERE status NOT IN ('rejected','withdrawn','revoked')`.execute(db)
  // The directory walks active Ambassadors in (display_name, id) order: keyset pagination.
  await sql`CREATE INDEX ambassadors_directory ON ambassadors (display_name, id) WHERE status = 'active'`.execute(db)
  await sql`CREATE INDEX ambassadors_admin_list ON ambassadors (status, display_name, id)`.execute(db)
  await sql`CREATE INDEX ambassadors_stamp ON ambassadors (stamp)`.execute(db)
  // Every change bumps the row version (ETag) and the directory stamp (the cheap 304 check).
  await sql`
    CREATE FUNCTION ambassadors_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.version := OLD.version + 1;
      NEW.stamp := nextval('ambassador_stamp_seq');
      NEW.updated_at := now();
      RETURN NEW;
    END $$`.execute(db)
  await sql`CREATE TRIGGER ambassadors_touch BEFORE UPDATE ON ambassadors
    FOR EACH ROW EXECUTE FUNCTION ambassadors_touch()`.execute(db)

  await sql`
    CREATE TABLE ambassador_status_history (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      ambassador_id uuid NOT NULL REFERENCES ambassadors(id),
      from_status text,
      to_status text NOT NULL,
      reason text CHECK (length(reason) <= 500),
      actor_ref text NOT NULL,
      actor_role text NOT NULL,
      at timestamptz NOT NULL DEFAULT clock_timestamp()
    )`.execute(db)
  await sql`CREATE INDEX ambassador_status_history_by_ambassador ON ambassador_status_history (ambassador_id, at)`.execute(db)

  await sql`
    CREATE TABLE training_records (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      ambassador_id uuid NOT NULL REFERENCES ambassadors(id),
      kind text NOT NULL CHECK (kind IN ('orientation_part','pd_session','network_call')),
      part smallint CHECK (part BETWEEN 1 AND 6),
      held_on date NOT NULL,
      attended boolean NOT NULL,
      recorded_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      CHECK ((kind = 'orientation_part') = (part IS NOT NULL))
    )`.execute(db)
  await sql`CREATE INDEX training_records_by_ambassador ON training_records (ambassador_id, held_on, created_at)`.execute(db)

  await sql`
    CREATE TABLE conduct_guidelines (
      version integer PRIMARY KEY CHECK (version >= 1),
      text_en text NOT NULL,
      text_fr text NOT NULL,
      text_hash text NOT NULL,
      published_at timestamptz NOT NULL DEFAULT now(),
      published_by text NOT NULL
    )`.execute(db)
  const hash = createHash('sha256').update(`${GUIDELINES_V1_EN}\n\n${GUIDELINES_V1_FR}`).digest('hex')
  await sql`INSERT INTO conduct_guidelines (version, text_en, text_fr, text_hash, published_by)
    VALUES (1, ${GUIDELINES_V1_EN}, ${GUIDELINES_V1_FR}, ${hash}, 'nmno:initial')`.execute(db)

  await sql`
    CREATE TABLE guidelines_acceptances (
      ambassador_id uuid NOT NULL REFERENCES ambassadors(id),
      version integer NOT NULL REFERENCES conduct_guidelines(version),
      accepted_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (ambassador_id, version)
    )`.execute(db)

  // Inboxes. audience 'nmno' is the office's shared inbox (every nmno principal sees it, each
  // notification naming its designated contact); 'principal' is one person's own inbox.
  // data holds de-identified facts only.
  await sql`
    CREATE TABLE notifications (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      audience text NOT NULL CHECK (audience IN ('nmno','principal')),
      recipient_ref text,
      kind text NOT NULL,
      subject_type text,
      subject_id uuid,
      designated_contact_ref text,
      data jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      read_at timestamptz,
      resolved_at timestamptz,
      resolved_by text,
      CHECK ((audience = 'principal') = (recipient_ref IS NOT NULL))
    )`.execute(db)
  await sql`CREATE INDEX notifications_principal ON notifications (recipient_ref, created_at DESC, id DESC) WHERE audience = 'principal'`.execute(db)
  await sql`CREATE INDEX notifications_nmno ON notifications (created_at DESC, id DESC) WHERE audience = 'nmno'`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['notifications', 'guidelines_acceptances', 'conduct_guidelines', 'training_records', 'ambassador_status_history', 'ambassadors']) {
    await sql`DROP TABLE IF EXISTS ${sql.table(t)}`.execute(db)
  }
  await sql`DROP FUNCTION IF EXISTS ambassadors_touch()`.execute(db)
  await sql`DROP SEQUENCE IF EXISTS ambassador_stamp_seq`.execute(db)
}
