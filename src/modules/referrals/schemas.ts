// Shapes of referrals on the wire (ENG-7).
import { Type, type Static } from 'typebox'
import { Id, INT32_MAX, StringEnum, Timestamp } from '../../shared/schemas.ts'
import { FOLLOW_UP_DAYS } from './repository.ts'

const FOR_WHOM = ['employee_situation', 'manager_self_care'] as const

export const CreateReferralBodySchema = Type.Object({
  resourceId: Id,
  forWhom: StringEnum(FOR_WHOM),
  followUpDueAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 64, description: `Default: ${FOLLOW_UP_DAYS} days from now` })),
}, { additionalProperties: false })
export const UpdateReferralBodySchema = Type.Object({
  followedUpAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 64 })),
  helpful: Type.Optional(Type.Boolean()),
  followUpDueAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 64 })),
}, { additionalProperties: false, minProperties: 1 })
export type CreateReferralBody = Static<typeof CreateReferralBodySchema>
export type UpdateReferralBody = Static<typeof UpdateReferralBodySchema>

export const ReferralSchema = Type.Object({
  id: Id, engagementId: Id, resourceId: Id, forWhom: StringEnum(FOR_WHOM), followUpDueAt: Timestamp,
  followedUpAt: Type.Union([Timestamp, Type.Null()]), helpful: Type.Union([Type.Boolean(), Type.Null()]), createdAt: Timestamp,
  version: Type.Integer({ minimum: 1, maximum: INT32_MAX, description: 'Bumped on every change (the ETag)' }),
}, { additionalProperties: false })
export const ReferralParamsSchema = Type.Object({ id: Id, referralId: Id }, { additionalProperties: false })
