import { Type, type Static } from 'typebox'
import { Id, PaginationQuery, PrincipalRef, Str, StringEnum, Timestamp, Version } from '../../shared/schemas.ts'

/** The grounds of the seed's "Revocation And Relief Of An Ambassador", exactly (REV-1). */
export const REVOCATION_GROUNDS = [
  'personal_health', 'code_of_conduct_breach', 'confidentiality_breach', 'policy_noncompliance',
  'acting_against_governance', 'absenteeism',
] as const
export const CASE_STATUSES = ['investigating', 'findings_presented', 'decided'] as const
export const DECISIONS = ['revoke', 'suspend', 'no_action'] as const

const Grounds = Type.Array(StringEnum(REVOCATION_GROUNDS), { minItems: 1, maxItems: REVOCATION_GROUNDS.length, uniqueItems: true })
const Decision = Type.Union([StringEnum(DECISIONS), Type.Null()])
const NullableTimestamp = Type.Union([Timestamp, Type.Null()])
// At least one non-blank character.
const CaseText = (maxLength: number, description: string) => Type.String({ minLength: 1, maxLength, pattern: '\\S', description })

export const CreateRevocationCaseBodySchema = Type.Object({
  ambassadorId: Id,
  grounds: Grounds,
  summary: CaseText(4000, 'What is alleged, for nmno and governance only. It must not identify a manager or any other employee (the Ambassador never breaks confidentiality with nmno): a text containing a known employee reference is refused.'),
  interimSuspension: Type.Optional(Type.Boolean({ description: 'Suspend the Ambassador at once, pending the decision (REV-2). The effects of REV-4 apply immediately.' })),
  concernId: Type.Optional(Id),
}, { additionalProperties: false })
export type CreateRevocationCaseBody = Static<typeof CreateRevocationCaseBodySchema>

export const FindingsBodySchema = Type.Object({
  findings: CaseText(8000, 'The investigation’s results, presented to governance. Same rule as the summary: no manager or other employee identified.'),
}, { additionalProperties: false })
export type FindingsBody = Static<typeof FindingsBodySchema>

export const DecisionBodySchema = Type.Object({
  decision: StringEnum(DECISIONS, { description: '`revoke` (final), `suspend` (until nmno reinstates, REV-5), or `no_action` (lifts an interim suspension)' }),
  effectiveAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 64, description: 'When the governance body’s decision took effect: not before the findings were presented and not in the future (defaults to now). The effects apply when the decision is recorded.' })),
}, { additionalProperties: false })
export type DecisionBody = Static<typeof DecisionBodySchema>

export const ListRevocationCasesQuerySchema = Type.Object({
  status: Type.Optional(StringEnum(CASE_STATUSES)),
  ambassadorId: Type.Optional(Id),
  ...PaginationQuery,
}, { additionalProperties: false })
export type ListRevocationCasesQuery = Static<typeof ListRevocationCasesQuerySchema>

/** nmno's and governance's view: the whole case. */
export const RevocationCaseSchema = Type.Object({
  view: Type.Literal('staff'),
  id: Id,
  ambassadorId: Id,
  status: StringEnum(CASE_STATUSES),
  grounds: Grounds,
  summary: Str(4000),
  interimSuspension: Type.Boolean(),
  findings: Type.Union([Str(8000), Type.Null()]),
  decision: Decision,
  effectiveAt: NullableTimestamp,
  openedBy: Type.String({ maxLength: 128, pattern: '^[A-Za-z0-9._:@-]+$', description: 'The nmno principal who opened the case' }),
  openedAt: Timestamp,
  findingsBy: Type.Union([PrincipalRef, Type.Null()]),
  findingsPresentedAt: NullableTimestamp,
  decidedBy: Type.Union([PrincipalRef, Type.Null()]),
  decidedAt: NullableTimestamp,
  concernId: Type.Union([Id, Type.Null()], { description: 'The ambassador_conduct concern the case was opened on, if any (#14 item 1)' }),
  version: Version,
}, { additionalProperties: false })

/**
 * The Ambassador's view of their own case (REV-7): status, grounds, decision and dates. Not the
 * summary nor the findings: they are nmno's investigation record for governance and may describe
 * who raised the concern (seed: "Supervisor / Ambassador Conflict").
 */
export const OwnRevocationCaseSchema = Type.Object({
  view: Type.Literal('own'),
  id: Id,
  ambassadorId: Id,
  status: StringEnum(CASE_STATUSES),
  grounds: Grounds,
  interimSuspension: Type.Boolean(),
  decision: Decision,
  effectiveAt: NullableTimestamp,
  openedAt: Timestamp,
  decidedAt: NullableTimestamp,
}, { additionalProperties: false })

export const RevocationCaseViewSchema = Type.Union([RevocationCaseSchema, OwnRevocationCaseSchema], {
  description: '`view: staff` for nmno and governance; `view: own` for the Ambassador the case is about',
})
export type RevocationCase = Static<typeof RevocationCaseSchema>
export type OwnRevocationCase = Static<typeof OwnRevocationCaseSchema>

export const ReinstatementBodySchema = Type.Object({}, { additionalProperties: false, description: 'No fields: nmno attests that wellness is re-established by calling (REV-5)' })
