// TypeBox atoms shared by every module, and the one Problem schema every route references.
import { Type, type Static, type TSchema } from 'typebox'
import { problemTypes, type ProblemCode } from '../errors/problems.ts'

export const Id = Type.String({ format: 'uuid', description: 'Identifier (UUID)' })
/** Serialized as an ISO 8601 string; handlers may hand over the Date the driver returned. */
export const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' })

/** A closed vocabulary, documented as a JSON Schema enum. */
export const StringEnum = <const T extends readonly string[]>(values: T, opts: { description?: string } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...opts })
export const DateOnly = Type.String({ format: 'date', description: 'Calendar date, YYYY-MM-DD' })
export const EmployeeRef = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:@-]+$', description: 'Stable employee id (the token `sub`)' })

export const IdParamsSchema = Type.Object({ id: Id }, { additionalProperties: false })

export const LIMIT_DEFAULT = 20
export const PaginationQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: LIMIT_DEFAULT })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, pattern: '^[A-Za-z0-9_-]+$', description: 'Opaque cursor from a previous page' })),
}

/** The query of a list that has no filter of its own: `limit` and `cursor` only. */
export const PageQuerySchema = Type.Object({ ...PaginationQuery }, { additionalProperties: false })

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) })

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ format: 'uri' }),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    code: StringEnum(Object.keys(problemTypes) as ProblemCode[], { description: 'Stable problem code' }),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
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
