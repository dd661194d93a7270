// The network's terms for managers (#14 item 4): versioned and bilingual like the consent statement.
import { Type, type Static } from 'typebox'
import { INT32_MAX, Sha256Hex, Str, Timestamp, Version } from '../../shared/schemas.ts'

export const EngagementTermsSchema = Type.Object({
  version: Type.Integer({ minimum: 1, maximum: INT32_MAX }),
  text: Type.Object({ en: Str(50000), fr: Str(50000) }, { additionalProperties: false }),
  hash: Sha256Hex('SHA-256 of the English and French texts: what was accepted can be proven'),
  publishedAt: Timestamp,
}, { additionalProperties: false })

export const AcceptEngagementTermsBodySchema = Type.Object({
  version: Type.Integer({ minimum: 1, maximum: INT32_MAX, description: 'The version read and accepted: must be the current one' }),
}, { additionalProperties: false })
export type AcceptEngagementTermsBody = Static<typeof AcceptEngagementTermsBodySchema>

export const EngagementTermsAcceptanceSchema = Type.Object({ version: Version, acceptedAt: Timestamp }, { additionalProperties: false })
