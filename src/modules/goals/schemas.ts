// Shapes of goals on the wire (ENG-6).
import { Type, type Static } from 'typebox'
import { DateOnly, Id, Str, StringEnum, Timestamp, Version } from '../../shared/schemas.ts'

const GOAL_STATUSES = ['open', 'achieved', 'dropped'] as const
const Field = Type.String({ minLength: 1, maxLength: 2000 })
const GoalFields = {
  title: Type.String({ minLength: 1, maxLength: 200 }),
  benefitsToYou: Type.Optional(Type.Union([Field, Type.Null()])),
  benefitsToOrganisation: Type.Optional(Type.Union([Field, Type.Null()])),
  barriers: Type.Optional(Type.Union([Field, Type.Null()])),
  externalResources: Type.Optional(Type.Union([Field, Type.Null()])),
  progressMeasures: Type.Optional(Type.Union([Field, Type.Null()])),
  reviewOn: Type.Optional(Type.Union([DateOnly, Type.Null()], { description: 'When the goal is to be reviewed (Annex G); a due review appears in both participants’ tasks' })),
}
export const CreateGoalBodySchema = Type.Object(GoalFields, { additionalProperties: false })
const GoalChangesSchema = Type.Object({ ...GoalFields, title: Type.Optional(GoalFields.title), status: Type.Optional(StringEnum(GOAL_STATUSES)) }, { additionalProperties: false })
export const UpdateGoalBodySchema = Type.Object({
  ...GoalChangesSchema.properties,
  acceptProposal: Type.Optional(Type.Boolean({ description: 'Manager only: apply (true) or discard (false) the Ambassador’s proposed edits' })),
}, { additionalProperties: false, minProperties: 1, description: 'The manager edits; the assigned Ambassador’s edits are stored as a proposal for the manager' })
export type CreateGoalBody = Static<typeof CreateGoalBodySchema>
export type UpdateGoalBody = Static<typeof UpdateGoalBodySchema>

const Text = Type.Union([Str(2000), Type.Null()])
export const GoalSchema = Type.Object({
  id: Id, engagementId: Id, title: Str(200), benefitsToYou: Text, benefitsToOrganisation: Text, barriers: Text,
  externalResources: Text, progressMeasures: Text, reviewOn: Type.Union([DateOnly, Type.Null()]), status: StringEnum(GOAL_STATUSES),
  proposal: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { description: 'Edits proposed by the Ambassador, awaiting the manager' }),
  version: Version, createdAt: Timestamp, updatedAt: Timestamp,
}, { additionalProperties: false })
export const GoalParamsSchema = Type.Object({ id: Id, goalId: Id }, { additionalProperties: false })
