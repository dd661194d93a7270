// `npm run seed:demo [-- --scale N]`: fills an empty database (DATABASE_URL, or the embedded one in
// PGLITE_DIR) with a synthetic year of network activity (see demo-data.ts), so the statistics
// (RPT-4) have something to show and the benchmarks something to run on. Scale 1 is 300
// Ambassadors, 4,000 engagements and about 10,000 reports; `--scale 100` about a million reports.
// Refuses a database that already holds engagements, reports, facts or surveys, so demo data never
// mixes with real data.
import { migrateToLatest } from '../src/db/migrate.ts'
import '../src/policy/actions.ts' // registers the policies the script's writes are authorized by
import { withConfiguredDatabase } from '../src/db/script.ts'
import { assertEmpty, demoSize, seedDemo } from './demo-data.ts'

const USAGE = 'usage: npm run seed:demo [-- --scale N]   (N from 1 to 1000, default 1)'

function parseScale(args: string[]): number {
  if (!args.length) return 1
  const [flag, value, ...rest] = args
  const n = Number(value)
  if (flag !== '--scale' || rest.length || !Number.isInteger(n) || n < 1 || n > 1000) {
    console.error(`Bad arguments: ${args.join(' ')} (${USAGE})`)
    process.exit(2)
  }
  return n
}

const scale = parseScale(process.argv.slice(2))
await withConfiguredDatabase(async (db, kind) => {
  await migrateToLatest(db)
  await assertEmpty(db)
  const t0 = performance.now()
  const counts = await seedDemo(db, demoSize(scale))
  console.log(`${kind}: seeded a synthetic year (scale ${scale}) in ${((performance.now() - t0) / 1000).toFixed(1)} s:`)
  for (const [what, n] of Object.entries(counts)) console.log(`  ${what.padEnd(22)} ${n.toLocaleString('en')}`)
})
