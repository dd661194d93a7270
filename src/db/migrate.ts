// Kysely's Migrator over migrations/. Applied at start (server.ts) and by `npm run migrate`.
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Db } from './database.ts'
import { FileMigrationProvider, Migrator } from 'kysely'

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations')

export function migrator(db: Db): Migrator {
  return new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS_DIR }),
  })
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Db): Promise<string[]> {
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
