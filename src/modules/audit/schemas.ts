// Schemas of the audit trail (AUD-1…3).
import { Type, type Static } from 'typebox'
import { Count, Id, INT32_MAX, List, PaginationQuery, Str, StringEnum, Timestamp } from '../../shared/schemas.ts'

export const AUDIT_ROLES = ['manager', 'ambassador', 'nmno', 'governance', 'hr_analyst', 'iservice', 'anonymous', 'system'] as const
export const OUTCOMES = ['success', 'denied'] as const

export const AuditEventSchema = Type.Object({
  id: Id,
  at: Timestamp,
  actorRef: Type.Union([Type.String({ maxLength: 128, description: 'The staff member’s id, the Ambassador record id, or a manager’s keyed pseudonym (p-…): one per engagement, single-use outside any, so it links no two engagements of a manager' }), Type.Null()]),
  role: StringEnum(AUDIT_ROLES),
  action: Str(64),
  resourceType: Str(64),
  resourceId: Type.Union([Str(128), Type.Null()]),
  engagementId: Type.Union([Id, Type.Null()]),
  outcome: StringEnum(OUTCOMES),
  requestId: Type.Union([Str(128), Type.Null()]),
  chainId: Count,
  seq: Count,
}, { additionalProperties: false, description: 'One audit event: ids only, never content (AUD-1)' })

export const ListAuditEventsQuerySchema = Type.Object({
  engagementId: Type.Optional(Id),
  resourceType: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z-]+$' })),
  resourceId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  actorRef: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  action: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z-]+\\.[a-z-]+$' })),
  outcome: Type.Optional(StringEnum(OUTCOMES)),
  from: Type.Optional(Type.String({ format: 'date-time', maxLength: 64 })),
  to: Type.Optional(Type.String({ format: 'date-time', maxLength: 64 })),
  ...PaginationQuery,
}, { additionalProperties: false })
export type ListAuditEventsQuery = Static<typeof ListAuditEventsQuerySchema>

export const VerificationSchema = Type.Object({
  ok: Type.Boolean(),
  events: Type.Integer({ minimum: 0, maximum: INT32_MAX, description: 'Events checked' }),
  chains: Count,
  heads: List(Type.Object({ chainId: Count, seq: Count, hash: Str(128) }, { additionalProperties: false }), 1024, {
    description: 'Each chain’s head now: kept outside the database, a later run proves that no tail was rewritten since',
  }),
  firstBad: Type.Optional(Type.Object({
    problem: StringEnum(['altered', 'broken-link', 'truncated'] as const, {
      description: 'altered: the event differs from what was hashed; broken-link: an event before it in its chain was removed or altered; truncated: the last events of the chain were removed',
    }),
    eventId: Type.Union([Id, Type.Null()]),
    chainId: Count,
    seq: Type.Integer({ minimum: 0, maximum: INT32_MAX, description: 'Position in its chain (for truncated: the first missing position)' }),
    at: Type.Union([Timestamp, Type.Null()]),
  }, { additionalProperties: false })),
}, { additionalProperties: false })
export type Verification = Static<typeof VerificationSchema>

export const AccessLogEntrySchema = Type.Object({
  at: Timestamp,
  who: Type.String({ maxLength: 200, description: 'You, the Ambassador’s display name, "National M2M Network Office", or the role' }),
  role: StringEnum(AUDIT_ROLES),
  action: Str(64),
  outcome: StringEnum(OUTCOMES),
}, { additionalProperties: false })

export const AccessLogQuerySchema = Type.Object({ ...PaginationQuery }, { additionalProperties: false })
