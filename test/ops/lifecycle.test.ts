// #12 item 8: the service stops cleanly wherever it runs. Real processes on the embedded database
// (a temporary PGLITE_DIR): SIGTERM to `npm start` (PID 1 of the old image) closes the port and ends
// the whole process tree within 10 s, a request in flight is answered first, a server whose stdout
// pipe has closed stops too, and while a server holds PGLITE_DIR a second server and the scripts
// that open the database refuse with one line instead of opening it twice.
import { connect } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import t from 'tap'
import { createDatabase } from '../../src/db/database.ts'
import { as, migratedPgliteDir, TEST_SECRET, tokenFor } from '../helper.ts'
import { alive, gone, killAll, listening, start, tree, waitFor } from './procs.ts'

const PORT = 3873
const SECOND_PORT = 3874
const STDOUT_PORT = 3875
const STOP_WITHIN_MS = 10_000

function envFor(dir: string, port: number) {
  return { NODE_ENV: 'test', PORT: String(port), HOST: '127.0.0.1', PGLITE_DIR: join(dir, 'pglite'), JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'info' }
}

/** Sends a request whose body is held back; returns a function that sends the rest and reads the answer. */
async function heldRequest(port: number): Promise<() => Promise<string>> {
  const body = '{"unexpected": true}'
  const socket = connect(port, '127.0.0.1')
  await new Promise<void>((res, rej) => socket.once('connect', res).once('error', rej))
  let answer = ''
  socket.on('data', (d) => { answer += String(d) })
  const ended = new Promise<void>((res) => socket.once('close', () => res()))
  socket.write([
    'POST /v1/ambassadors HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    `Authorization: Bearer ${tokenFor(as('M-lifecycle', 'manager'))}`,
    'Content-Type: application/json',
    `Content-Length: ${body.length}`,
    'Connection: close',
    '', body.slice(0, 5),
  ].join('\r\n'))
  await new Promise((r) => setTimeout(r, 500))
  return async () => {
    socket.write(body.slice(5))
    await ended
    return answer
  }
}

t.test('npm start holds PGLITE_DIR, drains and stops on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'm2m-lifecycle-'))
  const server = start('npm', ['start'], envFor(dir, PORT))
  const pids = () => tree(server.child.pid!)
  let known: number[] = [server.child.pid!]
  t.teardown(() => {
    killAll(known)
    rmSync(dir, { recursive: true, force: true })
  })
  await waitFor(`http://127.0.0.1:${PORT}/health/ready`, server)
  known = pids()
  t.ok(known.length >= 2, `npm and the server: ${known.length} processes`)

  await t.test('a second server on the same PGLITE_DIR refuses with one line', async (t) => {
    const second = start('node', ['--import', 'tsx', 'src/server.ts'], envFor(dir, SECOND_PORT))
    const { code } = await second.exited
    t.equal(code, 1, 'exit 1')
    const lines = second.stderr.join('').trim().split('\n')
    t.equal(lines.length, 1, 'one line on stderr')
    t.match(lines[0], /PGLITE_DIR .* is in use by another process/)
    t.notOk(await listening(SECOND_PORT), 'never listened')
  })

  await t.test('the scripts that open the database refuse with one line', async (t) => {
    const scripts = ['audit:verify', 'purge', 'seed:demo']
    const runs = scripts.map((s) => start('npm', ['run', '-s', s], envFor(dir, SECOND_PORT)))
    for (const [i, run] of runs.entries()) {
      const { code } = await run.exited
      t.equal(code, 1, `${scripts[i]}: exit 1`)
      const lines = run.stderr.join('').trim().split('\n')
      t.equal(lines.length, 1, `${scripts[i]}: one line on stderr`)
      t.match(lines[0], /PGLITE_DIR .* is in use by another process/, scripts[i])
      t.equal(run.stdout.join(''), '', `${scripts[i]}: did nothing`)
    }
  })

  await t.test('SIGTERM: the request in flight is answered, the port closes, every process exits', async (t) => {
    const finish = await heldRequest(PORT)
    known = pids()
    const sent = Date.now()
    process.kill(server.child.pid!, 'SIGTERM')
    // The listener closes at once; the held request keeps its connection.
    const deadline = Date.now() + STOP_WITHIN_MS
    while (Date.now() < deadline && (await listening(PORT))) await new Promise((r) => setTimeout(r, 50))
    t.notOk(await listening(PORT), 'the port is closed')
    const answer = await finish()
    t.match(answer, /^HTTP\/1\.1 400 /, 'the request in flight got its answer (a 400 problem), not a reset or a 503')
    t.match(answer, /application\/problem\+json/)
    const took = await gone(known, STOP_WITHIN_MS)
    t.ok(took !== undefined, `npm and the server exited, ${Date.now() - sent} ms after SIGTERM`)
    t.comment(`SIGTERM to npm start → every process gone: ${Date.now() - sent} ms`)
    t.notOk(known.some(alive), 'no orphan left')
    const { code, signal } = await server.exited
    t.ok(code === 0 || signal === 'SIGTERM', `npm ended cleanly (code ${code}, signal ${signal})`)
  })

  await t.test('the lock is released: the database opens again', async (t) => {
    const { db } = createDatabase({ pgliteDir: join(dir, 'pglite'), db: { poolMax: 1, statementTimeoutMs: 60000, acquireTimeoutMs: 10000 } })
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM kysely_migration`.execute(db)
    t.ok(rows[0].n > 0, 'the server had migrated it')
    await db.destroy()
  })
})

t.test('a server whose stdout pipe has closed still stops on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'm2m-lifecycle-'))
  await migratedPgliteDir(join(dir, 'pglite')) // the first test starts on an empty directory
  const server = start('npm', ['start'], envFor(dir, STDOUT_PORT))
  let known: number[] = [server.child.pid!]
  t.teardown(() => {
    killAll(known)
    rmSync(dir, { recursive: true, force: true })
  })
  await waitFor(`http://127.0.0.1:${STDOUT_PORT}/health/ready`, server)
  known = tree(server.child.pid!)
  server.child.stdout!.destroy()
  server.child.stderr!.destroy()
  // The server logs these requests into the closed pipe.
  for (let i = 0; i < 3; i++) t.equal((await fetch(`http://127.0.0.1:${STDOUT_PORT}/health/live`)).status, 200, 'still serving')
  const sent = Date.now()
  process.kill(server.child.pid!, 'SIGTERM')
  const took = await gone(known, STOP_WITHIN_MS)
  t.ok(took !== undefined, `every process exited within ${STOP_WITHIN_MS} ms`)
  t.comment(`stdout closed, SIGTERM to npm start → every process gone: ${Date.now() - sent} ms`)
  t.notOk(await listening(STDOUT_PORT), 'the port is closed')
})
