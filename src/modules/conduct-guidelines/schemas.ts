import { Type } from 'typebox'
import { List, Id, INT32_MAX, Sha256Hex, Str, Timestamp, Version } from '../../shared/schemas.ts'

export const GuidelinesSchema = Type.Object({
  version: Type.Integer({ minimum: 1, maximum: INT32_MAX }),
  text: Type.Object({ en: Str(50000), fr: Str(50000) }, { additionalProperties: false }),
  textHash: Sha256Hex('SHA-256 of the English and French texts: what was accepted can be proven'),
  publishedAt: Timestamp,
}, { additionalProperties: false })

export const PublishGuidelinesBodySchema = Type.Object({
  text: Type.Object({
    en: Type.String({ minLength: 20, maxLength: 50000 }),
    fr: Type.String({ minLength: 20, maxLength: 50000 }),
  }, { additionalProperties: false }),
}, { additionalProperties: false })

export const AcceptGuidelinesBodySchema = Type.Object({
  version: Type.Integer({ minimum: 1, maximum: INT32_MAX, description: 'The version read and accepted: must be the current one' }),
  accept: Type.Literal(true),
}, { additionalProperties: false })

export const AcceptanceSchema = Type.Object({ ambassadorId: Id, version: Version, acceptedAt: Timestamp }, { additionalProperties: false })

export const PendingAcceptanceSchema = Type.Object({
  items: List(Type.Object({ ambassadorId: Id, displayName: Str(120), acceptedVersion: Type.Union([Version, Type.Null()]) }, { additionalProperties: false }), 100),
  nextCursor: Type.Union([Str(512, { pattern: '^[A-Za-z0-9_-]+$' }), Type.Null()]),
  currentVersion: Version,
}, { additionalProperties: false })
