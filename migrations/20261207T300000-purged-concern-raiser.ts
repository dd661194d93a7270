// #14 with RET-1/RET-2: a concern a manager raised about their engagement names them (they used the
// network with that Ambassador). When the engagement is purged, the office keeps the concern as it
// always saw it, without its raiser: raiser_ref and the raiser's messages' author_ref become NULL,
// which no principal matches.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE concerns ALTER COLUMN raiser_ref DROP NOT NULL`.execute(db)
  await sql`ALTER TABLE concern_messages ALTER COLUMN author_ref DROP NOT NULL`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM concern_messages WHERE author_ref IS NULL`.execute(db)
  await sql`DELETE FROM concerns WHERE raiser_ref IS NULL`.execute(db)
  await sql`ALTER TABLE concern_messages ALTER COLUMN author_ref SET NOT NULL`.execute(db)
  await sql`ALTER TABLE concerns ALTER COLUMN raiser_ref SET NOT NULL`.execute(db)
}
