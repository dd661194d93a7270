// Keyset pagination of the lists under an engagement (meetings, goals, referrals, consents,
// disclosures, crisis escalations; #12 item 4): the same `limit`/`cursor` query and
// `{items, nextCursor}` envelope as the top-level lists, the cursor sealed (cursor.ts).
//
// The sort key is a timestamp column read as text with its full microsecond precision, in UTC,
// then the id: a key rebuilt from a JavaScript Date (milliseconds) would compare below the row it
// came from, and an ascending walk would hand that row out again on the next page, for ever.
import { sql, type RawBuilder } from 'kysely'
import { decodeCursor, encodeCursor } from './cursor.ts'
import { LIMIT_DEFAULT } from './schemas.ts'

export interface PageQuery { limit?: number; cursor?: string }
export type After = [string, string]

/** `column` (snake_case, optionally qualified: `c.created_at`) as an exact, sortable UTC text. */
export const sortKeyOf = (column: string): RawBuilder<string> =>
  sql<string>`to_char(${sql.raw(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

/** The position a cursor names; a cursor this API did not issue is a 400 `invalid-cursor`. */
export const afterOf = (q: PageQuery): After | undefined =>
  q.cursor ? (decodeCursor(q.cursor, ['string', 'uuid']) as After) : undefined

/** Rows strictly after the cursor's position, in ascending (column, id) order. */
export const afterWhere = (column: string, idColumn: string, after: After) =>
  sql<boolean>`(${sql.raw(column)}, ${sql.raw(idColumn)}) > (${after[0]}::timestamptz, ${after[1]}::uuid)`

export const limitOf = (q: PageQuery) => q.limit ?? LIMIT_DEFAULT

/** Rows fetched with `limit + 1`: the page and the cursor to the next one, if there is one. */
export function pageOf<T extends { sortKey: string; id: string }>(rows: T[], limit: number) {
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return {
    items: page.map(({ sortKey: _sortKey, ...rest }): Omit<T, 'sortKey'> => rest),
    nextCursor: rows.length > limit && last ? encodeCursor([last.sortKey, last.id]) : null,
  }
}
