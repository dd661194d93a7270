// Revocation cases (REV-1…REV-7): nmno investigates, governance decides. The ambassadors table
// already allows `suspended` and `revoked`. Frozen in time: imports no application code.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE revocation_cases (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      ambassador_id uuid NOT NULL REFERENCES ambassadors(id),
      status text NOT NULL DEFAULT 'investigating' CHECK (status IN ('investigating','findings_presented','decided')),
      grounds text[] NOT NULL CHECK (cardinality(grounds) BETWEEN 1 AND 6 AND grounds <@ ARRAY['personal_health',
        'code_of_conduct_breach','confidentiality_breach','policy_noncompliance','acting_against_governance','absenteeism']::text[]),
      summary text NOT NULL CHECK (length(summary) BETWEEN 1 AND 4000),
      interim_suspension boolean NOT NULL DEFAULT false,
      findings text CHECK (length(findings) BETWEEN 1 AND 8000),
      decision text CHECK (decision IN ('revoke','suspend','no_action')),
      effective_at timestamptz,
      opened_by text NOT NULL,
      opened_at timestamptz NOT NULL DEFAULT now(),
      findings_by text,
      findings_presented_at timestamptz,
      decided_by text,
      decided_at timestamptz,
      version integer NOT NULL DEFAULT 1,
      CHECK ((status = 'investigating') = (findings IS NULL)),
      CHECK ((status = 'decided') = (decision IS NOT NULL AND effective_at IS NOT NULL)),
      -- REV-3: personal health alone never leads to a revocation.
      CHECK (decision IS DISTINCT FROM 'revoke' OR NOT (grounds <@ ARRAY['personal_health']::text[]))
    )`.execute(db)
  // One open case per Ambassador at a time.
  await sql`CREATE UNIQUE INDEX revocation_cases_one_open ON revocation_cases (ambassador_id) WHERE status <> 'decided'`.execute(db)
  await sql`CREATE INDEX revocation_cases_by_opening ON revocation_cases (opened_at DESC, id DESC)`.execute(db)
  await sql`CREATE INDEX revocation_cases_by_ambassador ON revocation_cases (ambassador_id, opened_at DESC)`.execute(db)
  await sql`
    CREATE FUNCTION revocation_cases_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.version := OLD.version + 1;
      RETURN NEW;
    END $$`.execute(db)
  await sql`CREATE TRIGGER revocation_cases_touch BEFORE UPDATE ON revocation_cases
    FOR EACH ROW EXECUTE FUNCTION revocation_cases_touch()`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS revocation_cases`.execute(db)
  await sql`DROP FUNCTION IF EXISTS revocation_cases_touch()`.execute(db)
}
