import { Type } from 'typebox'
import { Id, Timestamp } from '../../shared/schemas.ts'

export const GuidelinesSchema = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  text: Type.Object({ en: Type.String(), fr: Type.String() }, { additionalProperties: false }),
  textHash: Type.String({ description: 'SHA-256 of the English and French texts: what was accepted can be proven' }),
  publishedAt: Timestamp,
}, { additionalProperties: false })

export const PublishGuidelinesBodySchema = Type.Object({
  text: Type.Object({
    en: Type.String({ minLength: 20, maxLength: 50000 }),
    fr: Type.String({ minLength: 20, maxLength: 50000 }),
  }, { additionalProperties: false }),
}, { additionalProperties: false })

export const AcceptGuidelinesBodySchema = Type.Object({
  version: Type.Integer({ minimum: 1, description: 'The version read and accepted: must be the current one' }),
  accept: Type.Literal(true),
}, { additionalProperties: false })

export const AcceptanceSchema = Type.Object({ ambassadorId: Id, version: Type.Integer(), acceptedAt: Timestamp }, { additionalProperties: false })

export const PendingAcceptanceSchema = Type.Object({
  items: Type.Array(Type.Object({ ambassadorId: Id, displayName: Type.String(), acceptedVersion: Type.Union([Type.Integer(), Type.Null()]) }, { additionalProperties: false })),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
  currentVersion: Type.Integer(),
}, { additionalProperties: false })
