// Test support for real processes: start the service (npm start, node, the compiled build) on a
// port, wait until it answers, follow its process tree, and watch it stop.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '../..')

export interface Proc {
  child: ChildProcess
  stdout: string[]
  stderr: string[]
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Spawns cmd in the project directory with env added to a clean copy of the environment. */
export function start(cmd: string, args: string[], env: Record<string, string>, opts: SpawnOptions = {}): Proc {
  const base = { ...process.env }
  // What tap and the test harness set must not leak into the service under test.
  for (const k of Object.keys(base)) if (k.startsWith('TAP') || k === 'TEST_DATABASE_URL' || k === 'NODE_OPTIONS') delete base[k]
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...opts })
  const stdout: string[] = []
  const stderr: string[] = []
  child.stdout?.on('data', (d) => stdout.push(String(d)))
  child.stderr?.on('data', (d) => stderr.push(String(d)))
  // A closed pipe on our side must not throw here.
  child.stdout?.on('error', () => {})
  child.stderr?.on('error', () => {})
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.on('exit', (code, signal) => res({ code, signal }))
  })
  return { child, stdout, stderr, exited }
}

/** Resolves once GET url answers 200; rejects after timeoutMs or if the process exits first. */
export async function waitFor(url: string, proc?: Proc, timeoutMs = 90_000): Promise<void> {
  const until = Date.now() + timeoutMs
  let gone = false
  void proc?.exited.then(() => { gone = true })
  for (;;) {
    if (gone) throw new Error(`the process exited before ${url} answered: ${proc!.stderr.join('')}`)
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
      if (res.status === 200) return
    } catch { /* not up yet */ }
    if (Date.now() > until) throw new Error(`${url} did not answer within ${timeoutMs} ms: ${proc?.stderr.join('') ?? ''}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** True while something accepts connections on the port. */
export async function listening(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(2000) })
    return true
  } catch (err) {
    return (err as { cause?: { code?: string } }).cause?.code !== 'ECONNREFUSED'
  }
}

function stat(pid: number): { ppid: number; state: string } | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const rest = raw.slice(raw.lastIndexOf(')') + 2).split(' ')
    return { state: rest[0], ppid: Number(rest[1]) }
  } catch {
    return undefined
  }
}

/** A process that has not ended (a zombie waiting for its parent counts as ended). */
export function alive(pid: number): boolean {
  const s = stat(pid)
  return Boolean(s && s.state !== 'Z' && s.state !== 'X')
}

/** pid and every process below it. */
export function tree(pid: number): number[] {
  const all: Array<[number, number]> = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const s = stat(Number(name))
    if (s) all.push([Number(name), s.ppid])
  }
  const out = [pid]
  for (let i = 0; i < out.length; i++) for (const [p, pp] of all) if (pp === out[i] && !out.includes(p)) out.push(p)
  return out
}

/** Milliseconds until none of pids is alive, or undefined after timeoutMs. */
export async function gone(pids: number[], timeoutMs: number): Promise<number | undefined> {
  const t0 = Date.now()
  while (Date.now() - t0 < timeoutMs) {
    if (!pids.some(alive)) return Date.now() - t0
    await new Promise((r) => setTimeout(r, 25))
  }
  return undefined
}

/** Last resort at teardown: no process of ours outlives the test. */
export function killAll(pids: number[]) {
  for (const p of pids) {
    try { if (alive(p)) process.kill(p, 'SIGKILL') } catch { /* gone */ }
  }
}
