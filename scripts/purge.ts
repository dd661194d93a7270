// `npm run purge [-- --dry-run]` (RET-1): removes what identifies an engagement RETENTION_DAYS after
// it ended, plus expired survey tokens, expired idempotent responses and settled notifications, on
// the configured database. --dry-run prints what would go, by count, and changes nothing.
import { migrateToLatest } from '../src/db/migrate.ts'
import '../src/policy/actions.ts' // registers the policies the script's writes are authorized by
import { withConfiguredDatabase } from '../src/db/script.ts'
import { purge as runPurge } from '../src/jobs/retention-purge.ts'

const args = process.argv.slice(2)
const unknown = args.filter((a) => a !== '--dry-run')
if (unknown.length) {
  console.error(`Unknown argument: ${unknown.join(' ')} (usage: npm run purge [-- --dry-run])`)
  process.exit(2)
}
await withConfiguredDatabase(async (db, kind, config) => {
  await migrateToLatest(db)
  const r = await runPurge(db, { retentionDays: config.retentionDays, dryRun: args.includes('--dry-run') })
  if (r.skipped) {
    console.log(`${kind}: another purge is running; nothing done`)
  } else {
    const { dryRun, skipped: _s, ...counts } = r
    console.log(`${kind}: ${dryRun ? 'would purge (dry run, nothing changed)' : 'purged'}, retention ${config.retentionDays} days:`)
    for (const [what, n] of Object.entries(counts)) console.log(`  ${what.padEnd(24)} ${n}`)
  }
})
