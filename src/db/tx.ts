import type { Transaction } from 'kysely'
import type { Db } from './database.ts'
import type { DB } from './schema.ts'

export type Trx = Transaction<DB>

/** Runs fn in a transaction, reusing the one it is given (Kysely refuses nested transactions). */
export function inTransaction<T>(db: Db | Trx, fn: (trx: Trx) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Trx)
  return db.transaction().execute(fn)
}
