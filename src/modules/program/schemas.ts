// #15 item 1: the pilot's milestones (Annex C).
import { Type, type Static } from 'typebox'
import { DateOnly, Id, PaginationQuery, Str, StringEnum, Timestamp, Version } from '../../shared/schemas.ts'

export const MILESTONE_STATUSES = ['planned', 'in_progress', 'done', 'dropped'] as const
const Title = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })
const Note = Type.String({ maxLength: 4000, description: 'No known employee reference (422 identifying-text)' })

export const CreateMilestoneBodySchema = Type.Object({
  title: Title,
  dueOn: DateOnly,
  status: Type.Optional(StringEnum(MILESTONE_STATUSES)),
  note: Type.Optional(Note),
}, { additionalProperties: false })
export type CreateMilestoneBody = Static<typeof CreateMilestoneBodySchema>

export const UpdateMilestoneBodySchema = Type.Object({
  title: Type.Optional(Title),
  dueOn: Type.Optional(DateOnly),
  status: Type.Optional(StringEnum(MILESTONE_STATUSES)),
  note: Type.Optional(Type.Union([Note, Type.Null()])),
}, { additionalProperties: false, minProperties: 1 })
export type UpdateMilestoneBody = Static<typeof UpdateMilestoneBodySchema>

export const MilestoneSchema = Type.Object({
  id: Id,
  title: Str(200),
  dueOn: DateOnly,
  status: StringEnum(MILESTONE_STATUSES),
  note: Type.Union([Str(4000), Type.Null()]),
  overdue: Type.Boolean({ description: 'Past its due date and neither done nor dropped' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Version,
}, { additionalProperties: false })

export const ListMilestonesQuerySchema = Type.Object({
  status: Type.Optional(StringEnum(MILESTONE_STATUSES)),
  overdue: Type.Optional(Type.Boolean()),
  ...PaginationQuery,
}, { additionalProperties: false })
