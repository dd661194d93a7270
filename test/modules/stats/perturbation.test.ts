// #11 finding 3 (RPT-4): the cell-key perturbation itself (fast-check): bounded, unbiased,
// deterministic, 0 stays 0 and a positive count stays positive, and, through the suppression that
// follows it, no perturbed count from 1 to threshold − 1 is ever published.
import fc from 'fast-check'
import t from 'tap'
import {
  KEY_BASE, MAX_NOISE, PERTURBATION_TABLE, cellKeyOf, countNoise, mix8, perturbCount, perturbSum, position, perturbed,
} from '../../../src/modules/stats/perturbation.ts'
import { figure, suppressLine } from '../../../src/modules/stats/suppression.ts'

const KEYS = Array.from({ length: KEY_BASE }, (_, k) => k)

t.test('the table: every row covers the key space and has mean exactly 0', async (t) => {
  for (const [name, row] of Object.entries(PERTURBATION_TABLE)) {
    t.equal(row.reduce((s, [, keys]) => s + keys, 0), KEY_BASE, `${name}: ${KEY_BASE} positions`)
    t.equal(row.reduce((s, [noise, keys]) => s + noise * keys, 0), 0, `${name}: unbiased`)
    t.ok(row.every(([noise]) => Math.abs(noise) <= MAX_NOISE), `${name}: bounded`)
  }
  t.same(new Set(KEYS.map(mix8)).size, KEY_BASE, 'the scrambler is a bijection')
  for (const n of [0, 1, 2, 3, 17, 1000]) t.same(new Set(KEYS.map((k) => position(k, n, 0))).size, KEY_BASE, `positions for n = ${n}: a bijection`)
  for (const n of [3, 10, 385]) t.equal(KEYS.reduce((s, k) => s + countNoise(n, k), 0), 0, `n = ${n}: the noise over all cell keys sums to 0`)
  t.equal(cellKeyOf('1000000000000000001'), Number(1000000000000000001n % 256n), 'big key sums (bigint from SQL) reduce exactly')
})

t.test('property: bounded, deterministic, 0 stays 0, positive stays positive', async () => {
  fc.assert(fc.property(fc.nat({ max: 100_000 }), fc.nat({ max: KEY_BASE - 1 }), (n, key) => {
    const p = perturbCount(n, key)
    if (p !== perturbCount(n, key)) return false
    if (Math.abs(p - n) > MAX_NOISE) return false
    if (n === 0 ? p !== 0 : p < 1) return false
    const s = perturbSum(n * 7, n, key, 30, 1)
    return s === perturbSum(n * 7, n, key, 30, 1) && Math.abs(s - n * 7) <= MAX_NOISE * 30 && (n > 0 || s === 0)
  }), { numRuns: 20_000 })
})

t.test('adding one record changes the noise about as independent draws would (no shortcut for differencing)', async (t) => {
  // For a target record of key r added to a cell of N records and cell key K (K unknown, uniform):
  // how often is the noise of N+1 the noise of N? 33.5% for independent draws.
  let worst = 0
  for (const n of [3, 4, 10, 57, 385, 1000]) {
    for (let r = 0; r < KEY_BASE; r++) {
      const same = KEYS.filter((k) => countNoise(n + 1, (k + r) % KEY_BASE) === countNoise(n, k)).length / KEY_BASE
      worst = Math.max(worst, same)
    }
  }
  t.ok(worst <= 0.46, `at most ${(worst * 100).toFixed(1)}% of cell keys give the same noise, whatever the added record's key`)
})

t.test('property: through suppression, no perturbed count from 1 to threshold − 1 is published', async () => {
  fc.assert(fc.property(
    fc.integer({ min: 5, max: 20 }),
    fc.array(fc.record({ n: fc.nat({ max: 40 }), keys: fc.nat({ max: 100_000 }) }), { minLength: 0, maxLength: 12 }),
    fc.nat({ max: 100_000 }),
    (threshold, cells, totalKeys) => {
      const total = perturbed({ n: cells.reduce((s, c) => s + c.n, 0), keys: totalKeys })
      const counts = cells.map(perturbed)
      const s = suppressLine(counts, total, threshold)
      const published = [...counts.map((n, i) => figure(n, s.cells[i])), figure(total, s.total)]
      return published.every((f) => f.count === null || f.count === 0 || f.count >= threshold)
        && cells.every((c, i) => c.n > 0 || counts[i] === 0)
    },
  ), { numRuns: 5000 })
})
