// `npm run audit:verify`: recomputes every chain of the audit trail on the configured database
// (DATABASE_URL, else the embedded PGLITE_DIR) and exits 1 naming the first edited or missing event.
import { loadConfig } from '../src/config.ts'
import { createDatabase } from '../src/db/database.ts'
import { verifyChains } from '../src/modules/audit/repository.ts'

let config
try {
  config = loadConfig()
} catch (err) {
  console.error((err as Error).message)
  process.exit(1)
}
const { db, kind } = createDatabase(config)
try {
  const started = Date.now()
  const v = await verifyChains(db)
  const took = `${((Date.now() - started) / 1000).toFixed(1)} s`
  if (v.ok) {
    console.log(`${kind}: audit trail intact: ${v.events} events in ${v.chains} chains verified in ${took}`)
  } else {
    const b = v.firstBad!
    const at = b.at ? ` (recorded ${new Date(b.at).toISOString()})` : ''
    console.error(`${kind}: audit trail BROKEN: ${b.problem} at chain ${b.chainId}, position ${b.seq}${b.eventId ? `, event ${b.eventId}` : ''}${at}`)
    process.exitCode = 1
  }
} catch (err) {
  console.error((err as Error).message)
  process.exitCode = 1
} finally {
  await db.destroy()
}
