// The audit trail (AUD-1, AUD-2): append-only events, ids only, chained by SHA-256 for tamper
// evidence. Several chains (audit_chains rows) instead of one: a transaction appends to any chain
// head it can lock without waiting (FOR UPDATE SKIP LOCKED), so the service's writes are never
// serialised on one lock, and each chain is still a strict sequence that verification walks.
//
// The hash is computed by PostgreSQL from the event's canonical form (audit_canonical below), so
// the writer and the verifier (SQL too) can never disagree on it.
import { sql, type Kysely } from 'kysely'

const CHAINS = 16

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE audit_chains (
      id smallint PRIMARY KEY,
      seq bigint NOT NULL DEFAULT 0,
      head_hash text NOT NULL
    )`.execute(db)
  // Each chain starts from a fixed genesis hash, so a verifier needs no other input.
  await sql`
    INSERT INTO audit_chains (id, head_hash)
    SELECT i, encode(sha256(convert_to('m2m-audit-genesis:' || i, 'UTF8')), 'hex')
    FROM generate_series(0, ${sql.lit(CHAINS - 1)}) AS i`.execute(db)

  await sql`
    CREATE TABLE audit_events (
      id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
      chain_id smallint NOT NULL REFERENCES audit_chains (id),
      seq bigint NOT NULL,
      at timestamptz NOT NULL DEFAULT now(),
      actor_ref text,
      role text NOT NULL CHECK (role IN ('manager', 'ambassador', 'nmno', 'governance', 'hr_analyst', 'iservice', 'anonymous', 'system')),
      action text NOT NULL,
      resource_type text NOT NULL,
      resource_id text,
      engagement_id uuid,
      outcome text NOT NULL CHECK (outcome IN ('success', 'denied')),
      request_id text,
      prev_hash text NOT NULL,
      hash text NOT NULL,
      PRIMARY KEY (chain_id, seq)
    )`.execute(db)
  // The manager's access log (AUD-3) and the office's searches.
  await sql`CREATE INDEX audit_events_engagement ON audit_events (engagement_id, at) WHERE engagement_id IS NOT NULL`.execute(db)
  await sql`CREATE INDEX audit_events_at ON audit_events (at, id)`.execute(db)

  // The canonical form that is hashed: a JSON array in a fixed order; the time as integer
  // microseconds since the epoch, so no session time zone or date style can change it.
  await sql`
    CREATE FUNCTION audit_canonical(chain_id smallint, seq bigint, at timestamptz, actor_ref text, role text, action text,
      resource_type text, resource_id text, engagement_id uuid, outcome text, request_id text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
      SELECT jsonb_build_array(chain_id, seq, floor(extract(epoch FROM at) * 1000000)::bigint, actor_ref, role, action,
        resource_type, resource_id, engagement_id, outcome, request_id)::text
    $$`.execute(db)
  await sql`
    CREATE FUNCTION audit_hash(prev_hash text, canonical text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT encode(sha256(convert_to(prev_hash || canonical, 'UTF8')), 'hex') $$`.execute(db)

  // Append-only (AUD-2): the database itself refuses to change or remove an event.
  await sql`
    CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
    END $$`.execute(db)
  await sql`
    CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`.execute(db)
  await sql`
    CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`.execute(db)
  // A chain head only moves forward by one, and is never removed.
  await sql`
    CREATE FUNCTION audit_chains_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' OR NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1 THEN
        RAISE EXCEPTION 'audit chain heads only move forward' USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END $$`.execute(db)
  await sql`
    CREATE TRIGGER audit_chains_forward BEFORE UPDATE OR DELETE ON audit_chains
    FOR EACH ROW EXECUTE FUNCTION audit_chains_forward_only()`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS audit_events`.execute(db)
  await sql`DROP TABLE IF EXISTS audit_chains`.execute(db)
  await sql`DROP FUNCTION IF EXISTS audit_events_append_only, audit_chains_forward_only, audit_canonical, audit_hash`.execute(db)
}
