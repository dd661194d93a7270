// Kysely's Migrator over migrations/. Applied at start (server.ts) and by `npm run migrate`.
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Db } from './database.ts'
import { FileMigrationProvider, Migrator, sql } from 'kysely'

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations')

export function migrator(db: Db): Migrator {
  return new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS_DIR }),
  })
}

/** The migrations' names as Kysely's FileMigrationProvider reads them: the file names without extension. */
async function migrationNames(): Promise<string[]> {
  const files = await fs.readdir(MIGRATIONS_DIR)
  return files
    .filter((f) => f.endsWith('.js') || f.endsWith('.mjs') || ((f.endsWith('.ts') || f.endsWith('.mts')) && !/\.d\.m?ts$/.test(f)))
    .map((f) => f.slice(0, f.lastIndexOf('.')))
}

/**
 * #18: the database has exactly the migrations of migrations/ applied, told by two small queries and a
 * directory listing, without importing the migration files nor taking the Migrator's lock (most of
 * a start's migration time). Anything else (a fresh database, a pending or an unknown migration)
 * is left to the Migrator, which applies or refuses as before.
 */
export async function isUpToDate(db: Db): Promise<boolean> {
  const exists = await sql<{ t: string | null }>`SELECT to_regclass('kysely_migration')::text AS t`.execute(db)
  if (!exists.rows[0]?.t) return false
  const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db)
  const applied = rows.map((r) => r.name).sort()
  const names = (await migrationNames()).sort()
  return names.length === applied.length && names.every((n, i) => n === applied[i])
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  if (await isUpToDate(db)) return []
  const { error, results } = await migrator(db).migrateToLatest()
  const failed = results?.find((r) => r.status === 'Error')
  if (error) {
    const what = failed ? `Migration ${failed.migrationName} failed` : 'Migrations could not run'
    throw new Error(`${what}: ${(error as Error).message ?? error}`)
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

// `npm run migrate`
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { withConfiguredDatabase } = await import('./script.ts')
  await withConfiguredDatabase(async (db, kind) => {
    const applied = await migrateToLatest(db)
    console.log(`${kind}: ${applied.length ? `applied ${applied.join(', ')}` : 'already up to date'}`)
  })
}
