import { PGlite } from '@electric-sql/pglite'
import { readFileSync } from 'node:fs'
const f = process.argv[2]
const c0 = process.cpuUsage()
const t0 = performance.now()
const pg = new PGlite({ loadDataDir: new Blob([readFileSync(f)]) })
await pg.waitReady
await pg.query('select 1')
const c = process.cpuUsage(c0)
console.log(f.slice(-10), 'wall', (performance.now() - t0).toFixed(0), 'cpu', ((c.user + c.system) / 1000).toFixed(0))
process.exit(0)
