import { AsyncLocalStorage } from 'node:async_hooks'
import type { DatabaseConnection, Dialect, Driver, Transaction } from 'kysely'
import { withinTransaction } from './boundary.ts'
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
 * A request whose write must commit together with its answer (an Idempotency-Key, SPEC §4, #12
 * item 2): its first transaction starts with `begin` (the key's lock), stays open once the work is
 * done, and commits only when the answer is known, with `commit(trx)` storing that answer, so a
 * key is either answered with what was committed or free to run again, whatever crashes when.
 */
export interface HeldCommit {
  begin(trx: Trx): Promise<void>
  /** Longest the work may wait for its answer before it is rolled back (the request timeout). */
  holdMs: number
  /** The held transaction's connection: the request's other queries run on it, so they see its writes. */
  connection?: DatabaseConnection
  /** Once settled, later transactions of the request are ordinary ones (e.g. an audit event on the way out). */
  closed?: boolean
  /** The request was answered with a failure before its write was done (its handler timed out): the write must not happen. */
  abandoned?: boolean
  /** Set while the work is done and the transaction waits for the answer. */
  held?: { trx: Trx; settle(outcome: Outcome): void; settled: Promise<'committed' | 'rolled-back'> }
}
export type Outcome = { commit: (trx: Trx) => Promise<void> } | { rollback: true }

const requestScope = new AsyncLocalStorage<HeldCommit>()

/**
 * Whether inTransaction, called now, would join or open the request's held transaction (a request
 * with an Idempotency-Key): a statement that must commit with the request's write goes through it.
 */
export const holdsCommit = (): boolean => {
  const store = requestScope.getStore()
  return Boolean(store && !store.closed)
}

/**
 * #18: whether a write may go out as autocommit statements of its own (the engagements' optimistic
 * writes): not when an Idempotency-Key holds the request's commit (holdsCommit: its write must
 * commit with the stored answer, so the transactional path then), and never once the request was
 * answered.
 */
export function autocommitAllowed(): boolean {
  if (requestScope.getStore()?.abandoned) throw new Error(ABANDONED)
  return !holdsCommit()
}

/** A deadlock or a serialization failure: the statement or transaction can run again. */
export const isRetryable = (err: unknown): boolean => RETRYABLE.has((err as { code?: string })?.code ?? '')

/** Runs fn (and everything it awaits) with the request's held commit. */
export const withHeldCommit = <T>(scope: HeldCommit, fn: () => T): T => requestScope.run(scope, fn)

/**
 * Runs fn in a transaction, reusing the one it is given (Kysely refuses nested transactions). A
 * transaction PostgreSQL aborted for a deadlock or a serialization failure is run again, twice at most.
 * Inside a request that holds its commit (above), the first transaction stays open until the
 * answer is settled and later ones join it.
 */
export async function inTransaction<T>(db: Db | Trx, fn: (trx: Trx) => Promise<T>): Promise<T> {
  if (db.isTransaction) return withinTransaction(db, () => fn(db as Trx))
  const store = requestScope.getStore()
  if (store?.abandoned) throw new Error(ABANDONED)
  const scope = store?.closed ? undefined : store
  if (scope?.held) { const trx = scope.held.trx; return withinTransaction(trx, () => fn(trx)) }
  for (let attempt = 1; ; attempt++) {
    try {
      return scope ? await heldTransaction(db, scope, fn) : await db.transaction().execute(async (trx) => {
        const hooks: Array<() => Promise<void>> = []
        commitHooks.set(trx, hooks)
        return withinTransaction(trx, async () => {
          const result = await fn(trx)
          for (const hook of hooks.splice(0)) await hook()
          return result
        })
      })
    } catch (err) {
      if (attempt >= ATTEMPTS || !RETRYABLE.has((err as { code?: string })?.code ?? '')) throw err
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt))
    }
  }
}

const ROLLED_BACK = Symbol('rolled back on purpose')
const ABANDONED = 'the request was already answered (it timed out): its write is not done'

/** Resolves with fn's result once the work is done; the commit waits for scope.held.settle. */
function heldTransaction<T>(db: Db, scope: HeldCommit, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let handedOver = false
    let settle!: (outcome: Outcome) => void
    // eslint-disable-next-line prefer-const -- read by the transaction's callback, assigned once run exists
    let settled!: Promise<'committed' | 'rolled-back'>
    const decided = new Promise<Outcome>((r) => { settle = r })
    const run = db.transaction().execute(async (trx) => {
      const hooks: Array<() => Promise<void>> = []
      commitHooks.set(trx, hooks)
      await scope.begin(trx)
      const result = await withinTransaction(trx, async () => {
        const r = await fn(trx)
        for (const hook of hooks.splice(0)) await hook()
        return r
      })
      if (scope.abandoned) throw new Error(ABANDONED)
      scope.held = { trx, settle, settled }
      handedOver = true
      resolve(result)
      // Nobody answered in time (a handler that never settles): nothing is kept.
      const timer = setTimeout(() => settle({ rollback: true }), scope.holdMs)
      timer.unref()
      const outcome = await decided
      clearTimeout(timer)
      scope.closed = true
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a sentinel, recognised below, never leaves this function
      if ('rollback' in outcome) throw ROLLED_BACK
      await withinTransaction(trx, async () => {
        for (const hook of hooks.splice(0)) await hook() // the writes that joined later
        await outcome.commit(trx)
      })
    })
    settled = run.then(() => 'committed' as const, (err) => {
      if (err === ROLLED_BACK) return 'rolled-back' as const
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- whatever the transaction threw, as it is
      if (!handedOver) reject(err)
      throw err
    })
    settled.catch(() => {}) // read by whoever settles; never an unhandled rejection
  })
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

/**
 * The dialect, aware of held commits: while a request's transaction is held, the request's other
 * queries (a read-back of what it wrote, through the plain handle) borrow that transaction's
 * connection instead of another one, which would not see the uncommitted rows (or, on PGlite's
 * single connection, wait for it forever).
 */
export function holdAware(dialect: Dialect): Dialect {
  return {
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    // PGlite's driver (pglite-dialect.ts) queues every use of its one connection: loans skip the
    // queue, which the held transaction is at the head of.
    createDriver: () => heldAwareDriver(dialect.createDriver()),
  }
}

const borrowed = new WeakSet<DatabaseConnection>()

function heldAwareDriver(inner: Driver): Driver {
  return {
    init: (...a) => inner.init(...a),
    destroy: (...a) => inner.destroy(...a),
    async acquireConnection(...a) {
      const store = requestScope.getStore()
      const conn = store && !store.closed && store.held ? store.connection : undefined
      if (!conn) return inner.acquireConnection(...a)
      const loan: DatabaseConnection = { executeQuery: (q) => conn.executeQuery(q), streamQuery: (q, n) => conn.streamQuery(q, n) }
      borrowed.add(loan)
      return loan
    },
    async releaseConnection(conn, ...a) {
      if (!borrowed.has(conn)) await inner.releaseConnection(conn, ...a)
    },
    async beginTransaction(conn, settings) {
      await inner.beginTransaction(conn, settings)
      const store = requestScope.getStore()
      if (store && !store.closed && !store.held) store.connection = conn
    },
    commitTransaction: (conn) => inner.commitTransaction(conn),
    rollbackTransaction: (conn) => inner.rollbackTransaction(conn),
    ...(inner.savepoint && {
      savepoint: (...a: Parameters<NonNullable<Driver['savepoint']>>) => inner.savepoint!(...a),
      rollbackToSavepoint: (...a: Parameters<NonNullable<Driver['rollbackToSavepoint']>>) => inner.rollbackToSavepoint!(...a),
      releaseSavepoint: (...a: Parameters<NonNullable<Driver['releaseSavepoint']>>) => inner.releaseSavepoint!(...a),
    }),
  }
}
