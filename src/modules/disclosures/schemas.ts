// Disclosures (CNS-2, CNS-3, CNS-4): request and response shapes.
import { Type, type Static } from 'typebox'
import { Id, List, Str, StringEnum, Timestamp } from '../../shared/schemas.ts'
import { BASES, CONSENT_DIRECTIONS, Categories, INFO_CATEGORIES, Nullable, RecipientSchema } from '../consents/schemas.ts'

export const RecordDisclosureBodySchema = Type.Object({
  direction: StringEnum(CONSENT_DIRECTIONS, { description: 'release to, obtain from, or both' }),
  recipient: RecipientSchema,
  infoCategories: Categories,
  basis: StringEnum(BASES, { description: 'consent (name it in consentId), or exactly one of the three confidentiality exceptions' }),
  consentId: Type.Optional(Id),
  justification: Type.Optional(Type.String({ maxLength: 2000, description: 'Required, non-empty, for an exception; never sent to nmno' })),
}, { additionalProperties: false })
export type RecordDisclosureBody = Static<typeof RecordDisclosureBodySchema>

export const DisclosureSchema = Type.Object({
  id: Id,
  engagementId: Id,
  direction: StringEnum(CONSENT_DIRECTIONS),
  recipient: RecipientSchema,
  infoCategories: List(StringEnum(INFO_CATEGORIES), INFO_CATEGORIES.length),
  basis: StringEnum(BASES),
  consentId: Nullable(Id),
  justification: Nullable(Str(2000)),
  flaggedForReview: Type.Boolean({ description: 'Exception disclosures are flagged for review by the National M2M Network Office (CNS-3)' }),
  createdAt: Timestamp,
}, { additionalProperties: false })
