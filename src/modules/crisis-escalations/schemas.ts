// Crisis escalations (CRS-2, CRS-3): request and response shapes.
import { Type, type Static, type TSchema } from 'typebox'
import { Id, List, StringEnum, Timestamp } from '../../shared/schemas.ts'

export const CRISIS_CATEGORIES = ['imminent_harm_self', 'imminent_harm_others', 'child_abuse_neglect', 'medical_emergency', 'threatening_message'] as const
export const AUTHORITIES = ['police', 'ems', 'child_protection', 'emergency_911', 'none'] as const
export const FOLLOW_UP_DAYS = 2

export const CreateCrisisEscalationBodySchema = Type.Object({
  category: StringEnum(CRISIS_CATEGORIES),
  authoritiesContacted: Type.Array(StringEnum(AUTHORITIES), { maxItems: AUTHORITIES.length, uniqueItems: true, description: 'Who was called; `none` alone when nobody was' }),
  weaponsInvolved: Type.Boolean({ description: 'When true, emergency services must have been contacted (CRS-3)' }),
  occurredAt: Type.String({ format: 'date-time', maxLength: 64, description: 'When the crisis occurred (in the past year, not in the future)' }),
}, { additionalProperties: false })
export type CreateCrisisEscalationBody = Static<typeof CreateCrisisEscalationBodySchema>

export const FollowUpBodySchema = Type.Object({
  followedUpAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 64, description: 'Default: now; not in the future' })),
}, { additionalProperties: false })
export type FollowUpBody = Static<typeof FollowUpBodySchema>

export const DebriefBodySchema = Type.Object({
  debriefedOn: Type.String({ format: 'date', maxLength: 32, description: 'When the debrief took place (not in the future)' }),
  clinicianOffered: Type.Boolean({ description: 'Whether a clinician was offered to the Ambassador' }),
}, { additionalProperties: false })
export type DebriefBody = Static<typeof DebriefBodySchema>

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()])

export const CrisisEscalationSchema = Type.Object({
  id: Id,
  engagementId: Id,
  category: StringEnum(CRISIS_CATEGORIES),
  authoritiesContacted: List(StringEnum(AUTHORITIES), AUTHORITIES.length),
  weaponsInvolved: Type.Boolean(),
  occurredAt: Timestamp,
  followUp: Type.Object({ dueAt: Timestamp, doneAt: Nullable(Timestamp) }, { additionalProperties: false, description: 'The Ambassador follows up with the manager (due 2 days after the escalation)' }),
  debrief: Type.Optional(Type.Object({
    status: StringEnum(['open', 'closed'] as const),
    clinicianOffered: Nullable(Type.Boolean()),
    debriefedOn: Nullable(Type.String({ format: 'date', maxLength: 32, description: 'When the debrief with the National M2M Network Office took place' })),
    closedAt: Nullable(Timestamp),
  }, { additionalProperties: false, description: 'The Ambassador’s self-care debrief, closed by the National M2M Network Office; in the Ambassador’s view only' })),
  createdAt: Timestamp,
}, { additionalProperties: false })

export const CrisisParamsSchema = Type.Object({ id: Id, crisisId: Id }, { additionalProperties: false })
