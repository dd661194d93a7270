// Stored responses for Idempotency-Key on POST (SPEC §4). Short-lived: expires_at bounds how long a
// response (which may hold identified data) is kept; the purge removes expired rows.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE idempotency_keys (
      principal_hash text NOT NULL,
      key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
      request_hash text NOT NULL,
      status_code integer,
      content_type text,
      headers jsonb NOT NULL DEFAULT '{}',
      body text,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL DEFAULT now() + interval '24 hours',
      PRIMARY KEY (principal_hash, key)
    )`.execute(db)
  await sql`CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS idempotency_keys`.execute(db)
}
