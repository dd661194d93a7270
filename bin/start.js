// `npm start` (#18: cold start). Runs the compiled JavaScript (dist/, `npm run build`) when it is
// there and not older than the sources, which starts in about half the time and memory of the
// TypeScript loader; otherwise (a fresh clone, a source edited since the build) the TypeScript
// sources through tsx, as before. One process either way: signals reach the server itself.
// Plain JavaScript on purpose: it must run before anything is compiled.
import { readdirSync, statSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const compiled = `${root}dist/src/server.js`

/** Newest modification time of the files under dir (0 when it does not exist). */
function newest(dir) {
  let t = 0
  let entries
  try { entries = readdirSync(dir, { withFileTypes: true }) } catch { return 0 }
  for (const e of entries) {
    const p = `${dir}/${e.name}`
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

function builtAndCurrent() {
  let built
  try { built = statSync(compiled).mtimeMs } catch { return false }
  return built >= Math.max(newest(`${root}src`), newest(`${root}migrations`))
}

if (builtAndCurrent()) {
  await import(pathToFileURL(compiled).href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import(pathToFileURL(`${root}src/server.ts`).href)
}
