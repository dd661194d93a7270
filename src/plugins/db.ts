// app.db: the one Kysely instance. Closed with the app.
import fp from 'fastify-plugin'
import type { Db } from '../db/database.ts'

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
  }
}

export default fp<{ db: Db; ownsDb: boolean }>(
  async (app, { db, ownsDb }) => {
    app.decorate('db', db)
    if (ownsDb) app.addHook('onClose', async () => db.destroy())
  },
  { name: 'db' },
)
