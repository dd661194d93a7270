import { Type, type Static } from 'typebox'
import { Count, DateOnly, Id, INT32_MAX, List, PaginationQuery, PrincipalRef, Str, StringEnum, Timestamp, Version } from '../../shared/schemas.ts'
import { LANGUAGES, MODES, TOPICS } from '../../shared/vocabularies.ts'

export const ENGAGEMENT_STATUSES = ['requested', 'accepted', 'active', 'declined', 'withdrawn', 'expired', 'closed', 'transfer_required', 'transferred'] as const
export const OPEN_STATUSES = ['requested', 'accepted', 'active', 'transfer_required'] as const
export const STAGES = ['building_trust', 'goal_setting', 'working_toward_goals', 'ending'] as const
export const URGENCIES = ['routine', 'urgent'] as const
export const OUTCOMES = ['goals_met', 'partially_met', 'referred_to_resource', 'no_longer_needed', 'other'] as const
export const TRANSFER_REASONS = ['outside_competence', 'conflict_of_interest', 'ambassador_unavailable'] as const
export const DECLINE_REASONS = ['conflict_of_interest', 'capacity', 'outside_competence', 'other'] as const

const Status = StringEnum(ENGAGEMENT_STATUSES)
const Stage = StringEnum(STAGES, { description: 'The four stages of the relationship, forward only (ENG-4)' })
const Urgency = StringEnum(URGENCIES)
const Modes = Type.Array(StringEnum(MODES), { uniqueItems: true, minItems: 1, maxItems: 4 })
const Topics = Type.Array(StringEnum(TOPICS), { uniqueItems: true, maxItems: 12 })

export const RequestEngagementBodySchema = Type.Object({
  ambassadorId: Id,
  language: StringEnum(LANGUAGES),
  preferredModes: Modes,
  urgency: Urgency,
  topics: Topics,
  aboutMyEmployee: Type.Boolean({ description: 'true: support for an employee. false: the network is not for a manager’s own challenges (ENG-1)' }),
  alternates: Type.Optional(Type.Array(Id, {
    uniqueItems: true, maxItems: 2,
    description: 'Up to two next choices, in order (#16): when the Ambassador declines, lets the request expire or is found in conflict, the same request passes to the first of them who can take it now (every ENG-2 rule again); you are told only that it moved, or that none of your choices could take it',
  })),
}, { additionalProperties: false })
export type RequestEngagementBody = Static<typeof RequestEngagementBodySchema>

/** Fields both participants see. */
const ParticipantFields = {
  status: Status,
  stage: Stage,
  language: StringEnum(LANGUAGES),
  preferredModes: List(StringEnum(MODES), MODES.length),
  urgency: Urgency,
  topics: List(StringEnum(TOPICS), TOPICS.length),
}
const ProgressFields = {
  outcome: Type.Union([StringEnum(OUTCOMES), Type.Null()]),
  transferReason: Type.Union([StringEnum(TRANSFER_REASONS), Type.Null()]),
  transferredFrom: Type.Union([Id, Type.Null()]),
  extensions: Type.Integer({ minimum: 0, maximum: INT32_MAX, description: 'Extensions agreed beyond the two initial meetings' }),
  extensionProposed: Type.Boolean({ description: 'The Ambassador proposed an extension the manager has not agreed to yet' }),
}
const TimeFields = {
  requestedAt: Timestamp,
  expiresAt: Timestamp,
  respondedAt: Type.Union([Timestamp, Type.Null()]),
  closedAt: Type.Union([Timestamp, Type.Null()]),
  version: Version,
}

/** What the manager sees of their own engagement. */
export const ManagerEngagementSchema = Type.Object({
  view: Type.Literal('manager'),
  id: Id,
  ambassador: Type.Object({ id: Id, displayName: Str(120) }, { additionalProperties: false }),
  ...ParticipantFields,
  ...ProgressFields,
  surveyToken: Type.Union([Str(128, { pattern: '^[A-Za-z0-9_-]+$' }), Type.Null()], { description: 'Single-use token for the anonymous survey, shown to the manager only after closing, until spent or expired (ENG-8)' }),
  ...TimeFields,
}, { additionalProperties: false })

/** What the assigned Ambassador sees: the manager's identity (needed to meet) and the decline reason. */
export const AmbassadorEngagementSchema = Type.Object({
  view: Type.Literal('ambassador'),
  id: Id,
  ambassadorId: Id,
  managerRef: PrincipalRef,
  ...ParticipantFields,
  declineReason: Type.Union([StringEnum(DECLINE_REASONS), Type.Null()]),
  ...ProgressFields,
  ...TimeFields,
}, { additionalProperties: false })

/** nmno's de-identified view (CONF-2): no manager, no Ambassador, dates without time. */
export const DeidentifiedEngagementSchema = Type.Object({
  view: Type.Literal('deidentified'),
  id: Id,
  status: Status,
  stage: Stage,
  language: StringEnum(LANGUAGES),
  urgency: Urgency,
  transferRequired: Type.Boolean(),
  meetingsHeld: Count,
  referralCount: Count,
  followUpOverdue: Type.Boolean({ description: 'A referral follow-up is past due' }),
  requestedOn: DateOnly,
}, { additionalProperties: false })

export const EngagementViewSchema = Type.Union([ManagerEngagementSchema, AmbassadorEngagementSchema, DeidentifiedEngagementSchema])

export const ListEngagementsQuerySchema = Type.Object({
  as: Type.Optional(StringEnum(['manager', 'ambassador'] as const, { description: 'For someone who is both: their own requests (manager, default) or their assigned ones (ambassador)' })),
  status: Type.Optional(Status),
  urgency: Type.Optional(Urgency),
  transferRequired: Type.Optional(Type.Boolean({ description: 'nmno: only engagements awaiting (or not awaiting) a transfer' })),
  followUpOverdue: Type.Optional(Type.Boolean({ description: 'nmno: only engagements with (or without) an overdue referral follow-up' })),
  ...PaginationQuery,
}, { additionalProperties: false })
export type ListEngagementsQuery = Static<typeof ListEngagementsQuerySchema>

export const DeclineBodySchema = Type.Object({ reason: StringEnum(DECLINE_REASONS) }, { additionalProperties: false })
export const EmptyBodySchema = Type.Object({}, { additionalProperties: false })
export const StageBodySchema = Type.Object({ stage: Stage }, { additionalProperties: false })

export const CloseBodySchema = Type.Object({ outcome: StringEnum(OUTCOMES) }, { additionalProperties: false })
export const TransferBodySchema = Type.Object({
  ambassadorId: Type.Optional(Id),
  carryOverGoalsAndReferrals: Type.Optional(Type.Boolean({ description: 'The manager consents to share their goals and referrals with the new Ambassador (default false: start empty)' })),
}, { additionalProperties: false, description: 'The assigned Ambassador sends {} to ask for a transfer; the manager sends {ambassadorId, carryOverGoalsAndReferrals} to pick the new Ambassador.' })
