// #12 item 11: `engines` says what is true. Every package the lockfile installs accepts the running
// Node (what `npm ci` would report as EBADENGINE) and every Node version the project's own
// `engines.node` admits (so the range in package.json is no wider than its dependencies allow).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import semver from 'semver'
import t from 'tap'

const root = resolve(import.meta.dirname, '../..')
const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines?: { node?: string } }
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>
}

function nodeRange(engines: unknown): string | undefined {
  const range = (engines as { node?: unknown } | undefined)?.node
  return typeof range === 'string' ? range : undefined
}

t.test('package.json declares a valid engines.node range that admits the running Node', async (t) => {
  const range = own.engines?.node
  t.ok(range && semver.validRange(range), `engines.node is a range: ${range}`)
  t.ok(semver.satisfies(process.version, range!), `${process.version} satisfies ${range}`)
})

t.test('every package in the lockfile runs on every Node the project admits', async (t) => {
  const range = own.engines!.node!
  const bad: string[] = []
  let checked = 0
  for (const [path, entry] of Object.entries(lock.packages)) {
    const needs = nodeRange(entry.engines)
    if (!path || !needs) continue
    checked++
    if (!semver.subset(range, needs)) bad.push(`${path}@${entry.version} needs node ${needs}`)
  }
  t.ok(checked > 50, `${checked} lockfile entries declare engines.node`)
  t.same(bad, [], `engines.node "${range}" is within every dependency's range`)
})

t.test('no installed package excludes the running Node (npm ci would print EBADENGINE)', async (t) => {
  const bad: string[] = []
  let checked = 0
  const walk = (dir: string) => {
    if (!existsSync(dir)) return
    for (const name of readdirSync(dir)) {
      if (name.startsWith('.')) continue
      const path = join(dir, name)
      if (name.startsWith('@')) {
        walk(path)
        continue
      }
      const manifest = join(path, 'package.json')
      if (!existsSync(manifest)) continue
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string; version: string; engines?: unknown }
      const needs = nodeRange(pkg.engines)
      if (needs) {
        checked++
        if (!semver.satisfies(process.version, needs)) bad.push(`${pkg.name}@${pkg.version} needs node ${needs}`)
      }
      walk(join(path, 'node_modules'))
    }
  }
  walk(join(root, 'node_modules'))
  t.ok(checked > 50, `${checked} installed packages declare engines.node`)
  t.same(bad, [], `every installed package accepts ${process.version}`)
})
