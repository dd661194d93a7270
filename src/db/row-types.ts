// Names for row and column types the code uses often, derived from the generated table types
// (src/db/schema.ts, `npm run db:types`): never written out by hand.
import type { Insertable, Selectable, Updateable } from 'kysely'
import type { DB } from './schema.ts'

export type AmbassadorRow = Selectable<DB['ambassadors']>
export type NewAmbassador = Insertable<DB['ambassadors']>
export type AmbassadorUpdate = Updateable<DB['ambassadors']>
export type NotificationRow = Selectable<DB['notifications']>
export type NewNotification = Insertable<DB['notifications']>

export type AmbassadorStatus = AmbassadorRow['status']
export type EngagementStatus = Selectable<DB['engagements']>['status']
export type ConflictKind = Selectable<DB['conflictDeclarations']>['kind']
export type ResourceKind = Selectable<DB['resources']>['kind']
export type RevocationGround = Selectable<DB['revocationCases']>['grounds'][number]
export type EngagementStage = Selectable<DB['engagements']>['stage']
export type TransferReason = NonNullable<Selectable<DB['engagements']>['transferReason']>
export type DeclineReason = NonNullable<Selectable<DB['engagements']>['declineReason']>
export type EngagementOutcome = NonNullable<Selectable<DB['engagements']>['outcome']>
