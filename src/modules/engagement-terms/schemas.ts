// The network's terms for managers (#14 item 4): versioned and bilingual like the consent statement.
import { Type, type Static } from 'typebox'
import { Timestamp } from '../../shared/schemas.ts'

export const EngagementTermsSchema = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  text: Type.Object({ en: Type.String(), fr: Type.String() }, { additionalProperties: false }),
  hash: Type.String({ description: 'SHA-256 of the English and French texts: what was accepted can be proven' }),
  publishedAt: Timestamp,
}, { additionalProperties: false })

export const AcceptEngagementTermsBodySchema = Type.Object({
  version: Type.Integer({ minimum: 1, description: 'The version read and accepted: must be the current one' }),
}, { additionalProperties: false })
export type AcceptEngagementTermsBody = Static<typeof AcceptEngagementTermsBodySchema>

export const EngagementTermsAcceptanceSchema = Type.Object({ version: Type.Integer(), acceptedAt: Timestamp }, { additionalProperties: false })
