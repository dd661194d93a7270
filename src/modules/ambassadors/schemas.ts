import { Type, type Static, type TSchema } from 'typebox'
import { Count, DateOnly, EmployeeRef, Id, List, PaginationQuery, PrincipalRef, Str, StringEnum, Timestamp, Version } from '../../shared/schemas.ts'
import { LANGUAGES, MODES, TOPICS } from '../../shared/vocabularies.ts'

const lit = <const T extends readonly string[]>(values: T, description?: string) => StringEnum(values, description ? { description } : {})

export const Language = lit(LANGUAGES, 'Official language')
export const Mode = lit(MODES, 'Meeting mode')
export const Topic = lit(TOPICS, 'Topic (SPEC §3.10)')

export const STATUSES = ['applicant', 'screened', 'interviewed', 'references_checked', 'retraining', 'oriented', 'active', 'rejected', 'withdrawn', 'suspended', 'revoked'] as const
/** Stored statuses plus `expired`: active but past termEnd (AMB-5, computed at query time). */
export const EFFECTIVE_STATUSES = [...STATUSES, 'expired'] as const
export const EffectiveStatus = lit(EFFECTIVE_STATUSES)
export const TRANSITION_TARGETS = ['screened', 'interviewed', 'references_checked', 'retraining', 'oriented', 'active', 'rejected', 'withdrawn'] as const

const uniqueArray = <T extends TSchema>(item: T, max: number) => Type.Array(item, { uniqueItems: true, maxItems: max })
const BioText = Type.String({ minLength: 1, maxLength: 2000 })
const DisplayName = Type.String({ minLength: 1, maxLength: 120, pattern: '\\S' })

export const BioSchema = Type.Object({ en: Type.Union([BioText, Type.Null()]), fr: Type.Union([BioText, Type.Null()]) }, { additionalProperties: false })

/** What the directory shows every employee (AMB-7): public fields only, bio in the caller's language. */
export const AmbassadorPublicSchema = Type.Object({
  view: Type.Literal('public'),
  id: Id,
  displayName: Str(120),
  bio: Type.Union([Str(2000), Type.Null()]),
  bioLanguage: Type.Union([Language, Type.Null()], { description: 'Language the bio is written in (the other one when the caller’s is missing)' }),
  languages: List(Language, 8),
  modes: List(Mode, 8),
  topics: List(Topic, 32),
  available: Type.Boolean({ description: 'Has room for a new engagement' }),
}, { additionalProperties: false })
export type AmbassadorPublic = Static<typeof AmbassadorPublicSchema>

/** Directory entries; nmno's `status=` listing adds the administrative fields. */
export const DirectoryEntrySchema = Type.Object({
  id: Id,
  displayName: Str(120),
  bio: Type.Union([Str(2000), Type.Null()]),
  bioLanguage: Type.Union([Language, Type.Null()]),
  languages: List(Language, 8),
  modes: List(Mode, 8),
  topics: List(Topic, 32),
  available: Type.Boolean(),
  status: Type.Optional(EffectiveStatus),
  employeeRef: Type.Optional(PrincipalRef),
  capacity: Type.Optional(Count),
  openEngagements: Type.Optional(Count),
  termEnd: Type.Optional(Type.Union([Timestamp, Type.Null()])),
}, { additionalProperties: false })
export type DirectoryEntry = Static<typeof DirectoryEntrySchema>

export const CompetencyLevel = Type.Integer({ minimum: 1, maximum: 4 })
export const CompetenciesBodySchema = Type.Object({
  empathyCompassion: CompetencyLevel,
  communication: CompetencyLevel,
  integrity: CompetencyLevel,
  learningDevelopment: CompetencyLevel,
  emotionalIntelligence: CompetencyLevel,
}, { additionalProperties: false, description: 'Levels 1–4 of the Annex D competency profile' })
export type CompetenciesBody = Static<typeof CompetenciesBodySchema>

export const CompetenciesSchema = Type.Object({
  empathyCompassion: CompetencyLevel,
  communication: CompetencyLevel,
  integrity: CompetencyLevel,
  learningDevelopment: CompetencyLevel,
  emotionalIntelligence: CompetencyLevel,
  assessedAt: Timestamp,
  assessedBy: PrincipalRef,
  meetsRequirements: Type.Boolean(),
}, { additionalProperties: false })

export const TRAINING_KINDS = ['orientation_part', 'pd_session', 'network_call'] as const
export const TrainingRecordSchema = Type.Object({
  id: Id,
  kind: lit(TRAINING_KINDS),
  part: Type.Union([Type.Integer({ minimum: 1, maximum: 6 }), Type.Null()]),
  on: DateOnly,
  attended: Type.Boolean(),
  language: Type.Union([Language, Type.Null()], { description: 'The language the orientation part was given in (Annex F)' }),
  recordedBy: PrincipalRef,
  createdAt: Timestamp,
}, { additionalProperties: false })

export const REFERENCE_OUTCOMES = ['satisfactory', 'unsatisfactory'] as const
export const ReferenceCheckSchema = Type.Object({
  id: Id,
  checkedOn: DateOnly,
  outcome: lit(REFERENCE_OUTCOMES),
  recordedBy: PrincipalRef,
  createdAt: Timestamp,
}, { additionalProperties: false })
export const ReferenceCheckBodySchema = Type.Object({
  checkedOn: DateOnly,
  outcome: lit(REFERENCE_OUTCOMES),
}, { additionalProperties: false })
export type ReferenceCheckBody = Static<typeof ReferenceCheckBodySchema>

export const StatusChangeSchema = Type.Object({
  from: Type.Union([Str(64), Type.Null()]),
  to: Str(64),
  reason: Type.Union([Str(500), Type.Null()]),
  actorRole: Str(64),
  at: Timestamp,
}, { additionalProperties: false })

/** The administrative record: the Ambassador themself, nmno and governance (SPEC §2). */
export const AmbassadorRecordSchema = Type.Object({
  view: Type.Literal('record'),
  id: Id,
  employeeRef: PrincipalRef,
  displayName: Str(120),
  bio: BioSchema,
  languages: List(Language, 8),
  modes: List(Mode, 8),
  topics: List(Topic, 32),
  capacity: Count,
  openEngagements: Count,
  status: EffectiveStatus,
  termStart: Type.Union([Timestamp, Type.Null()]),
  termEnd: Type.Union([Timestamp, Type.Null()]),
  designatedContactRef: Type.Union([PrincipalRef, Type.Null()]),
  competencies: Type.Union([CompetenciesSchema, Type.Null()]),
  guidelines: Type.Object({
    acceptedVersion: Type.Union([Version, Type.Null()]),
    acceptedAt: Type.Union([Timestamp, Type.Null()]),
    currentVersion: Version,
  }, { additionalProperties: false }),
  supervisorArrangementOn: Type.Union([DateOnly, Type.Null()], { description: 'When the understanding with the supervisor about M2M time and crises was put in place (Crisis); required to become active' }),
  referenceChecks: List(ReferenceCheckSchema, 100, { description: 'Annex F: two satisfactory checks before references_checked' }),
  orientationPartsAttended: List(Type.Integer({ minimum: 1, maximum: 6 }), 6, { description: 'Parts 1–6 attended (since the last retraining)' }),
  statusHistory: List(StatusChangeSchema, 1000),
  trainingRecords: List(TrainingRecordSchema, 1000),
  version: Version,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}, { additionalProperties: false })
export type AmbassadorRecord = Static<typeof AmbassadorRecordSchema>

export const ListAmbassadorsQuerySchema = Type.Object({
  language: Type.Optional(Language),
  mode: Type.Optional(Mode),
  topic: Type.Optional(Topic),
  available: Type.Optional(Type.Boolean({ description: 'Only Ambassadors with room for a new engagement' })),
  eligibleForMe: Type.Optional(Type.Boolean({ description: 'Hide Ambassadors the caller may not be paired with (and the caller)' })),
  status: Type.Optional(EffectiveStatus),
  ...PaginationQuery,
}, { additionalProperties: false })
export type ListAmbassadorsQuery = Static<typeof ListAmbassadorsQuerySchema>

export const CreateAmbassadorBodySchema = Type.Object({
  employeeRef: Type.Optional(EmployeeRef),
  displayName: DisplayName,
  bio: Type.Optional(Type.Object({ en: Type.Optional(BioText), fr: Type.Optional(BioText) }, { additionalProperties: false })),
  languages: Type.Optional(uniqueArray(Language, 2)),
  modes: Type.Optional(uniqueArray(Mode, 4)),
  topics: Type.Optional(uniqueArray(Topic, 12)),
  capacity: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
}, { additionalProperties: false, description: 'A manager applies for themselves (no employeeRef, or their own); nmno creates for an employeeRef.' })
export type CreateAmbassadorBody = Static<typeof CreateAmbassadorBodySchema>

export const UpdateAmbassadorBodySchema = Type.Object({
  displayName: Type.Optional(DisplayName),
  bio: Type.Optional(Type.Object({ en: Type.Optional(Type.Union([BioText, Type.Null()])), fr: Type.Optional(Type.Union([BioText, Type.Null()])) }, { additionalProperties: false, minProperties: 1 })),
  languages: Type.Optional(uniqueArray(Language, 2)),
  modes: Type.Optional(uniqueArray(Mode, 4)),
  topics: Type.Optional(uniqueArray(Topic, 12)),
  capacity: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  designatedContactRef: Type.Optional(Type.Union([EmployeeRef, Type.Null()])),
  supervisorArrangementOn: Type.Optional(Type.Union([DateOnly, Type.Null()], { description: 'The candidate or Ambassador records that the understanding with their supervisor is in place (not in the future)' })),
}, { additionalProperties: false, minProperties: 1, description: 'The Ambassador edits bio, languages, modes, topics, capacity and the supervisor arrangement; nmno edits all (AMB-8).' })
export type UpdateAmbassadorBody = Static<typeof UpdateAmbassadorBodySchema>

export const TransitionBodySchema = Type.Object({
  to: lit(TRANSITION_TARGETS),
  reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  acceptGuidelines: Type.Optional(Type.Boolean({ description: 'With to=active: the candidate accepts the current Guidelines of Conduct' })),
}, { additionalProperties: false })
export type TransitionBody = Static<typeof TransitionBodySchema>

export const TrainingRecordBodySchema = Type.Object({
  kind: lit(TRAINING_KINDS),
  part: Type.Optional(Type.Integer({ minimum: 1, maximum: 6, description: 'Orientation part (Annex F), required with kind=orientation_part' })),
  on: DateOnly,
  attended: Type.Boolean(),
  language: Type.Optional(Type.Union([Language], { description: 'The language the part was given in (Annex F): required with kind=orientation_part' })),
}, { additionalProperties: false })
export type TrainingRecordBody = Static<typeof TrainingRecordBodySchema>

export const RenewalBodySchema = Type.Object({
  ambassadorAgreed: Type.Literal(true, { description: 'The Ambassador agreed to renew (AMB-5)' }),
}, { additionalProperties: false })

// ---- Suggestions (#16 item 1) ----

export const SUGGESTIONS_MAX = 10
export const SUGGESTION_TOPICS_MAX = 5

export const SuggestionsQuerySchema = Type.Object({
  language: Type.Optional(Language),
  modes: Type.Optional(Type.Array(Mode, { uniqueItems: true, maxItems: 4, description: 'Meeting modes wanted (repeat the parameter: modes=phone&modes=video)' })),
  topics: Type.Optional(Type.Array(Topic, { uniqueItems: true, maxItems: SUGGESTION_TOPICS_MAX, description: `Topics, at most ${SUGGESTION_TOPICS_MAX} (repeat the parameter)` })),
  urgency: Type.Optional(lit(['routine', 'urgent'] as const, 'urgent: a light caseload weighs twice as much (a quicker answer is likelier)')),
}, { additionalProperties: false })
export type SuggestionsQuery = Static<typeof SuggestionsQuerySchema>

export const SuggestionSchema = Type.Object({
  id: Id,
  displayName: Type.String({ maxLength: 120 }),
  bio: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]),
  bioLanguage: Type.Union([Language, Type.Null()]),
  languages: Type.Array(Language, { maxItems: 2 }),
  modes: Type.Array(Mode, { maxItems: 4 }),
  topics: Type.Array(Topic, { maxItems: 12 }),
  score: Type.Integer({ minimum: 0, maximum: 100, description: '3 per topic matched + 2 for the language + 1 per mode matched + 1 for a light caseload (2 when urgent)' }),
  match: Type.Object({
    topics: Type.Array(Topic, { maxItems: SUGGESTION_TOPICS_MAX, description: 'The topics asked for that this Ambassador covers' }),
    language: Type.Boolean({ description: 'Speaks the language asked for' }),
    modes: Type.Array(Mode, { maxItems: 4, description: 'The modes asked for that this Ambassador offers' }),
    lightLoad: Type.Boolean({ description: 'Less than half of their capacity taken' }),
  }, { additionalProperties: false }),
}, { additionalProperties: false })
export type Suggestion = Static<typeof SuggestionSchema>

export const SuggestionsSchema = Type.Object({
  items: Type.Array(SuggestionSchema, { maxItems: SUGGESTIONS_MAX }),
}, { additionalProperties: false })
