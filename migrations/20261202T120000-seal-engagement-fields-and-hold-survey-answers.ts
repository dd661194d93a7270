// #11 findings 4 and 7: what a database reader (SELECT on every table, old backups, dead tuples)
// can no longer read or link. Frozen in time: imports no application code.
//
// Finding 7 (crypto-shredding): goal fields, consents' recipient, purpose and typed name,
// disclosures' recipient and justification, and the survey token are now stored sealed with the
// engagement's own data key (engagement_keys), AES-256-GCM: a sealed value ('v1:' + base64url) is
// longer than the text it holds, so the length checks apply to plain values only (the service
// checks the lengths before sealing). Rows written before this migration stay plain and still read
// back (the service opens only sealed values): no data migration is needed, and none is done here
// because sealing needs DATA_KEY, which the database never sees.
//
// Finding 4 (surveys unlinkable in the database):
// - engagements.survey_token_hash: the token is looked up by a keyed hash (HMAC under DATA_KEY);
//   survey_token itself holds the sealed token.
// - survey_answers_pending: an answer waits here, sealed under a DATA_KEY-derived key, with no
//   engagement, token or manager; a job moves the pending answers into the response tables in
//   random order, in a transaction of its own, once enough are waiting or after a random delay
//   (release_after). The response then carries its month only and a transaction id shared with
//   other answers, never with the token's spend.
// - idempotency_keys.mentions: keyed hashes of the ids a stored answer names (the stored answer is
//   sealed: the purge finds the ones of an engagement through these).
import { sql, type Kysely } from 'kysely'

/** A sealed value, or a plain one (written before this migration) within the old rule. */
async function relax(db: Kysely<any>, table: string, constraint: string, col: string, plainRule: string) {
  await sql.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${constraint}`).execute(db)
  await sql.raw(`ALTER TABLE ${table} ADD CONSTRAINT ${constraint} CHECK (${col} LIKE 'v1:%' OR (${plainRule}))`).execute(db)
}

const RELAXED: Array<[string, string, string, string]> = [
  ['goals', 'goals_title_check', 'title', 'length(title) BETWEEN 1 AND 200'],
  ['goals', 'goals_benefits_to_you_check', 'benefits_to_you', 'length(benefits_to_you) <= 2000'],
  ['goals', 'goals_benefits_to_organisation_check', 'benefits_to_organisation', 'length(benefits_to_organisation) <= 2000'],
  ['goals', 'goals_barriers_check', 'barriers', 'length(barriers) <= 2000'],
  ['goals', 'goals_external_resources_check', 'external_resources', 'length(external_resources) <= 2000'],
  ['goals', 'goals_progress_measures_check', 'progress_measures', 'length(progress_measures) <= 2000'],
  ['consents', 'consents_recipient_name_check', 'recipient_name', 'length(recipient_name) BETWEEN 1 AND 200'],
  ['consents', 'consents_purpose_check', 'purpose', 'length(purpose) BETWEEN 1 AND 1000'],
  ['consents', 'consents_granted_name_check', 'granted_name', 'length(granted_name) BETWEEN 2 AND 200'],
  ['disclosures', 'disclosures_recipient_name_check', 'recipient_name', 'length(recipient_name) BETWEEN 1 AND 200'],
  ['disclosures', 'disclosures_justification_check', 'justification', 'length(justification) <= 2000'],
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const [table, constraint, col, rule] of RELAXED) await relax(db, table, constraint, col, rule)

  await sql`ALTER TABLE engagements ADD COLUMN survey_token_hash text`.execute(db)
  await sql`CREATE UNIQUE INDEX engagements_survey_token_hash ON engagements (survey_token_hash) WHERE survey_token_hash IS NOT NULL`.execute(db)

  await sql`
    CREATE TABLE survey_answers_pending (
      kind text NOT NULL CHECK (kind IN ('manager','ambassador')),
      sealed text NOT NULL CHECK (sealed LIKE 'v1:%'),
      release_after timestamptz NOT NULL
    )`.execute(db)

  await sql`ALTER TABLE idempotency_keys ADD COLUMN mentions text[] NOT NULL DEFAULT '{}'`.execute(db)
  await sql`CREATE INDEX idempotency_keys_mentions ON idempotency_keys USING gin (mentions)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS idempotency_keys_mentions`.execute(db)
  await sql`ALTER TABLE idempotency_keys DROP COLUMN mentions`.execute(db)
  await sql`DROP TABLE survey_answers_pending`.execute(db)
  await sql`DROP INDEX IF EXISTS engagements_survey_token_hash`.execute(db)
  await sql`ALTER TABLE engagements DROP COLUMN survey_token_hash`.execute(db)
  for (const [table, constraint, , rule] of RELAXED) {
    await sql.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${constraint}`).execute(db)
    await sql.raw(`ALTER TABLE ${table} ADD CONSTRAINT ${constraint} CHECK (${rule}) NOT VALID`).execute(db)
  }
}
