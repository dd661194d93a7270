// Cell-key perturbation (RPT-4, #11 finding 3), the method of the Australian Bureau of Statistics
// TableBuilder (Thompson, Broadfoot and Elazar, 2013) and of the UK ONS for Census 2021:
// - every record that statistics count carries a random record key in [0, KEY_BASE), drawn by the
//   database at insert (column `cell_key`, a DEFAULT: no insert statement names it) and never changed;
// - a cell's key is the sum of its records' keys modulo KEY_BASE (summed in SQL, kept in the
//   rollups), uniform over [0, KEY_BASE) and unknown to anyone who cannot read the tables;
// - the fixed perturbation table below maps (count, cell key) to a small integer added to the count.
// The same records always give the same cell key, hence the same noise: repeating or re-slicing a
// query averages nothing away, and a total is the same figure in every grouping. Two sets of
// records that differ by one record have unrelated cell keys, so differencing two answers gives the
// difference of the true counts plus the difference of two independent noises.
// See docs/statistics-method.md for the parameters and what remains.

export const KEY_BASE = 256
/** The largest change the perturbation makes to a count (and, in units, to a sum). */
export const MAX_NOISE = 2

/** A row of the perturbation table: noise values and how many of the KEY_BASE cell keys give each (in key order). */
type Row = readonly (readonly [noise: number, keys: number])[]

// Every row has mean exactly 0 (unbiased) and covers KEY_BASE positions; the zero band comes
// first. A cell key is not read as a position directly (contiguous bands would give a cell and the
// same cell plus one record of small key the same noise): position() scrambles it with the count
// and the figure (count, or which sum), so the noises of N records and of N+1 records agree no more
// often than independent draws would, within sampling (at most 45% of keys, against 33.5% for
// independent draws, whatever the added record's key). Cell key 0 is always position 0, "no noise"
// (the tests use it to check figures exactly).
/** n = 0: a cell with no records stays 0 (never invented). n = 1: not perturbed (a 1 is never published: the threshold is ≥ 5). */
const ROW_NONE: Row = [[0, 256]]
/** n = 2: never below 1 (a count that exists stays positive). Mean (−77 + 51 + 26) / 256 = 0. */
const ROW_TWO: Row = [[0, 115], [1, 51], [-1, 77], [2, 13]]
/** n ≥ 3: −2…+2 with probabilities 13, 51, 128, 51, 13 out of 256 (mean 0, variance 206/256 ≈ 0.80). */
const ROW_MANY: Row = [[0, 128], [1, 51], [-1, 51], [2, 13], [-2, 13]]

export const PERTURBATION_TABLE = { none: ROW_NONE, two: ROW_TWO, many: ROW_MANY } as const

/** A fixed bijection of [0, 256) (odd multiplications and xorshifts, each a bijection): scrambles the key space. */
export const mix8 = (x: number) => {
  x = (x * 167) & 255; x ^= x >> 4
  x = (x * 109) & 255; x ^= x >> 3
  x = (x * 197) & 255; x ^= x >> 5
  return x
}

/** Where in a row the cell key of a figure (stream 0: the count; 1, 2, 3: sums) of n records falls; a bijection of the keys, 0 ↦ 0. */
export function position(cellKey: number, n: number, stream: number): number {
  const offset = (n * 89 + stream * 53) & 255
  const at = (k: number) => mix8((mix8(k) + offset) & 255)
  return (at(cellKey & 255) - at(0)) & 255
}

const lookup = (row: Row, position: number) => {
  let p = position
  for (const [noise, keys] of row) {
    if (p < keys) return noise
    p -= keys
  }
  throw new Error('perturbation row does not cover the key space')
}

/** A cell key from a sum of record keys (as SQL returns it: a bigint, a string or a number). */
export const cellKeyOf = (keySum: number | string | bigint | null | undefined) =>
  Number(BigInt(keySum ?? 0) % BigInt(KEY_BASE))

/** The noise added to a count of n records whose cell key is `cellKey`. */
export function countNoise(n: number, cellKey: number): number {
  const row = n <= 1 ? ROW_NONE : n === 2 ? ROW_TWO : ROW_MANY
  return lookup(row, position(cellKey, n, 0))
}

/** The published count: n plus its noise. 0 stays 0; a positive count stays positive; |change| ≤ MAX_NOISE. */
export const perturbCount = (n: number, cellKey: number) => n + countNoise(n, cellKey)

/**
 * The published sum (for a mean): the true sum plus `unit` × a noise from the n ≥ 3 row, read at
 * another position (stream 1 + `salt`: the several sums of one cell, and its count, get different
 * draws). `unit` is of the order of one record's value, so that one record's contribution cannot be
 * read from two sums. A cell with no records stays 0.
 */
export function perturbSum(sum: number, n: number, cellKey: number, unit: number, salt = 0): number {
  if (n <= 0) return sum
  return sum + unit * lookup(ROW_MANY, position(cellKey, n, 1 + salt))
}

/** A cell as SQL gives it: its count and the sum of its records' keys. */
export interface Keyed { n: number; keys: number | string | bigint }

/** The perturbed count of a keyed cell. */
export const perturbed = (c: Keyed) => perturbCount(c.n, cellKeyOf(c.keys))
