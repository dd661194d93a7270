// RPT-2 (the manager's survey) and RPT-3 (the Ambassador's evaluation), Annex I. Closed answers
// only: no free text, unknown fields refused.
import { Type, type Static } from 'typebox'
import { Id, StringEnum } from '../../shared/schemas.ts'

export const YES_NO_NA = ['yes', 'no', 'not_applicable'] as const
export const FULFILMENT = ['yes', 'partly', 'no'] as const
const Scale = (description: string) => Type.Integer({ minimum: 1, maximum: 5, description: `${description} (1 = not at all … 5 = completely)` })
const Period = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'The month the response was recorded (YYYY-MM): no finer time is kept' })

export const ManagerAnswersSchema = Type.Object({
  trustBuilt: Scale('Were you able to build a safe and trusting relationship with your Ambassador?'),
  feltJudged: Type.Boolean({ description: 'Did you feel judged?' }),
  knowledgeExperience: Scale('Did your Ambassador have the knowledge and experience to help resolve the issue?'),
  referralsEffective: StringEnum(YES_NO_NA, { description: 'If referred to other resources, were these effective?' }),
  followUpAfterReferral: StringEnum(YES_NO_NA, { description: 'After a referral, did your Ambassador follow up with you?' }),
  neededMoreThanTwoMeetings: Type.Boolean({ description: 'Did you require more than the 2 initial meetings?' }),
}, { additionalProperties: false })
export type ManagerAnswers = Static<typeof ManagerAnswersSchema>

export const ManagerSurveyBodySchema = Type.Object({
  token: Type.String({ minLength: 16, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$', description: 'The single-use token shown to the manager after closing (ENG-8)' }),
  answers: ManagerAnswersSchema,
}, { additionalProperties: false })
export type ManagerSurveyBody = Static<typeof ManagerSurveyBodySchema>

export const ManagerSurveyResponseSchema = Type.Object({ id: Id, period: Period, answers: ManagerAnswersSchema }, { additionalProperties: false })

export const AmbassadorAnswersSchema = Type.Object({
  trainingAdequate: Scale('Did your training prepare you adequately for this role?'),
  ableToFulfilRole: StringEnum(FULFILMENT, { description: 'Were you able to fulfil your role?' }),
  meetingsNeeded: Type.Integer({ minimum: 1, maximum: 50, description: 'How many meetings were needed to support the manager?' }),
}, { additionalProperties: false })
export type AmbassadorAnswers = Static<typeof AmbassadorAnswersSchema>

export const AmbassadorSurveyBodySchema = Type.Object({
  engagementId: Type.String({ format: 'uuid', description: 'The closed engagement evaluated: checked, never stored with the answers' }),
  answers: AmbassadorAnswersSchema,
}, { additionalProperties: false })
export type AmbassadorSurveyBody = Static<typeof AmbassadorSurveyBodySchema>

export const AmbassadorSurveyResponseSchema = Type.Object({ id: Id, period: Period, answers: AmbassadorAnswersSchema }, { additionalProperties: false })
