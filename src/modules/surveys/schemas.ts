// RPT-2 (the manager's survey) and RPT-3 (the Ambassador's evaluation), Annex I. Closed answers
// only: no free text, unknown fields refused.
import { Type, type Static } from 'typebox'
import { Id, INT32_MAX, List, StringEnum, Timestamp, Version } from '../../shared/schemas.ts'

export const YES_NO_NA = ['yes', 'no', 'not_applicable'] as const
export const FULFILMENT = ['yes', 'partly', 'no'] as const
const Scale = (description: string) => Type.Integer({ minimum: 1, maximum: 5, description: `${description} (1 = not at all … 5 = completely)` })
const Period = Type.String({ maxLength: 7, pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'The month the response was recorded (YYYY-MM): no finer time is kept' })

/** The channels through which the governance document says managers hear of the Network, plus iService and other. */
export const AWARENESS_CHANNELS = [
  'national_managers_community', 'team_leaders_community_of_practice', 'management_committee', 'human_resources', 'union_representative',
  'eap', 'informal_conflict_management', 'values_and_ethics', 'disability_management', 'iservice', 'other',
] as const

export const MAX_QUESTIONS = 40
/** An answer to a question a later instrument version adds: checked against that version's question. */
const ExtraAnswer = Type.Union([Type.Integer({ minimum: 0, maximum: 1000 }), Type.Boolean(), Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9_]+$' })])
const ANSWERS_NOTE = 'The answers to the instrument version the token was issued under (GET /v1/surveys/instruments/current): version 1 is Annex I. An answer to no question of that version, or of the wrong type, is a 400.'
const Comment = Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S', description: 'Optional free text for the program: stored apart from the answers with no link to them, released to governance only in shuffled batches of at least STATS_MIN_CELL a month, never to HR or statistics. Do not name anyone.' })

export const ManagerAnswersSchema = Type.Object({
  trustBuilt: Scale('Were you able to build a safe and trusting relationship with your Ambassador?'),
  feltJudged: Type.Boolean({ description: 'Did you feel judged?' }),
  knowledgeExperience: Scale('Did your Ambassador have the knowledge and experience to help resolve the issue?'),
  referralsEffective: StringEnum(YES_NO_NA, { description: 'If referred to other resources, were these effective?' }),
  followUpAfterReferral: StringEnum(YES_NO_NA, { description: 'After a referral, did your Ambassador follow up with you?' }),
  neededMoreThanTwoMeetings: Type.Boolean({ description: 'Did you require more than the 2 initial meetings?' }),
  awarenessChannel: Type.Optional(StringEnum(AWARENESS_CHANNELS, { description: 'How did you hear about the Network? (optional)' })),
}, { additionalProperties: ExtraAnswer, maxProperties: MAX_QUESTIONS, description: ANSWERS_NOTE })
export type ManagerAnswers = Static<typeof ManagerAnswersSchema>

export const ManagerSurveyBodySchema = Type.Object({
  token: Type.String({ minLength: 16, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$', description: 'The single-use token shown to the manager after closing (ENG-8)' }),
  answers: ManagerAnswersSchema,
  comment: Type.Optional(Comment),
}, { additionalProperties: false })
export type ManagerSurveyBody = Static<typeof ManagerSurveyBodySchema>

export const ManagerSurveyResponseSchema = Type.Object({ id: Id, period: Period, instrumentVersion: Version, answers: ManagerAnswersSchema }, { additionalProperties: false })

export const AmbassadorAnswersSchema = Type.Object({
  trainingAdequate: Scale('Did your training prepare you adequately for this role?'),
  ableToFulfilRole: StringEnum(FULFILMENT, { description: 'Were you able to fulfil your role?' }),
  meetingsNeeded: Type.Integer({ minimum: 1, maximum: 50, description: 'How many meetings were needed to support the manager?' }),
}, { additionalProperties: ExtraAnswer, maxProperties: MAX_QUESTIONS, description: ANSWERS_NOTE })
export type AmbassadorAnswers = Static<typeof AmbassadorAnswersSchema>

export const AmbassadorSurveyBodySchema = Type.Object({
  engagementId: Type.String({ format: 'uuid', maxLength: 36, description: 'The closed engagement evaluated: checked, never stored with the answers' }),
  answers: AmbassadorAnswersSchema,
  comment: Type.Optional(Comment),
}, { additionalProperties: false })
export type AmbassadorSurveyBody = Static<typeof AmbassadorSurveyBodySchema>

export const AmbassadorSurveyResponseSchema = Type.Object({ id: Id, period: Period, instrumentVersion: Version, answers: AmbassadorAnswersSchema }, { additionalProperties: false })

// ---- Versioned instruments (#15 item 2) ----

export const QUESTION_TYPES = ['scale_1_5', 'yes_no', 'yes_no_na', 'choice', 'comment', 'count'] as const
export const SURVEY_AUDIENCES = ['manager', 'ambassador'] as const
const Bilingual = Type.Object({ en: Type.String({ minLength: 1, maxLength: 500 }), fr: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false })

export const QuestionSchema = Type.Object({
  id: Type.String({ maxLength: 64, pattern: '^[a-z][A-Za-z0-9]{0,63}$', description: 'The answer’s key in `answers`' }),
  type: StringEnum(QUESTION_TYPES, { description: '`scale_1_5`, `yes_no` (true/false), `yes_no_na`, `choice` (one of `options`), `count` (an integer from `min` to `max`), `comment` (the optional free text, sent as `comment`)' }),
  required: Type.Boolean(),
  text: Bilingual,
  options: Type.Optional(Type.Array(Type.Object({
    value: Type.String({ maxLength: 64, pattern: '^[a-z0-9_]{1,64}$' }), label: Bilingual,
  }, { additionalProperties: false }), { minItems: 2, maxItems: 30 })),
  min: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  max: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
}, { additionalProperties: false })
export type Question = Static<typeof QuestionSchema>

export const InstrumentSchema = Type.Object({
  id: Id,
  audience: StringEnum(SURVEY_AUDIENCES),
  version: Type.Union([Type.Integer({ minimum: 1, maximum: INT32_MAX }), Type.Null()], { description: 'Given when governance approves it; null while proposed' }),
  status: StringEnum(['proposed', 'approved'] as const),
  questions: List(QuestionSchema, 100),
  proposedAt: Timestamp,
  approvedAt: Type.Union([Timestamp, Type.Null()]),
}, { additionalProperties: false })

export const CurrentInstrumentQuerySchema = Type.Object({ audience: StringEnum(SURVEY_AUDIENCES) }, { additionalProperties: false })
export const ListInstrumentsQuerySchema = Type.Object({ audience: Type.Optional(StringEnum(SURVEY_AUDIENCES)) }, { additionalProperties: false })

export const ProposeInstrumentBodySchema = Type.Object({
  audience: StringEnum(SURVEY_AUDIENCES),
  questions: Type.Array(QuestionSchema, { minItems: 1, maxItems: MAX_QUESTIONS, description: 'Must keep version 1’s scored questions (same id and type): the pilot’s measures stay comparable across versions' }),
}, { additionalProperties: false })
export type ProposeInstrumentBody = Static<typeof ProposeInstrumentBodySchema>
