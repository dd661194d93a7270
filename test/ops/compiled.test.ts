// #12 item 9: the image runs compiled JavaScript with NODE_ENV=production. The sources compile with
// tsconfig.build.json (what `npm run build` and the Dockerfile do); `node dist/src/server.js` (the
// image's CMD: node itself, no npm, no tsx) starts in production mode, answers ready,
// refuses development tokens, and stops within 10 s of SIGTERM.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { as, migratedPgliteDir, testDatabase, tokenFor, usingServer } from '../helper.ts'
import { gone, killAll, listening, ROOT, start, waitFor } from './procs.ts'

const PORT = 3877

t.test('the compiled server starts in production mode, answers ready and stops on SIGTERM', async (t) => {
  const out = join(ROOT, `.build-test-${randomBytes(4).toString('hex')}`)
  const data = mkdtempSync(join(tmpdir(), 'm2m-compiled-'))
  t.teardown(() => {
    rmSync(out, { recursive: true, force: true })
    rmSync(data, { recursive: true, force: true })
  })
  // Emit only: the type check is `npm run typecheck`, which .ci/run runs once beside the linter.
  const tsc = spawn(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--noCheck', '--outDir', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let tscOut = ''
  tsc.stdout.on('data', (d) => { tscOut += d })
  const code = await new Promise<number | null>((res) => tsc.on('exit', res))
  t.equal(code, 0, `tsc -p tsconfig.build.json compiles ${tscOut}`)

  // A migrated database: the first start on an empty one is test/ops/lifecycle.test.ts's.
  const database: Record<string, string> = usingServer ? { DATABASE_URL: (await testDatabase(t)).url! } : { PGLITE_DIR: await migratedPgliteDir(join(data, 'pglite')) }
  const server = start(process.execPath, [join(out, 'src/server.js')], {
    NODE_ENV: 'production', PORT: String(PORT), HOST: '127.0.0.1', LOG_LEVEL: 'warn',
    // Never fetched: no request in this test carries a token the server would verify with it.
    JWT_JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json', JWT_ISSUER: 'https://idp.test/', JWT_AUDIENCE: 'm2m-network-api',
    AUDIT_KEY: randomBytes(32).toString('base64url'), DATA_KEY: randomBytes(32).toString('base64url'),
    ...database,
  }, { cwd: tmpdir() })
  t.teardown(() => killAll([server.child.pid!]))
  await waitFor(`http://127.0.0.1:${PORT}/health/ready`, server)
  const cmdline = readFileSync(`/proc/${server.child.pid}/cmdline`, 'utf8').split('\0').join(' ')
  t.notMatch(cmdline, /tsx/, `plain node: ${cmdline.trim()}`)
  const ready = await fetch(`http://127.0.0.1:${PORT}/health/ready`)
  t.same([ready.status, await ready.json()], [200, { status: 'ready' }])
  const dev = await fetch(`http://127.0.0.1:${PORT}/v1/me`, { headers: { authorization: `Bearer ${tokenFor(as('E1', 'manager'))}` } })
  t.equal(dev.status, 401, 'an HS256 development token is refused: production mode')

  const sent = Date.now()
  server.child.kill('SIGTERM')
  const took = await gone([server.child.pid!], 10_000)
  t.ok(took !== undefined, 'exited within 10 s')
  t.comment(`compiled server, SIGTERM to node → exit: ${Date.now() - sent} ms`)
  t.equal((await server.exited).code, 0, 'exit code 0')
  t.notOk(await listening(PORT), 'the port is closed')
})

t.test('the image and the compose file are production-like', async (t) => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
  t.match(dockerfile, /RUN npm run build/, 'the image compiles the sources')
  t.match(dockerfile, /^CMD \["node", "dist\/src\/server\.js"\]$/m, 'and runs node on the compiled server, not npm or tsx')
  const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')
  const api = compose.slice(compose.indexOf('\n  api:'))
  t.match(api, /NODE_ENV: production/)
  for (const v of ['POSTGRES_PASSWORD', 'AUDIT_KEY', 'DATA_KEY', 'JWT_JWKS_URL']) t.match(api, new RegExp(`\\$\\{${v}:\\?`), `${v} is required`)
  t.notMatch(compose, /POSTGRES_PASSWORD:-/, 'no default database password')
  t.notMatch(api, /JWT_SECRET/, 'no development secret')
  t.match(api, /read_only: true/)
  t.match(api, /limits:\s*\n\s*cpus: "[\d.]+"\s*\n\s*memory: \w+/, 'cpu and memory limits')
})
