// `npm run audit:verify`: recomputes every chain of the audit trail on the configured database
// (DATABASE_URL, else the embedded PGLITE_DIR) and exits 1 naming the first edited or missing event.
import '../src/policy/actions.ts' // registers the policies the script's writes are authorized by
import { withConfiguredDatabase } from '../src/db/script.ts'
import { verifyChains } from '../src/modules/audit/repository.ts'

await withConfiguredDatabase(async (db, kind) => {
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
})
