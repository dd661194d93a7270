// #18: an engagement request and a withdrawal run as two autocommit statements (a read of the facts,
// then one guarded write), see src/modules/engagements/README.md "Optimistic writes". A guarded
// write re-checks each fact it relied on against the latest committed row version (a locking
// clause re-evaluates its WHERE on the row a concurrent writer left), never against its statement
// snapshot. The Ambassador row's `stamp` (moved by ambassadors_touch on every update) covers
// capacity, status, term, slots and waitlist offers; conflict_versions covers declarations and the
// reporting lines. This table does the same for the waitlist: a manager joining bumps it, under
// WAITLIST_LOCK, before checking for room, so a withdrawal that frees a slot without offering it
// (nobody waited when it read) either commits before that check (the join sees the room) or finds
// the version moved (and takes the transactional path, which offers the slot).
// Frozen in time: imports no application code.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE waitlist_versions (
      id integer PRIMARY KEY CHECK (id = 1),
      version bigint NOT NULL
    )`.execute(db)
  await sql`INSERT INTO waitlist_versions (id, version) VALUES (1, 1)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE waitlist_versions`.execute(db)
}
