// Module hooks of register.mjs: a .ts file of this project becomes JavaScript (esbuild, same
// options as tsx: ES2022, verbatim module syntax, an inline source map for the stack traces).
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import process from 'node:process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { transformSync, version } from 'esbuild'

const cacheDir = join(tmpdir(), `m2m-ts-${version}`)
mkdirSync(cacheDir, { recursive: true })
const tsconfigRaw = { compilerOptions: { target: 'ES2022', verbatimModuleSyntax: true, useDefineForClassFields: true } }

function compile(file) {
  const source = readFileSync(file, 'utf8')
  const key = createHash('sha256').update(file).update('\0').update(source).digest('hex').slice(0, 32)
  const cached = join(cacheDir, `${key}.js`)
  try {
    return readFileSync(cached, 'utf8')
  } catch {
    const { code } = transformSync(source, { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline', sourcefile: file, tsconfigRaw })
    const partial = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`
    writeFileSync(partial, code)
    renameSync(partial, cached) // atomic: a concurrent test process reads a whole file or none
    return code
  }
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts') || url.includes('/node_modules/')) return nextLoad(url, context)
  return { format: 'module', source: compile(fileURLToPath(url)), shortCircuit: true }
}
