// RPT-4: the suppression rule itself, for every line shape (fast-check).
import fc from 'fast-check'
import t from 'tap'
import { suppressLine } from '../../../src/modules/stats/suppression.ts'

/** What anyone can compute from a published line: each published count, and total − Σ published. */
function derivable(cells: number[], total: number, s: ReturnType<typeof suppressLine>) {
  const published = cells.filter((_, i) => !s.cells[i])
  const out = [...published]
  if (!s.total) out.push(total, total - published.reduce((a, b) => a + b, 0))
  return out
}

t.test('a small cell beside a total that would reveal it is protected by a second cell', async (t) => {
  const s = suppressLine([3, 20, 15], 38, 10)
  t.same(s, { cells: [true, false, true], total: false })
  const published = [3, 20, 15].filter((_, i) => !s.cells[i]).reduce((a, b) => a + b, 0)
  t.equal(38 - published, 18, 'total − published = the two withheld cells together, at least the threshold')
  t.same(derivable([3, 20, 15], 38, s), [20, 38, 18], 'all anyone can compute from the line: 20, the total, and 18')
  t.same(suppressLine([3, 4, 50], 57, 10), { cells: [true, true, true], total: false }, 'two small cells adding up to less than the threshold pull in a third')
  t.same(suppressLine([12, 30], 42, 10), { cells: [false, false], total: false }, 'nothing small, nothing withheld')
  t.same(suppressLine([3, 4], 7, 10), { cells: [true, true], total: true }, 'a small total is withheld with its cells')
  t.same(suppressLine([0, 12], 12, 10), { cells: [false, false], total: false }, 'zero is not a small count')
})

t.test('property: no published line lets anyone compute a count from 1 to threshold − 1', async () => {
  fc.assert(fc.property(
    fc.integer({ min: 5, max: 20 }),
    fc.array(fc.nat({ max: 40 }), { minLength: 0, maxLength: 12 }),
    (threshold, cells) => {
      const total = cells.reduce((a, b) => a + b, 0)
      const s = suppressLine(cells, total, threshold)
      for (const v of derivable(cells, total, s)) if (v > 0 && v < threshold) return false
      // Every small cell is withheld; a withheld cell is never alone (it could be recovered).
      if (cells.some((n, i) => n > 0 && n < threshold && !s.cells[i])) return false
      if (!s.total && s.cells.filter(Boolean).length === 1) return false
      return true
    },
  ), { numRuns: 5000 })
})

t.test('property: lines whose cells add up to more than the total hold too', async () => {
  fc.assert(fc.property(
    fc.integer({ min: 5, max: 20 }),
    fc.array(fc.nat({ max: 40 }), { minLength: 1, maxLength: 12 }),
    (threshold, cells) => {
      const total = Math.max(...cells) // every record in several cells: the total is at least the largest cell
      const s = suppressLine(cells, total, threshold)
      return cells.every((n, i) => !(n > 0 && n < threshold) || s.cells[i]) && (s.total || !(total > 0 && total < threshold))
    },
  ), { numRuns: 2000 })
})

t.test('property: multi-valued groupings leave no small complement (total − a value’s published cells)', async () => {
  fc.assert(fc.property(
    fc.integer({ min: 5, max: 12 }),
    fc.array(fc.record({ group: fc.constantFrom('a', 'b', 'c'), n: fc.nat({ max: 25 }) }), { minLength: 1, maxLength: 9 }),
    fc.nat({ max: 30 }),
    (threshold, cells, extra) => {
      const total = Math.max(...cells.map((c) => c.n)) + extra
      const s = suppressLine(cells.map((c) => c.n), total, threshold, cells.map((c) => c.group))
      if (s.total) return true
      for (const g of ['a', 'b', 'c']) {
        const rest = total - cells.reduce((sum, c, i) => (c.group === g && !s.cells[i] ? sum + c.n : sum), 0)
        if (rest > 0 && rest < threshold) return false
      }
      return cells.every((c, i) => !(c.n > 0 && c.n < threshold) || s.cells[i])
    },
  ), { numRuns: 3000 })
})
