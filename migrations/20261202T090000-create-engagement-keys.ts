// Per-engagement data keys (CONF-5, RET-1: crypto-shredding). One row per engagement that has
// sealed fields; the key is stored only wrapped by a key derived from DATA_KEY, and goes with the
// engagement (ON DELETE CASCADE), so a purge leaves nothing that opens its ciphertext.
// Frozen in time: imports no application code.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE engagement_keys (
      engagement_id uuid PRIMARY KEY REFERENCES engagements(id) ON DELETE CASCADE,
      wrapped_key text NOT NULL CHECK (wrapped_key LIKE 'v1:%')
    )`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE engagement_keys`.execute(db)
}
