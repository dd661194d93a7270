// Small-cell suppression (RPT-4). Every answer is built from "lines": a published total and the
// cells that add up to it (for a multi-valued dimension such as topic the cells add up to at least
// the total, which the same rule covers). In a line:
// 1. primary suppression: a count from 1 to threshold−1 is withheld (null, suppressed: true);
// 2. a total below the threshold is withheld too (and then every non-zero cell already is);
// 3. complementary suppression: while the withheld cells of a published total add up to more than
//    0 and less than the threshold, the smallest published cell is withheld as well. Then
//    "total − published cells" is 0 or at least the threshold, and it is the only combination of
//    withheld cells the answer determines, so no count from 1 to threshold−1 can be computed from
//    it, and no single withheld cell can be recovered (there are always two or more).
// Answers publish no other margin (row or column subtotals), so a line has no second equation.
// 4. a multi-valued dimension (topic, referral category, the modes of a closure): cells with the
//    same multi-valued value(s) are disjoint, and "total − their published sum" counts the records
//    without that value. Within each such group, while that difference is from 1 to threshold−1,
//    the group's smallest published cell is withheld (any subset then leaves at least as much).

export interface LineSuppression {
  cells: boolean[]
  total: boolean
}

export const isSmall = (n: number, threshold: number) => n > 0 && n < threshold

export function suppressLine(cells: readonly number[], total: number, threshold: number, groups?: readonly string[]): LineSuppression {
  const hidden = cells.map((n) => isSmall(n, threshold))
  if (isSmall(total, threshold)) return { cells: cells.map((n) => n > 0), total: true }
  let withheld = cells.reduce((s, n, i) => (hidden[i] ? s + n : s), 0)
  while (withheld > 0 && withheld < threshold) {
    let pick = -1
    for (let i = 0; i < cells.length; i++) {
      if (!hidden[i] && cells[i] > 0 && (pick < 0 || cells[i] < cells[pick])) pick = i
    }
    if (pick < 0) break // every non-zero cell withheld: nothing more to hide behind
    hidden[pick] = true
    withheld += cells[pick]
  }
  if (groups) {
    for (const g of new Set(groups)) {
      for (;;) {
        const members = cells.map((_, i) => i).filter((i) => groups[i] === g && !hidden[i] && cells[i] > 0)
        const rest = total - members.reduce((s, i) => s + cells[i], 0)
        if (!members.length || !isSmall(rest, threshold)) break
        hidden[members.reduce((a, b) => (cells[b] < cells[a] ? b : a))] = true
      }
    }
  }
  return { cells: hidden, total: false }
}

/** A published count: null and suppressed: true when withheld. */
export const figure = (n: number, suppressed: boolean) => ({ count: suppressed ? null : n, suppressed })

/**
 * A mean, published only over a published count of at least the threshold. With perturbation
 * (perturbation.ts) sum and n are the perturbed ones; `bounds` keeps the mean within the answers'
 * range (the noise could push a mean of 1–5 answers to 5.2).
 */
export const meanOf = (sum: number, n: number, published: boolean, threshold: number, bounds?: readonly [number, number]) => {
  if (!published || n < threshold) return null
  const mean = bounds ? Math.min(bounds[1], Math.max(bounds[0], sum / n)) : sum / n
  return Math.round(mean * 100) / 100
}
