// The Kysely dialect for the embedded PGlite. Kysely ships one from 0.29 on, but 0.29 requires
// Node ≥ 22 and the service runs on Node 20 (engines, Dockerfile): this is the logic of kysely
// 0.29's PGliteDialect on kysely 0.28's public driver interface. PGlite is a single connection:
// queries and transactions take turns (a mutex, as kysely's own SQLite driver does), and a
// transaction runs in PGlite's exclusive `transaction()` so nothing else interleaves with it.
import type { PGlite, Transaction } from '@electric-sql/pglite'
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type QueryCompiler,
  type QueryResult,
} from 'kysely'

export interface PGliteDialectConfig {
  pglite: PGlite
}

class PGliteAdapter extends PostgresAdapter {
  // One connection, held by the migrator from acquireMigrationLock to releaseMigrationLock:
  // no other query can run in between, so no advisory lock is needed (nor possible).
  override async acquireMigrationLock(): Promise<void> {}
  override async releaseMigrationLock(): Promise<void> {}
}

export class PGliteDialect implements Dialect {
  readonly #config: PGliteDialectConfig
  constructor(config: PGliteDialectConfig) {
    this.#config = config
  }
  createAdapter(): DialectAdapter {
    return new PGliteAdapter()
  }
  createDriver(): Driver {
    return new PGliteDriver(this.#config.pglite)
  }
  createIntrospector(db: Parameters<Dialect['createIntrospector']>[0]): DatabaseIntrospector {
    return new PostgresIntrospector(db)
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler()
  }
}

/** First come, first served: the one connection goes to one caller at a time. */
class Mutex {
  #tail: Promise<void> = Promise.resolve()
  #release: (() => void) | undefined
  async lock(): Promise<void> {
    const previous = this.#tail
    let release!: () => void
    this.#tail = new Promise<void>((resolve) => { release = resolve })
    await previous
    this.#release = release
  }
  unlock(): void {
    const release = this.#release
    this.#release = undefined
    release?.()
  }
}

class PGliteDriver implements Driver {
  readonly #pglite: PGlite
  readonly #mutex = new Mutex()
  #connection: PGliteConnection | undefined

  constructor(pglite: PGlite) {
    this.#pglite = pglite
  }
  async init(): Promise<void> {
    if (this.#pglite.closed) throw new Error('PGlite instance is already closed.')
    await this.#pglite.waitReady
    this.#connection = new PGliteConnection(this.#pglite)
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock()
    return this.#connection!
  }
  async releaseConnection(): Promise<void> {
    this.#mutex.unlock()
  }
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PGliteConnection).begin()
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PGliteConnection).commit()
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PGliteConnection).rollback()
  }
  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdent(name)}`))
  }
  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${quoteIdent(name)}`))
  }
  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${quoteIdent(name)}`))
  }
  async destroy(): Promise<void> {
    if (!this.#pglite.closed) await this.#pglite.close()
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite
  #tx: Transaction | undefined
  #commit: (() => void) | undefined
  #rollback: ((reason: unknown) => void) | undefined
  #closed: Promise<unknown> | undefined

  constructor(pglite: PGlite) {
    this.#pglite = pglite
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    try {
      const { affectedRows, rows } = await (this.#tx ?? this.#pglite).query<R>(compiled.sql, compiled.parameters as unknown[], { rowMode: 'object' })
      return { numAffectedRows: affectedRows != null ? BigInt(affectedRows) : undefined, rows: rows ?? [] }
    } catch (err) {
      // The caller's stack, not PGlite's internals, as kysely's drivers do.
      if (err instanceof Error) err.stack = `${err.stack}\n${new Error().stack?.split('\n').slice(1).join('\n')}`
      throw err
    }
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming is not supported by PGlite.')
  }

  async begin(): Promise<void> {
    let begun!: () => void
    const hasBegun = new Promise<void>((resolve) => { begun = resolve })
    const finished = new Promise<void>((resolve, reject) => {
      this.#commit = resolve
      this.#rollback = reject
    })
    // PGlite's exclusive transaction: it commits when the callback resolves, rolls back when it
    // rejects, and nothing else runs on the instance in between.
    this.#closed = this.#pglite.transaction(async (tx) => {
      this.#tx = tx
      begun()
      await finished
    })
    // A BEGIN that fails ends `closed` before `begun` is called.
    await Promise.race([hasBegun, this.#closed])
  }

  async commit(): Promise<void> {
    this.#commit?.()
    try {
      await this.#closed
    } finally {
      this.#reset()
    }
  }

  async rollback(): Promise<void> {
    this.#rollback?.(new Error('rollback'))
    try {
      await this.#closed?.catch(() => {})
    } finally {
      this.#reset()
    }
  }

  #reset() {
    this.#tx = undefined
    this.#commit = undefined
    this.#rollback = undefined
    this.#closed = undefined
  }
}
