import { Type, type Static } from 'typebox'
import { DateOnly, Id, INT32_MAX, PaginationQuery, PrincipalRef, Str, Timestamp } from '../../shared/schemas.ts'

export const NotificationSchema = Type.Object({
  id: Id,
  kind: Type.String({ maxLength: 64, description: 'e.g. absenteeism, guidelines_updated' }),
  subjectType: Type.Union([Str(64), Type.Null()]),
  subjectId: Type.Union([Id, Type.Null()]),
  designatedContactRef: Type.Union([PrincipalRef, Type.Null()], { description: 'The designated nmno contact concerned, if any' }),
  data: Type.Record(Type.String(), Type.Unknown(), { description: 'De-identified facts' }),
  createdAt: Timestamp,
  readAt: Type.Union([Timestamp, Type.Null()]),
  resolvedAt: Type.Union([Timestamp, Type.Null()]),
  version: Type.Integer({ minimum: 1, maximum: INT32_MAX, description: 'Bumped on every change (the ETag)' }),
}, { additionalProperties: false })

/**
 * The office's view of a notification (CONF-2, #11): dates, never times, so nothing in the
 * office inbox can be lined up with the moment a manager acted.
 */
export const OfficeNotificationSchema = Type.Object({
  id: Id,
  kind: Type.String({ maxLength: 64, description: 'e.g. crisis_escalation, exception_disclosure, absenteeism' }),
  subjectType: Type.Union([Str(64), Type.Null()]),
  subjectId: Type.Union([Id, Type.Null()]),
  designatedContactRef: Type.Union([PrincipalRef, Type.Null()], { description: 'The designated nmno contact concerned, if any' }),
  data: Type.Record(Type.String(), Type.Unknown(), { description: 'De-identified facts' }),
  createdOn: DateOnly,
  resolvedOn: Type.Union([DateOnly, Type.Null()]),
  version: Type.Integer({ minimum: 1, maximum: INT32_MAX, description: 'Bumped on every change (the ETag)' }),
}, { additionalProperties: false })
export type OfficeNotification = Static<typeof OfficeNotificationSchema>

export const ListNmnoNotificationsQuerySchema = Type.Object({
  kind: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z_]+$' })),
  unresolved: Type.Optional(Type.Boolean()),
  ...PaginationQuery,
}, { additionalProperties: false })
export type ListNmnoNotificationsQuery = Static<typeof ListNmnoNotificationsQuerySchema>

export const ListOwnNotificationsQuerySchema = Type.Object({
  unread: Type.Optional(Type.Boolean()),
  ...PaginationQuery,
}, { additionalProperties: false })
export type ListOwnNotificationsQuery = Static<typeof ListOwnNotificationsQuerySchema>

/** Optional (no body at all is fine); a crisis_debrief needs the decision on a clinician (CRS-2). */
export const ResolveNotificationBodySchema = Type.Union([
  Type.Object({
    clinicianOffered: Type.Optional(Type.Boolean({ description: 'crisis_debrief only: whether nmno offers the Ambassador a professional clinician for reframing or support' })),
  }, { additionalProperties: false }),
  Type.Null(),
])
