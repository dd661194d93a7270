// The frame of every command-line script (npm run migrate, audit:verify, purge, seed:demo): the
// configuration from the environment (a bad one is one line on stderr and exit 1), the configured
// database (DATABASE_URL, else the embedded one in PGLITE_DIR), an error as one line and exit 1,
// and the database closed in every case.
import { loadConfig, withDevSecret, type Config } from '../config.ts'
import { useKeys } from '../shared/crypto.ts'
import { createDatabase, type DatabaseHandle, type Db } from './database.ts'

/**
 * The configuration from the environment and the configured database, or one line on stderr and
 * exit 1 (a bad variable; a PGLITE_DIR held by a server or another script). The server and every
 * script start with it.
 */
export function openConfigured(): { config: Readonly<Config>; handle: DatabaseHandle } {
  let config: Readonly<Config>
  try {
    // The generated development secret too: the keys derived from it must be the server's.
    config = withDevSecret(loadConfig())
    useKeys(config)
  } catch (err) {
    console.error(err instanceof Error ? err.message : err)
    process.exit(1)
  }
  try {
    // Refuses (one line, exit 1) while a server or another script holds the same PGLITE_DIR.
    return { config, handle: createDatabase(config) }
  } catch (err) {
    console.error((err as Error).message)
    process.exit(1)
  }
}

export async function withConfiguredDatabase(
  fn: (db: Db, kind: DatabaseHandle['kind'], config: Readonly<Config>) => Promise<void>,
): Promise<void> {
  const { config, handle } = openConfigured()
  const { db, kind } = handle
  try {
    await fn(db, kind, config)
  } catch (err) {
    console.error((err as Error).message)
    process.exitCode = 1
  } finally {
    await db.destroy()
  }
}
