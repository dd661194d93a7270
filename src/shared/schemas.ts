// TypeBox atoms shared by every module, and the one Problem schema every route references.
import { Type, type Static, type TArrayOptions, type TSchema, type TStringOptions } from 'typebox'
import { problemTypes, type ProblemCode } from '../errors/problems.ts'

// Every string, integer and array of the contract is bounded (OWASP API4, linted by Spectral in
// `npm run lint`): a string has a maxLength (or an enum), an integer a minimum and a maximum, an
// array a maxItems. In a request the bound is enforced (422); in an answer it is what the
// server guarantees (the same bound the value was accepted with). These helpers say it once.
export const INT32_MAX = 2_147_483_647
/** A string of at most maxLength characters. */
export const Str = (maxLength: number, opts: TStringOptions = {}) => Type.String({ ...opts, maxLength })
/** A count (a non-negative int32). */
export const Count = Type.Integer({ minimum: 0, maximum: INT32_MAX })
/** A row version (the ETag's number), bumped on every change. */
export const Version = Type.Integer({ minimum: 1, maximum: INT32_MAX })
/** An array of at most maxItems items. */
export const List = <T extends TSchema>(item: T, maxItems: number, opts: TArrayOptions = {}) => Type.Array(item, { ...opts, maxItems })
/** Who did something, in an answer: a principal's token `sub`, a role, or a system actor. */
export const PrincipalRef = Type.String({ maxLength: 128, pattern: '^[A-Za-z0-9._:@-]+$', description: 'A principal (the token `sub`), a role or a system actor' })
/** A SHA-256 digest in hexadecimal. */
export const Sha256Hex = (description: string) => Type.String({ minLength: 64, maxLength: 64, pattern: '^[0-9a-f]{64}$', description })
/** An ISO 8601 date-time in a request. */
export const DateTime = (opts: TStringOptions = {}) => Type.String({ ...opts, format: 'date-time', maxLength: 64 })

export const Id = Type.String({ format: 'uuid', maxLength: 36, description: 'Identifier (UUID)' })
/** Serialized as an ISO 8601 string; handlers may hand over the Date the driver returned. */
export const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time', maxLength: 64 })

/** A closed vocabulary, documented as a JSON Schema enum. */
export const StringEnum = <const T extends readonly string[]>(values: T, opts: { description?: string } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...opts })
// Above the 10 characters of a date: an overlong value is one error (its format), not two.
export const DateOnly = Type.String({ format: 'date', maxLength: 32, description: 'Calendar date, YYYY-MM-DD' })
export const EmployeeRef = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:@-]+$', description: 'Stable employee id (the token `sub`)' })

export const IdParamsSchema = Type.Object({ id: Id }, { additionalProperties: false })

const CURSOR = { minLength: 1, maxLength: 512, pattern: '^[A-Za-z0-9_-]+$' }
export const LIMIT_DEFAULT = 20
export const PaginationQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: LIMIT_DEFAULT })),
  cursor: Type.Optional(Type.String({ ...CURSOR, description: 'Opaque cursor from a previous page' })),
}

/** The query of a list that has no filter of its own: `limit` and `cursor` only. */
export const PageQuerySchema = Type.Object({ ...PaginationQuery }, { additionalProperties: false })

/** A page of a list: at most `limit` (100) items, and the cursor of the next page. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item, { maxItems: 100 }), nextCursor: Type.Union([Type.String({ ...CURSOR, description: 'Send it as `cursor` for the next page; null on the last' }), Type.Null()]) })

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ format: 'uri', maxLength: 2048 }),
    title: Type.String({ maxLength: 200 }),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.Optional(Type.String({ maxLength: 4000 })),
    instance: Type.Optional(Type.String({ maxLength: 2048, description: 'The request path' })),
    code: StringEnum(Object.keys(problemTypes) as ProblemCode[], { description: 'Stable problem code' }),
    requestId: Type.Optional(Type.String({ maxLength: 128, description: 'The request id (X-Request-Id): quote it when reporting a problem' })),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String({ maxLength: 2048 }), message: Type.String({ maxLength: 2048 }) }), { maxItems: 100 })),
  },
  { $id: 'Problem', title: 'Problem', description: 'RFC 9457 problem details; title and detail follow Accept-Language (en, fr).', additionalProperties: true },
)
export type Problem = Static<typeof ProblemSchema>

const ProblemRef = Type.Ref('Problem')

/**
 * Route response entries for the problems a route can answer, grouped by status, each documented
 * with its codes. The generic ones (validation, authentication, rate limit, internal) are always added.
 */
export function problems(...codes: ProblemCode[]) {
  const all = new Set<ProblemCode>(['validation-failed', 'malformed-body', 'invalid-header', 'unauthorized', 'forbidden', 'too-many-requests', 'internal-error', 'service-unavailable', ...codes])
  const byStatus = new Map<number, ProblemCode[]>()
  for (const code of all) {
    const s = problemTypes[code].status
    byStatus.set(s, [...(byStatus.get(s) ?? []), code])
  }
  const out: Record<number, unknown> = {}
  for (const [status, cs] of byStatus) {
    out[status] = {
      description: `Problem: ${cs.map((c) => `\`${c}\``).join(', ')}`,
      content: { 'application/problem+json': { schema: ProblemRef } },
    }
  }
  return out
}

/** Problems for public routes (no authentication). */
export function publicProblems(...codes: ProblemCode[]) {
  const r = problems(...codes)
  delete r[401]
  delete r[403]
  return r
}
