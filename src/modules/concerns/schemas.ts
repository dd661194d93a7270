// Concerns and consultations (#14 item 1): request and response shapes.
import { Type, type Static } from 'typebox'
import { Id, PaginationQuery, PrincipalRef, Str, StringEnum, Timestamp, Version } from '../../shared/schemas.ts'

export const CONCERN_KINDS = ['improper_use', 'confidentiality_breach_by_manager', 'confidentiality_question', 'supervisor_conflict', 'ambassador_conduct', 'other'] as const
export const CONCERN_STATUSES = ['open', 'acknowledged', 'resolved', 'escalated'] as const
export const CONCERN_TARGETS = ['acknowledged', 'resolved', 'escalated'] as const
export type ConcernKind = (typeof CONCERN_KINDS)[number]
export type ConcernStatus = (typeof CONCERN_STATUSES)[number]

const Text = (maxLength: number, description: string) => Type.String({ minLength: 1, maxLength, pattern: '\\S', description })
const Nullable = <T extends ReturnType<typeof Type.String>>(s: T) => Type.Union([s, Type.Null()])

export const CreateConcernBodySchema = Type.Object({
  kind: StringEnum(CONCERN_KINDS, { description: 'An Ambassador: any kind but ambassador_conduct; a manager: ambassador_conduct about the Ambassador of their own engagement; a supervisor: supervisor_conflict about an Ambassador they supervise' }),
  engagementId: Type.Optional(Id),
  ambassadorId: Type.Optional(Id),
  summary: Text(4000, 'What the concern is. It must not identify a manager or any other employee (a text containing a known employee reference is refused, as in REV-1).'),
}, { additionalProperties: false })
export type CreateConcernBody = Static<typeof CreateConcernBodySchema>

export const ConcernTransitionBodySchema = Type.Object({
  to: StringEnum(CONCERN_TARGETS),
  outcome: Type.Optional(Text(2000, 'Required with to=resolved: what was done (no manager or other employee identified)')),
}, { additionalProperties: false })
export type ConcernTransitionBody = Static<typeof ConcernTransitionBodySchema>

export const ConcernMessageBodySchema = Type.Object({
  text: Text(4000, 'A message of the private thread between the raiser and the National M2M Network Office (no manager or other employee identified)'),
}, { additionalProperties: false })

export const ConcernParamsSchema = Type.Object({ id: Id }, { additionalProperties: false })

export const ListConcernsQuerySchema = Type.Object({
  status: Type.Optional(StringEnum(CONCERN_STATUSES)),
  ...PaginationQuery,
}, { additionalProperties: false })
export type ListConcernsQuery = Static<typeof ListConcernsQuerySchema>

/** The raiser's view: their own concern, with the engagement it names. */
export const RaiserConcernSchema = Type.Object({
  view: Type.Literal('raiser'),
  id: Id,
  kind: StringEnum(CONCERN_KINDS),
  status: StringEnum(CONCERN_STATUSES),
  outcome: Nullable(Str(2000)),
  engagementId: Type.Union([Id, Type.Null()]),
  ambassadorId: Type.Union([Id, Type.Null()]),
  summary: Str(4000),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Version,
}, { additionalProperties: false })

/** The office's (and, once escalated, governance's) view: never the raiser, the manager or the engagement; the date only. */
export const OfficeConcernSchema = Type.Object({
  view: Type.Literal('deidentified'),
  id: Id,
  kind: StringEnum(CONCERN_KINDS),
  status: StringEnum(CONCERN_STATUSES),
  outcome: Nullable(Str(2000)),
  raisedAs: StringEnum(['ambassador', 'manager', 'employee'] as const),
  ambassadorId: Type.Union([Id, Type.Null()], { description: 'The Ambassador concerned, where there is one' }),
  designatedContactRef: Nullable(PrincipalRef),
  summary: Str(4000),
  raisedOn: Type.String({ format: 'date', maxLength: 32 }),
  version: Version,
}, { additionalProperties: false })

export const ConcernSchema = Type.Union([RaiserConcernSchema, OfficeConcernSchema])

export const ConcernMessageSchema = Type.Object({
  id: Id,
  authorRole: StringEnum(['raiser', 'nmno'] as const),
  text: Str(4000),
  createdAt: Timestamp,
}, { additionalProperties: false })
