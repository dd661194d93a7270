import type { Transaction } from 'kysely'
import type { Db } from './database.ts'
import type { DB } from './schema.ts'

export type Trx = Transaction<DB>

const commitHooks = new WeakMap<Trx, Array<() => Promise<void>>>()

// A deadlock or serialization failure: PostgreSQL rolled the transaction back; running it again
// is safe (locks are taken in different orders by different writes, e.g. an Ambassador's
// withdrawal and an acceptance of one of their engagements).
const RETRYABLE = new Set(['40P01', '40001'])
const ATTEMPTS = 3

/**
 * Runs fn in a transaction, reusing the one it is given (Kysely refuses nested transactions). A
 * transaction PostgreSQL aborted for a deadlock or a serialization failure is run again, twice at most.
 */
export async function inTransaction<T>(db: Db | Trx, fn: (trx: Trx) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Trx)
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(async (trx) => {
        const hooks: Array<() => Promise<void>> = []
        commitHooks.set(trx, hooks)
        const result = await fn(trx)
        for (const hook of hooks.splice(0)) await hook()
        return result
      })
    } catch (err) {
      if (attempt >= ATTEMPTS || !RETRYABLE.has((err as { code?: string })?.code ?? '')) throw err
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt))
    }
  }
}

/**
 * Registers hook to run inside trx after the work and just before the commit (the audit trail
 * appends its events there). False when trx was not opened by inTransaction: nothing is registered.
 */
export function beforeCommit(trx: Trx, hook: () => Promise<void>): boolean {
  const hooks = commitHooks.get(trx)
  hooks?.push(hook)
  return Boolean(hooks)
}
