// Shapes of meetings on the wire (ENG-5).
import { Type, type Static } from 'typebox'
import { Count, Id, INT32_MAX, StringEnum, Timestamp } from '../../shared/schemas.ts'
import { MODES } from '../../shared/vocabularies.ts'

const Duration = Type.Integer({ minimum: 15, maximum: 120, description: 'Minutes (15–120)' })
export const MeetingSchema = Type.Object({
  id: Id, engagementId: Id, scheduledAt: Timestamp, durationMinutes: Count, mode: StringEnum(MODES),
  held: Type.Boolean(), cancelled: Type.Boolean(), version: Type.Integer({ minimum: 1, maximum: INT32_MAX, description: 'Bumped on every change (the ETag)' }),
}, { additionalProperties: false })
export const CreateMeetingBodySchema = Type.Object({ scheduledAt: Type.String({ format: 'date-time', maxLength: 64 }), durationMinutes: Duration, mode: StringEnum(MODES) }, { additionalProperties: false })
export const UpdateMeetingBodySchema = Type.Object({
  scheduledAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 64 })), durationMinutes: Type.Optional(Duration), mode: Type.Optional(StringEnum(MODES)),
  held: Type.Optional(Type.Literal(true, { description: 'The meeting took place' })), cancelled: Type.Optional(Type.Literal(true)),
}, { additionalProperties: false, minProperties: 1 })
export type CreateMeetingBody = Static<typeof CreateMeetingBodySchema>
export type UpdateMeetingBody = Static<typeof UpdateMeetingBodySchema>
export const MeetingParamsSchema = Type.Object({ id: Id, meetingId: Id }, { additionalProperties: false })
