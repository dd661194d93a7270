// Consents and disclosures (CNS-1…CNS-4): request and response shapes.
import { Type, type Static, type TSchema } from 'typebox'
import { Id, INT32_MAX, List, Sha256Hex, Str, StringEnum, Timestamp, Version } from '../../shared/schemas.ts'

/** "another individual, agency or institution" (seed, Informed Consent). */
export const RECIPIENT_KINDS = ['individual', 'agency', 'institution'] as const
export const CONSENT_DIRECTIONS = ['release', 'obtain', 'both'] as const
/** What a consent or a disclosure may cover: kinds of information, never the information itself. */
export const INFO_CATEGORIES = [
  'identity', 'contact_details', 'situation_summary', 'goals', 'referrals', 'meetings', 'wellbeing_concerns', 'safety_concerns',
] as const
/** The three confidentiality exceptions (seed, Confidentiality): nothing else breaches it without consent. */
export const EXCEPTIONS = ['imminent_harm_self', 'imminent_harm_others', 'child_abuse_neglect'] as const
export const BASES = ['consent', ...EXCEPTIONS] as const
export const CONSENT_STATUSES = ['pending', 'granted', 'withdrawn', 'expired'] as const
export const STATEMENT_LANGUAGES = ['en', 'fr'] as const

export const CONSENT_DEFAULT_DAYS = 90
export const CONSENT_MAX_DAYS = 365

export const RecipientSchema = Type.Object({
  kind: StringEnum(RECIPIENT_KINDS, { description: 'individual, agency or institution' }),
  name: Type.String({ minLength: 1, maxLength: 200, description: 'Who receives or provides the information (e.g. "Employee Assistance Program")' }),
}, { additionalProperties: false })

export const Categories = Type.Array(StringEnum(INFO_CATEGORIES), { minItems: 1, maxItems: INFO_CATEGORIES.length, uniqueItems: true })

export const DraftConsentBodySchema = Type.Object({
  recipient: RecipientSchema,
  direction: StringEnum(CONSENT_DIRECTIONS),
  infoCategories: Categories,
  purpose: Type.String({ minLength: 1, maxLength: 1000, description: 'Why: the additional support being engaged for the manager' }),
  expiresAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 64, description: `At most ${CONSENT_MAX_DAYS} days from now; default ${CONSENT_DEFAULT_DAYS} days` })),
}, { additionalProperties: false })
export type DraftConsentBody = Static<typeof DraftConsentBodySchema>

export const GrantConsentBodySchema = Type.Object({
  typedName: Type.String({
    minLength: 2, maxLength: 200,
    description: 'The manager’s full name, typed as a signature. The token carries only `sub`, so it cannot be matched to a legal name: '
      + 'it must be a plausible personal name (at least two letters, no control characters, not the employee id) and is stored as typed (trimmed).',
  }),
  agree: Type.Boolean({ description: 'Explicit agreement to the statement: must be true' }),
  statementVersion: Type.Integer({ minimum: 1, maximum: INT32_MAX, description: 'The statement version the manager read (GET /v1/consents/statement); must be the consent’s' }),
  language: StringEnum(STATEMENT_LANGUAGES, { description: 'The language of the statement the manager read' }),
  statementHash: Type.Optional(Type.String({ maxLength: 64, pattern: '^[0-9a-f]{64}$', description: 'If given, must be the SHA-256 of the statement text the manager read' })),
}, { additionalProperties: false })
export type GrantConsentBody = Static<typeof GrantConsentBodySchema>

export const EmptyBodySchema = Type.Object({}, { additionalProperties: false })

export const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()])

export const ConsentSchema = Type.Object({
  id: Id,
  engagementId: Id,
  recipient: RecipientSchema,
  direction: StringEnum(CONSENT_DIRECTIONS),
  infoCategories: List(StringEnum(INFO_CATEGORIES), INFO_CATEGORIES.length),
  purpose: Str(1000),
  status: StringEnum(CONSENT_STATUSES, { description: 'pending (awaiting the manager), granted, withdrawn, or expired (at query time)' }),
  draftedBy: StringEnum(['manager', 'ambassador'] as const),
  statementVersion: Version,
  statementLanguage: Nullable(StringEnum(STATEMENT_LANGUAGES)),
  statementHash: Nullable(Sha256Hex('SHA-256 of the statement text agreed to, set at grant')),
  grantedName: Nullable(Type.String({ maxLength: 200, description: 'The name the manager typed when granting' })),
  grantedAt: Nullable(Timestamp),
  withdrawnAt: Nullable(Timestamp),
  expiresAt: Timestamp,
  createdAt: Timestamp,
  version: Version,
}, { additionalProperties: false })

export const StatementQuerySchema = Type.Object({
  language: Type.Optional(StringEnum(STATEMENT_LANGUAGES, { description: 'Default: en' })),
  version: Type.Optional(Type.Integer({ minimum: 1, maximum: INT32_MAX, description: 'Default: the current version' })),
}, { additionalProperties: false })

export const StatementSchema = Type.Object({
  version: Version, language: StringEnum(STATEMENT_LANGUAGES), text: Str(50000),
  hash: Sha256Hex('SHA-256 (hex) of text, UTF-8'), publishedAt: Timestamp,
}, { additionalProperties: false })

