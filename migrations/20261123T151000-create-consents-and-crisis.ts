// Consents, disclosures (CNS-1…CNS-4) and crisis escalations (CRS-2, CRS-3). Frozen in time:
// imports no application code.
//
// - consent_statements: the versioned text the manager agrees to, one row per version and language,
//   with the SHA-256 of the exact text (CNS-4: what the manager agreed to can be proven). Version 1
//   is written from the seed's "Confidentiality" and "Informed Consent" sections.
// - consents and disclosures are never deleted while their engagement exists (a trigger refuses it;
//   the engagement's purge, RET-1/RET-2, removes them with it through ON DELETE CASCADE), and a
//   disclosure is never changed once recorded.
// - crisis_escalations carry the follow-up with the manager (due 2 days after) as columns; the
//   self-care debrief lives in the nmno inbox (a `crisis_debrief` notification about the escalation,
//   resolved with the decision whether a clinician is offered).
import { createHash } from 'node:crypto'
import { sql, type Kysely } from 'kysely'

const STATEMENT_V1_EN = `M2M Network — Informed consent to release or obtain information (statement version 1)

I am a manager supported by an Ambassador of the Manager to Manager (M2M) Network. I understand that:

1. My name and the specific details of my support, discussions and interactions with my Ambassador are confidential. All Ambassadors and users of the Network must respect confidentiality.
2. My written informed consent is required before any information about me can be released to, or obtained from, another individual, agency or institution.
3. With this consent, my Ambassador may release information to, or obtain information from, only the recipient named in it, only the categories of information it lists, only in the direction it states, and for the sole purpose of engaging additional support for me.
4. This consent is valid until the expiry date it states, unless I withdraw it sooner. I may withdraw it at any time; from that moment it authorizes nothing more. Information shared before the withdrawal cannot be recalled.
5. Without my consent, confidentiality can be breached only in matters of imminent danger: an imminent threat of harm to oneself, an imminent threat of harm to others, or a suspicion of, or known, child abuse or serious neglect. In those cases my consent is not required, and my Ambassador informs the designated contact at the National M2M Network Office without giving my name.
6. Every release or receipt of information about me is recorded, and I can read that record.
7. I am free to refuse this consent.

By typing my full name and confirming my agreement, I give my informed consent on the terms above and on the terms stated in this consent (recipient, direction, categories of information, purpose and expiry).`

const STATEMENT_V1_FR = `Réseau G2G — Consentement éclairé à la communication ou à l’obtention de renseignements (énoncé version 1)

Je suis un gestionnaire soutenu par un ambassadeur du Réseau de gestionnaire à gestionnaire (G2G). Je comprends que :

1. Mon nom et les détails précis de mon soutien, de mes discussions et de mes échanges avec mon ambassadeur sont confidentiels. Tous les ambassadeurs et les utilisateurs du Réseau doivent respecter la confidentialité.
2. Mon consentement éclairé écrit est requis avant que tout renseignement à mon sujet puisse être communiqué à une autre personne, un autre organisme ou une autre institution, ou obtenu de ceux-ci.
3. Par ce consentement, mon ambassadeur peut communiquer des renseignements au destinataire qui y est nommé, ou en obtenir de lui, uniquement pour les catégories de renseignements qui y sont énumérées, uniquement dans le sens qui y est indiqué, et dans le seul but d’obtenir un soutien supplémentaire pour moi.
4. Ce consentement est valide jusqu’à la date d’expiration qui y est indiquée, à moins que je ne le retire plus tôt. Je peux le retirer en tout temps; dès ce moment, il n’autorise plus rien. Les renseignements communiqués avant le retrait ne peuvent être rappelés.
5. Sans mon consentement, la confidentialité ne peut être levée qu’en cas de danger imminent : une menace imminente de préjudice envers soi-même, une menace imminente de préjudice envers autrui, ou un soupçon ou la connaissance de mauvais traitements ou de négligence grave envers un enfant. Dans ces cas, mon consentement n’est pas requis, et mon ambassadeur en informe la personne-ressource désignée du Bureau national du Réseau G2G sans donner mon nom.
6. Chaque communication ou obtention de renseignements à mon sujet est consignée, et je peux consulter ce registre.
7. Je suis libre de refuser ce consentement.

En tapant mon nom complet et en confirmant mon accord, je donne mon consentement éclairé selon les modalités ci-dessus et celles qui sont précisées dans ce consentement (destinataire, sens, catégories de renseignements, but et date d’expiration).`

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE consent_statements (
      version integer NOT NULL CHECK (version > 0),
      language text NOT NULL CHECK (language IN ('en','fr')),
      text text NOT NULL,
      text_hash text NOT NULL CHECK (text_hash ~ '^[0-9a-f]{64}$'),
      published_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (version, language)
    )`.execute(db)
  await sql`INSERT INTO consent_statements (version, language, text, text_hash) VALUES
    (1, 'en', ${STATEMENT_V1_EN}, ${sha256(STATEMENT_V1_EN)}),
    (1, 'fr', ${STATEMENT_V1_FR}, ${sha256(STATEMENT_V1_FR)})`.execute(db)
  // A statement, once published, is what someone may have agreed to: it never changes.
  await sql`CREATE FUNCTION consent_statements_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'consent statements are immutable' USING ERRCODE = 'restrict_violation'; END $$`.execute(db)
  await sql`CREATE TRIGGER consent_statements_frozen BEFORE UPDATE OR DELETE ON consent_statements
    FOR EACH ROW EXECUTE FUNCTION consent_statements_frozen()`.execute(db)

  await sql`
    CREATE TABLE consents (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      engagement_id uuid NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
      recipient_kind text NOT NULL CHECK (recipient_kind IN ('individual','agency','institution')),
      recipient_name text NOT NULL CHECK (length(recipient_name) BETWEEN 1 AND 200),
      direction text NOT NULL CHECK (direction IN ('release','obtain','both')),
      info_categories text[] NOT NULL CHECK (cardinality(info_categories) BETWEEN 1 AND 20),
      purpose text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 1000),
      drafted_by text NOT NULL CHECK (drafted_by IN ('manager','ambassador')),
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','granted','withdrawn')),
      statement_version integer NOT NULL,
      statement_language text CHECK (statement_language IN ('en','fr')),
      statement_hash text,
      granted_name text CHECK (length(granted_name) BETWEEN 2 AND 200),
      granted_at timestamptz,
      withdrawn_at timestamptz,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      version integer NOT NULL DEFAULT 1,
      -- At most 365 days from drafting (a minute of slack for the application's clock).
      CHECK (expires_at > created_at AND expires_at <= created_at + interval '365 days 1 minute'),
      -- A grant records the statement version, its language and hash, the typed name and the time.
      CHECK ((granted_at IS NULL) = (granted_name IS NULL) AND (granted_at IS NULL) = (statement_hash IS NULL)
        AND (granted_at IS NULL) = (statement_language IS NULL)),
      CHECK (status <> 'granted' OR granted_at IS NOT NULL),
      CHECK ((status = 'withdrawn') = (withdrawn_at IS NOT NULL)),
      FOREIGN KEY (statement_version, statement_language) REFERENCES consent_statements (version, language)
    )`.execute(db)
  await sql`CREATE INDEX consents_by_engagement ON consents (engagement_id, created_at)`.execute(db)

  await sql`
    CREATE TABLE disclosures (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      engagement_id uuid NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
      ambassador_id uuid NOT NULL REFERENCES ambassadors(id),
      direction text NOT NULL CHECK (direction IN ('release','obtain','both')),
      recipient_kind text NOT NULL CHECK (recipient_kind IN ('individual','agency','institution')),
      recipient_name text NOT NULL CHECK (length(recipient_name) BETWEEN 1 AND 200),
      info_categories text[] NOT NULL CHECK (cardinality(info_categories) BETWEEN 1 AND 20),
      basis text NOT NULL CHECK (basis IN ('consent','imminent_harm_self','imminent_harm_others','child_abuse_neglect')),
      consent_id uuid REFERENCES consents(id),
      justification text CHECK (length(justification) <= 2000),
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      -- CNS-2: a consent, or one of the three exceptions with a justification; nothing else.
      CHECK ((basis = 'consent') = (consent_id IS NOT NULL)),
      CHECK (CASE WHEN basis = 'consent' THEN justification IS NULL ELSE length(btrim(justification)) > 0 END)
    )`.execute(db)
  await sql`CREATE INDEX disclosures_by_engagement ON disclosures (engagement_id, created_at)`.execute(db)
  await sql`CREATE INDEX disclosures_by_consent ON disclosures (consent_id) WHERE consent_id IS NOT NULL`.execute(db)

  // CNS-4: never deleted while the engagement exists (its purge cascades, and runs after the
  // engagement row is gone); a disclosure is a record: never changed.
  await sql`CREATE FUNCTION consent_records_kept() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION '% rows are never changed', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
      END IF;
      IF EXISTS (SELECT 1 FROM engagements WHERE id = OLD.engagement_id) THEN
        RAISE EXCEPTION '% rows are kept while their engagement exists', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
      END IF;
      RETURN OLD;
    END $$`.execute(db)
  await sql`CREATE TRIGGER consents_kept BEFORE DELETE ON consents FOR EACH ROW EXECUTE FUNCTION consent_records_kept()`.execute(db)
  await sql`CREATE TRIGGER disclosures_kept BEFORE UPDATE OR DELETE ON disclosures FOR EACH ROW EXECUTE FUNCTION consent_records_kept()`.execute(db)

  await sql`
    CREATE TABLE crisis_escalations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      engagement_id uuid NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
      ambassador_id uuid NOT NULL REFERENCES ambassadors(id),
      category text NOT NULL CHECK (category IN ('imminent_harm_self','imminent_harm_others','child_abuse_neglect','medical_emergency','threatening_message')),
      authorities_contacted text[] NOT NULL DEFAULT '{}'
        CHECK (authorities_contacted <@ ARRAY['police','ems','child_protection','emergency_911','none']::text[]),
      weapons_involved boolean NOT NULL,
      occurred_at timestamptz NOT NULL,
      follow_up_due_at timestamptz NOT NULL,
      followed_up_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      -- CRS-3: emergency services are called when weapons are known to exist.
      CHECK (NOT weapons_involved OR cardinality(array_remove(authorities_contacted, 'none')) > 0)
    )`.execute(db)
  await sql`CREATE INDEX crisis_escalations_by_engagement ON crisis_escalations (engagement_id, created_at)`.execute(db)
  await sql`CREATE INDEX crisis_follow_ups_open ON crisis_escalations (ambassador_id, follow_up_due_at) WHERE followed_up_at IS NULL`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS crisis_escalations, disclosures, consents, consent_statements`.execute(db)
  await sql`DROP FUNCTION IF EXISTS consent_records_kept()`.execute(db)
  await sql`DROP FUNCTION IF EXISTS consent_statements_frozen()`.execute(db)
}
