// #15 item 1: the governance body's reviews (and their meetings), recommendations, the decisions log,
// and the comments released to it in batches (#15 item 2).
import { Type, type Static } from 'typebox'
import { Count, DateOnly, Id, INT32_MAX, List, PaginationQuery, PrincipalRef, Str, StringEnum, Timestamp, Version } from '../../shared/schemas.ts'

export const REVIEW_SCOPES = ['governance_structure', 'ambassador_role', 'competencies', 'guidelines', 'program'] as const
export const REVIEW_STATUSES = ['open', 'concluded'] as const
export const AUDIENCES = ['nmno', 'ambassadors', 'all'] as const
export const RECOMMENDATION_STATUSES = ['open', 'accepted', 'implemented', 'rejected'] as const
export const ATTENDEE_ROLES = ['governance', 'nmno', 'ambassador', 'manager', 'hr', 'union', 'other'] as const

// At least one non-blank character.
const Text = (maxLength: number, description: string) => Type.String({ minLength: 1, maxLength, pattern: '\\S', description })
const NullableDate = Type.Union([DateOnly, Type.Null()])
const NullableTimestamp = Type.Union([Timestamp, Type.Null()])
const NullableText = Type.Union([Str(8000), Type.Null()])

export const CreateReviewBodySchema = Type.Object({
  title: Text(200, 'What is reviewed'),
  scope: StringEnum(REVIEW_SCOPES, { description: 'What the pilot validates: the governance structure, the Ambassador role, the competencies, the guidelines, or the program' }),
  period: Type.Object({ from: DateOnly, to: DateOnly }, { additionalProperties: false, description: 'The period reviewed (from ≤ to)' }),
}, { additionalProperties: false })
export type CreateReviewBody = Static<typeof CreateReviewBodySchema>

export const ConcludeReviewBodySchema = Type.Object({
  outcome: Text(8000, 'The review’s outcome, entered in the decisions log. Same text rule as minutes: no known employee reference.'),
}, { additionalProperties: false })

export const AttendeesSchema = Type.Array(Type.Object({
  role: StringEnum(ATTENDEE_ROLES),
  count: Type.Integer({ minimum: 1, maximum: 100 }),
}, { additionalProperties: false }), { minItems: 1, maxItems: ATTENDEE_ROLES.length, description: 'Who attended, by role and number: no names' })

export const CreateMeetingBodySchema = Type.Object({
  heldOn: DateOnly,
  attendees: AttendeesSchema,
  minutes: Text(20000, 'The minutes. They must not identify a manager or any other employee (REV-1’s rule): a text containing a known employee reference is refused (422 identifying-text).'),
}, { additionalProperties: false })
export type CreateMeetingBody = Static<typeof CreateMeetingBodySchema>

export const ReviewMeetingSchema = Type.Object({
  id: Id, reviewId: Id, heldOn: DateOnly, attendees: AttendeesSchema, minutes: Str(20000), recordedBy: PrincipalRef, createdAt: Timestamp,
}, { additionalProperties: false })

export const ReviewSchema = Type.Object({
  id: Id,
  title: Str(200),
  scope: StringEnum(REVIEW_SCOPES),
  period: Type.Object({ from: DateOnly, to: DateOnly }, { additionalProperties: false }),
  status: StringEnum(REVIEW_STATUSES),
  outcome: NullableText,
  createdBy: PrincipalRef,
  createdAt: Timestamp,
  concludedBy: NullableText,
  concludedAt: NullableTimestamp,
  meetings: List(ReviewMeetingSchema, 1000),
  version: Version,
}, { additionalProperties: false })
export type Review = Static<typeof ReviewSchema>

export const ListReviewsQuerySchema = Type.Object({ status: Type.Optional(StringEnum(REVIEW_STATUSES)), ...PaginationQuery }, { additionalProperties: false })

export const CreateRecommendationBodySchema = Type.Object({
  reviewId: Type.Optional(Id),
  title: Text(200, 'The recommendation, in a line'),
  body: Text(8000, 'The recommendation in full. No known employee reference (422 identifying-text).'),
  audience: StringEnum(AUDIENCES, { description: '`ambassadors` or `all`: published at once to every active Ambassador, who must acknowledge it' }),
  dueOn: Type.Optional(DateOnly),
}, { additionalProperties: false })
export type CreateRecommendationBody = Static<typeof CreateRecommendationBodySchema>

export const RecommendationTransitionBodySchema = Type.Object({
  to: StringEnum(['accepted', 'implemented', 'rejected'] as const, { description: 'open → accepted → implemented; open or accepted → rejected (with a reason)' }),
  reason: Type.Optional(Text(4000, 'Why it is rejected (required for `rejected`, refused otherwise)')),
}, { additionalProperties: false })
export type RecommendationTransitionBody = Static<typeof RecommendationTransitionBodySchema>

export const ProgressBodySchema = Type.Object({
  note: Text(4000, 'What was done: no known employee reference'),
}, { additionalProperties: false })

export const ProgressSchema = Type.Object({ id: Id, note: Str(4000), reportedBy: PrincipalRef, reportedAt: Timestamp }, { additionalProperties: false })

export const RecommendationSchema = Type.Object({
  id: Id,
  reviewId: Type.Union([Id, Type.Null()]),
  title: Str(200),
  body: Str(8000),
  audience: StringEnum(AUDIENCES),
  dueOn: NullableDate,
  status: StringEnum(RECOMMENDATION_STATUSES),
  reason: NullableText,
  createdBy: PrincipalRef,
  createdAt: Timestamp,
  acceptedAt: NullableTimestamp,
  closedAt: NullableTimestamp,
  progress: List(ProgressSchema, 1000),
  acknowledgements: Type.Union([Type.Object({ acknowledged: Count, pending: Count }, { additionalProperties: false }), Type.Null()], {
    description: 'Addressed to Ambassadors: how many active Ambassadors acknowledged it and how many have not',
  }),
  version: Version,
}, { additionalProperties: false })
export type Recommendation = Static<typeof RecommendationSchema>

/** What an Ambassador reads of a recommendation addressed to them. */
export const PublishedRecommendationSchema = Type.Object({
  id: Id, title: Str(200), body: Str(8000), dueOn: NullableDate, status: StringEnum(RECOMMENDATION_STATUSES), createdAt: Timestamp,
  acknowledgedAt: NullableTimestamp,
}, { additionalProperties: false })

export const ListRecommendationsQuerySchema = Type.Object({
  status: Type.Optional(StringEnum(RECOMMENDATION_STATUSES)),
  audience: Type.Optional(StringEnum(AUDIENCES)),
  ...PaginationQuery,
}, { additionalProperties: false })

export const PendingAcknowledgementsSchema = Type.Object({
  items: List(Type.Object({ ambassadorId: Id, displayName: Str(120) }, { additionalProperties: false }), 100),
  nextCursor: Type.Union([Str(512, { pattern: '^[A-Za-z0-9_-]+$' }), Type.Null()]),
}, { additionalProperties: false })

export const AcknowledgementSchema = Type.Object({ recommendationId: Id, ambassadorId: Id, acknowledgedAt: Timestamp }, { additionalProperties: false })

export const DECISION_KINDS = ['review_outcome', 'recommendation', 'guidelines_version', 'revocation_decision'] as const
export const DecisionSchema = Type.Object({
  decidedAt: Timestamp,
  kind: StringEnum(DECISION_KINDS),
  subjectId: Type.Union([Id, Type.Null()], { description: 'The review, recommendation or revocation case (for a revocation: the case id only)' }),
  decision: Type.String({ maxLength: 64, description: 'concluded; accepted, implemented, rejected; published; revoke, suspend, no_action' }),
  title: NullableText,
  detail: NullableText,
}, { additionalProperties: false })

export const ListDecisionsQuerySchema = Type.Object({
  kind: Type.Optional(StringEnum(DECISION_KINDS)),
  ...PaginationQuery,
}, { additionalProperties: false })

export const ReleaseCommentsBodySchema = Type.Object({
  period: Type.String({ maxLength: 7, pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'The month (YYYY-MM) whose held comments are released' }),
}, { additionalProperties: false })

export const CommentBatchSchema = Type.Object({
  id: Id,
  period: Str(7, { pattern: '^\\d{4}-(0[1-9]|1[0-2])$' }),
  releasedAt: Timestamp,
  withheld: Type.Integer({ minimum: 0, maximum: INT32_MAX, description: 'Comments not released because they named a known employee' }),
  comments: List(Type.Object({ audience: StringEnum(['manager', 'ambassador'] as const), text: Str(2000) }, { additionalProperties: false }), 100_000, {
    description: 'Shuffled: the order says nothing of when each was given',
  }),
}, { additionalProperties: false })
