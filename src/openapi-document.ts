// The OpenAPI document as the running app generates it (used by `npm run openapi` and the drift test).
import { buildApp } from './app.ts'
import { loadConfig } from './config.ts'
import { createDatabase } from './db/database.ts'

export async function generateOpenApi(): Promise<string> {
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'openapi-export-secret-openapi-export-secret', LOG_LEVEL: 'silent' })
  // The database is never queried: an empty in-memory PGlite is enough to build the app.
  const { db } = createDatabase({ ...config, inMemory: true })
  const app = await buildApp({ config, db })
  try {
    await app.ready()
    return `${JSON.stringify(app.swagger(), null, 2)}\n`
  } finally {
    await app.close()
    await db.destroy()
  }
}
