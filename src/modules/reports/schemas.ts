// RPT-1: the Ambassador's statistical report after each interaction. Enumerations and numbers only:
// no free-text field exists, and an unknown field is a 400 (CONF-4, seed: "No reference to any
// information of a confidential nature is to be included").
import { Type, type Static } from 'typebox'
import { DateOnly, Id, PaginationQuery, StringEnum } from '../../shared/schemas.ts'
import { LANGUAGES, MODES, TOPICS } from '../../shared/vocabularies.ts'
import { STAGES, URGENCIES } from '../engagements/schemas.ts'

/** Referral categories: the named programs of the resource catalogue (ENG-7, Annex H). */
export const REFERRAL_CATEGORIES = [
  'eap', 'peer_support_program', 'informal_conflict_management', 'values_and_ethics', 'disability_management',
  'human_resources', 'union_representative', 'learning', 'tools_and_guides', 'external_resources',
] as const

const ReportFields = {
  occurredOn: DateOnly,
  mode: StringEnum(MODES),
  durationMinutes: Type.Integer({ minimum: 1, maximum: 480 }),
  meetingNumber: Type.Integer({ minimum: 1, maximum: 100, description: 'Which interaction of the engagement this was (1 = the first)' }),
  stage: StringEnum(STAGES),
  topics: Type.Array(StringEnum(TOPICS), { uniqueItems: true, maxItems: TOPICS.length }),
  referralCategories: Type.Array(StringEnum(REFERRAL_CATEGORIES), { uniqueItems: true, maxItems: REFERRAL_CATEGORIES.length }),
  urgency: StringEnum(URGENCIES),
  language: StringEnum(LANGUAGES),
}

export const CreateReportBodySchema = Type.Object({ engagementId: Id, ...ReportFields }, { additionalProperties: false })
export type CreateReportBody = Static<typeof CreateReportBodySchema>

export const ReportSchema = Type.Object({
  id: Id,
  ambassadorId: Id,
  engagementId: Type.Union([Id, Type.Null()], { description: 'Null once the engagement’s identifying data was purged (RET-1)' }),
  ...ReportFields,
}, { additionalProperties: false })
export type Report = Static<typeof ReportSchema>

export const ListReportsQuerySchema = Type.Object({
  from: Type.Optional(DateOnly),
  to: Type.Optional(DateOnly),
  ambassadorId: Type.Optional(Id),
  ...PaginationQuery,
}, { additionalProperties: false })
export type ListReportsQuery = Static<typeof ListReportsQuerySchema>
