// Self-care check-ins (#14 item 5): private to the Ambassador.
import { Type, type Static } from 'typebox'
import { Count, Id, StringEnum, Timestamp } from '../../shared/schemas.ts'

export const WORKLOAD_IMPACTS = ['none', 'some', 'significant'] as const

export const CreateCheckInBodySchema = Type.Object({
  wellbeing: Type.Integer({ minimum: 1, maximum: 5, description: '1 (struggling) to 5 (very well)' }),
  workloadImpact: StringEnum(WORKLOAD_IMPACTS, { description: 'How much the M2M role weighs on the regular duties' }),
  wantsContact: Type.Boolean({ description: 'Ask the National M2M Network Office to get in touch (the office learns only that)' }),
}, { additionalProperties: false })
export type CreateCheckInBody = Static<typeof CreateCheckInBodySchema>

export const CheckInSchema = Type.Object({
  id: Id,
  wellbeing: Count,
  workloadImpact: StringEnum(WORKLOAD_IMPACTS),
  wantsContact: Type.Boolean(),
  createdAt: Timestamp,
}, { additionalProperties: false })
