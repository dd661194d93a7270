// Counts TAP test points in the raw per-file results tap 21 writes under .tap/test-results.
// usage: node .ci/count.mjs <results-dir> [<tap exit code>]
// prints one line: "<passed> <failed>"
// Leaf assertions are counted, in every subtest (a subtest's own closing point is not counted
// again: it only summarises its children).
// A file whose TAP is incomplete or not ok overall (crash, bail out, missing plan) without any
// failing assertion counts as one failure; so does a non-zero tap exit code with no failure
// counted at all — a crash is never green.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Parser } from 'tap-parser'

const dir = process.argv[2]
const exitCode = Number(process.argv[3] ?? 0)

function tapFiles(d) {
  let out = []
  let entries
  try { entries = readdirSync(d) } catch { return out }
  for (const e of entries) {
    const p = join(d, e)
    if (statSync(p).isDirectory()) out = out.concat(tapFiles(p))
    else if (e.endsWith('.tap')) out.push(p)
  }
  return out.sort()
}

function countFile(file) {
  return new Promise((resolve) => {
    let pass = 0
    let fail = 0
    const parser = new Parser()
    const listen = (p) => {
      p.on('assert', (a) => {
        if (a.closingTestPoint) return
        if (a.skip || a.todo) return // neither passed nor failed, as tap counts them
        if (a.ok) pass++
        else fail++
      })
      p.on('child', listen)
    }
    listen(parser)
    parser.on('complete', (results) => {
      if (!results.ok && fail === 0) {
        fail = 1
        console.error(`ci: ${file}: incomplete or failed TAP without a failing assertion (crash?)`)
      }
      resolve({ pass, fail })
    })
    parser.end(readFileSync(file))
  })
}

let passed = 0
let failed = 0
const files = tapFiles(dir)
for (const f of files) {
  const { pass, fail } = await countFile(f)
  passed += pass
  failed += fail
}
if (files.length === 0) {
  console.error(`ci: no TAP results under ${dir}`)
  failed += 1
} else if (exitCode !== 0 && failed === 0) {
  console.error(`ci: tap exited ${exitCode} but no failure was counted; counting the run as 1 failure`)
  failed = 1
}
console.log(`${passed} ${failed}`)
