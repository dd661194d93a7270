// A small JSON Schema → fast-check arbitrary generator, over the subset the API's request schemas
// use (object, array, string with length/pattern/format/enum, integer, number, boolean, null, anyOf,
// enum, const). No maintained library derives fast-check arbitraries from JSON Schema 2020 (they
// target zod or io-ts), and this subset is small. Plus mutations that turn a valid body into a
// near-valid invalid one. Not a test file (no .test.ts suffix).
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'

type Schema = Record<string, any>

const day = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2040-12-31T00:00:00Z'), noInvalidDate: true })

function stringArb(s: Schema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0
  const max = Math.min(s.maxLength ?? 40, min + 60)
  switch (s.format) {
    case 'uuid': return fc.uuid({ version: 4 })
    case 'date': return day.map((d) => d.toISOString().slice(0, 10))
    case 'date-time': return fc.oneof(
      day.map((d) => d.toISOString()),
      fc.integer({ min: -400, max: 400 }).map((days) => new Date(Date.now() + days * 86400_000).toISOString()),
    )
    case 'uri': return fc.webUrl().filter((u) => u.length >= min && u.length <= (s.maxLength ?? 2048))
    case 'email': return fc.emailAddress()
  }
  if (s.pattern) {
    // A character class repeated (`^[…]+$`): strings of that class between the lengths. A filter on
    // fc.stringMatching would almost never reach a minLength of 16 (generation would spin).
    const cls = /^\^\[([^\]]+)\]\+\$$/.exec(s.pattern)
    if (cls) return fc.string({ unit: fc.stringMatching(new RegExp(`^[${cls[1]}]$`)), minLength: Math.max(min, 1), maxLength: Math.max(max, 1) })
    // "Not blank" (`\S`): any text of the right length with a visible character in it.
    if (s.pattern === '\\S') return fc.string({ minLength: Math.max(min, 1), maxLength: max }).map((v) => (/\S/.test(v) ? v : `x${v.slice(1)}`))
    return fc.stringMatching(new RegExp(s.pattern), { size: 'small' }).map((v) => v.slice(0, s.maxLength ?? v.length)).filter((v) => v.length >= min && new RegExp(s.pattern).test(v))
  }
  return fc.string({ minLength: min, maxLength: max, unit: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...'abcdefghij klmnoé’-'.split('')) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }) })
}

/** Values that satisfy `schema` (as far as the subset goes). */
export function arbitraryFor(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 8) return fc.constant({})
  if ('const' in schema) return fc.constant(schema.const)
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum)
  const alternatives = schema.anyOf ?? schema.oneOf
  if (Array.isArray(alternatives)) return fc.oneof(...alternatives.map((a: Schema) => arbitraryFor(a, depth + 1)))
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  switch (type) {
    case 'null': return fc.constant(null)
    case 'boolean': return fc.boolean()
    case 'integer': return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100000 })
    case 'number': return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100000, noNaN: true, noDefaultInfinity: true })
    case 'string': return stringArb(schema)
    case 'array': {
      const item = arbitraryFor(schema.items, depth + 1)
      const opts = { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 5, (schema.minItems ?? 0) + 5) }
      return schema.uniqueItems ? fc.uniqueArray(item, { ...opts, selector: (v) => JSON.stringify(v) }) : fc.array(item, opts)
    }
    case 'object':
    default: {
      const props: Record<string, Schema> = schema.properties ?? {}
      const required: string[] = schema.required ?? []
      const record: Record<string, fc.Arbitrary<unknown>> = {}
      for (const [k, v] of Object.entries(props)) record[k] = arbitraryFor(v, depth + 1)
      const optional = Object.keys(props).filter((k) => !required.includes(k))
      return fc.record(record, { requiredKeys: required }).filter((o) => Object.keys(o as object).length >= (schema.minProperties ?? 0) || optional.length === 0)
    }
  }
}

/** Inputs that are bad in the ways the reliability tests found, plus plain oddities. */
export const nasty: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    '\u0000', 'a\u0000b', '0000-01-01', '10000-01-01', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59-05:00', '2026-02-30',
    '', ' ', 'x'.repeat(5000), -1, 0, 2 ** 31, 2 ** 53, 1e308, -1e308, 1.5, true, false, null, [], {}, [null],
    '00000000-0000-0000-0000-000000000000', '../../etc/passwd', '<script>alert(1)</script>', '\ud800', 'é'.repeat(300),
    "'; DROP TABLE ambassadors; --", '__proto__', { __proto__: { admin: true } }, 'NaN', '1e400',
  ),
  fc.jsonValue({ maxDepth: 2 }),
)

type Path = (string | number)[]

function leaves(v: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path)
  if (Array.isArray(v)) v.forEach((x, i) => leaves(x, [...path, i], out))
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) leaves(x, [...path, k], out)
  return out
}

function setAt(root: unknown, path: Path, value: unknown, op: 'replace' | 'drop' | 'add'): unknown {
  if (path.length === 0) return op === 'replace' ? value : op === 'add' && root && typeof root === 'object' && !Array.isArray(root) ? { ...(root), unexpected: value } : root
  const copy: any = Array.isArray(root) ? [...root] : { ...(root as object) }
  const [head, ...rest] = path
  if (rest.length === 0) {
    if (op === 'drop') { if (Array.isArray(copy)) copy.splice(head as number, 1); else delete copy[head] }
    else if (op === 'add' && copy[head] && typeof copy[head] === 'object' && !Array.isArray(copy[head])) copy[head] = { ...copy[head], unexpected: value }
    else copy[head] = value
    return copy
  }
  copy[head] = setAt(copy[head], rest, value, op)
  return copy
}

/** A valid value with one part replaced by a nasty value, dropped, or given an unknown sibling. */
export function mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, fc.nat(), nasty, fc.constantFrom<'replace' | 'drop' | 'add'>('replace', 'replace', 'drop', 'add')).map(([v, pick, bad, op]) => {
    const all = leaves(v)
    return setAt(v, all[pick % all.length], bad, op)
  })
}

/** Bodies for one operation: valid-shaped, mutated, and arbitrary JSON. */
export function bodies(schema: Schema | undefined): fc.Arbitrary<unknown> {
  if (!schema) return fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: nasty })
  const valid = arbitraryFor(schema)
  return fc.oneof({ weight: 4, arbitrary: valid }, { weight: 5, arbitrary: mutated(valid) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) })
}

export const someUuid = () => randomUUID()
