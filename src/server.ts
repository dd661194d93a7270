// Process entry only: loadConfig → database → migrations → buildApp → listen; graceful close.
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { ConfigError, loadConfig, withDevSecret } from './config.ts'
import { createDatabase } from './db/database.ts'
import { migrateToLatest } from './db/migrate.ts'

let config
try {
  config = withDevSecret(loadConfig())
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err)
  process.exit(1)
}

const { db, kind } = createDatabase(config)
await migrateToLatest(db)
const app = await buildApp({ config, db })
app.addHook('onClose', async () => db.destroy())

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'closing after an error')
  else app.log.info({ signal }, 'closing')
  await app.close()
})

await app.listen({ port: config.port, host: config.host })
app.log.info({ database: kind === 'pglite' ? `embedded PGlite (${config.pgliteDir})` : 'PostgreSQL server' }, 'M2M Network API ready')
