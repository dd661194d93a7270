// #13 item 4: derived state in one place. What a row "is" at query time, before any sweep runs,
// was spelled out in SQL strings all over the modules; it is defined here once, as SQL functions
// (usable in any statement, including UPDATE … WHERE on the base tables; simple enough for the
// planner to inline) and as views over them (read like tables, typed in src/db/schema.ts):
//   - ambassador_in_term(status, term_end): the record is active and within its term (AMB-5);
//     ambassador_effective_status(…): 'expired' for an active record past its term;
//   - request_overdue(status, expires_at): a request unanswered past its expiry (ENG-11);
//     engagement_effective_status(…): 'expired' for such a request, 'transfer_required' for an open
//     engagement whose Ambassador's term ended (AMB-5; the view computes that part);
//   - in_conflict(ambassador_id, manager_ref): the conflict-of-interest test for one pair (COI-1…3),
//     conflicted_ambassadors(manager_ref): the same rule for every Ambassador at once (the directory);
//   - views ambassador_effective and engagement_effective: every column of the table, plus the
//     derived ones.
// Also job_runs: when each system job last ran, so several replicas run each one once per period
// (src/jobs/index.ts claims a run with one UPDATE).
// Frozen in time: imports no application code.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION ambassador_in_term(status text, term_end timestamptz) RETURNS boolean
    LANGUAGE sql STABLE AS $$ SELECT status = 'active' AND term_end > now() $$`.execute(db)
  await sql`
    CREATE FUNCTION ambassador_effective_status(status text, term_end timestamptz) RETURNS text
    LANGUAGE sql STABLE AS $$ SELECT CASE WHEN status = 'active' AND term_end <= now() THEN 'expired' ELSE status END $$`.execute(db)
  await sql`
    CREATE FUNCTION request_overdue(status text, expires_at timestamptz) RETURNS boolean
    LANGUAGE sql STABLE AS $$ SELECT status = 'requested' AND expires_at <= now() $$`.execute(db)
  await sql`
    CREATE FUNCTION engagement_effective_status(status text, expires_at timestamptz, term_ended boolean) RETURNS text
    LANGUAGE sql STABLE AS $$
      SELECT CASE WHEN request_overdue(status, expires_at) THEN 'expired'
        WHEN term_ended THEN 'transfer_required' ELSE status END
    $$`.execute(db)
  // COI-1…3 for one pair: a declaration pairs them (either direction), or one is in the other's
  // supervisory chain at any depth. Walks only the two chains upward; UNION ends a cycle.
  await sql`
    CREATE FUNCTION in_conflict(uuid, text) RETURNS boolean
    LANGUAGE sql STABLE AS $$
      -- $1: the Ambassador's id, $2: the manager's employee ref.
      SELECT EXISTS (
        SELECT 1 FROM ambassadors amb WHERE amb.id = $1 AND (
          EXISTS (SELECT 1 FROM conflict_declarations d WHERE d.ambassador_id = amb.id AND d.employee_ref = $2)
          OR EXISTS (SELECT 1 FROM conflict_declarations d JOIN ambassadors own ON own.id = d.ambassador_id
                     WHERE own.employee_ref = $2 AND d.employee_ref = amb.employee_ref)
          OR amb.employee_ref IN (
            WITH RECURSIVE above(ref) AS (
              SELECT supervisor_ref FROM reporting_lines WHERE employee_ref = $2
              UNION
              SELECT r.supervisor_ref FROM reporting_lines r JOIN above ON r.employee_ref = above.ref
            ) SELECT ref FROM above WHERE ref IS NOT NULL)
          OR $2 IN (
            WITH RECURSIVE above(ref) AS (
              SELECT supervisor_ref FROM reporting_lines WHERE employee_ref = amb.employee_ref
              UNION
              SELECT r.supervisor_ref FROM reporting_lines r JOIN above ON r.employee_ref = above.ref
            ) SELECT ref FROM above WHERE ref IS NOT NULL)
        ))
    $$`.execute(db)
  // The same rule for one manager and every Ambassador at once (the directory's eligibleForMe):
  // the manager's chains above and below, walked once per query (an uncorrelated subquery), and
  // the declarations in either direction. test/policy/conflict-of-interest.test.ts checks both agree.
  await sql`
    CREATE FUNCTION conflicted_ambassadors(text) RETURNS TABLE (ambassador_id uuid)
    LANGUAGE sql STABLE AS $$
      -- $1: the manager's employee ref.
      SELECT a.id FROM ambassadors a WHERE a.employee_ref IN (
        WITH RECURSIVE above(ref) AS (
          SELECT supervisor_ref FROM reporting_lines WHERE employee_ref = $1
          UNION
          SELECT r.supervisor_ref FROM reporting_lines r JOIN above ON r.employee_ref = above.ref
        ) SELECT ref FROM above WHERE ref IS NOT NULL)
      UNION
      SELECT a.id FROM ambassadors a WHERE a.employee_ref IN (
        WITH RECURSIVE below(ref) AS (
          SELECT employee_ref FROM reporting_lines WHERE supervisor_ref = $1
          UNION
          SELECT r.employee_ref FROM reporting_lines r JOIN below ON r.supervisor_ref = below.ref
        ) SELECT ref FROM below)
      UNION
      SELECT d.ambassador_id FROM conflict_declarations d WHERE d.employee_ref = $1
      UNION
      SELECT a.id FROM ambassadors a JOIN conflict_declarations d ON d.employee_ref = a.employee_ref
        JOIN ambassadors own ON own.id = d.ambassador_id WHERE own.employee_ref = $1
    $$`.execute(db)
  await sql`
    CREATE VIEW ambassador_effective AS
    SELECT a.*,
      ambassador_effective_status(a.status, a.term_end) AS effective_status,
      ambassador_in_term(a.status, a.term_end) AS in_term
    FROM ambassadors a`.execute(db)
  await sql`
    CREATE VIEW engagement_effective AS
    SELECT e.*,
      engagement_effective_status(e.status, e.expires_at, t.term_ended) AS effective_status,
      request_overdue(e.status, e.expires_at) AS overdue,
      t.term_ended
    FROM engagements e
    -- The Ambassador's term ended while the engagement was open (AMB-5), the sweep not run yet.
    CROSS JOIN LATERAL (SELECT e.status IN ('requested','accepted','active') AND EXISTS (
      SELECT 1 FROM ambassadors a WHERE a.id = e.ambassador_id AND ambassador_effective_status(a.status, a.term_end) = 'expired') AS term_ended) t`.execute(db)
  await sql`
    CREATE TABLE job_runs (
      job text PRIMARY KEY,
      last_run_at timestamptz NOT NULL DEFAULT '-infinity'
    )`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE job_runs`.execute(db)
  await sql`DROP VIEW engagement_effective`.execute(db)
  await sql`DROP VIEW ambassador_effective`.execute(db)
  await sql`DROP FUNCTION conflicted_ambassadors(text)`.execute(db)
  await sql`DROP FUNCTION in_conflict(uuid, text)`.execute(db)
  await sql`DROP FUNCTION engagement_effective_status(text, timestamptz, boolean)`.execute(db)
  await sql`DROP FUNCTION request_overdue(text, timestamptz)`.execute(db)
  await sql`DROP FUNCTION ambassador_effective_status(text, timestamptz)`.execute(db)
  await sql`DROP FUNCTION ambassador_in_term(text, timestamptz)`.execute(db)
}
