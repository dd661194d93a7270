// Table types for Kysely (camelCase through CamelCasePlugin). Mirrors migrations/.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'

type Timestamp = ColumnType<Date, Date | string, Date | string>
type GeneratedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>

export type AmbassadorStatus =
  | 'applicant' | 'screened' | 'interviewed' | 'references_checked' | 'retraining' | 'oriented'
  | 'active' | 'rejected' | 'withdrawn' | 'suspended' | 'revoked'

export interface Competencies {
  empathyCompassion: number
  communication: number
  integrity: number
  learningDevelopment: number
  emotionalIntelligence: number
  assessedAt: string
  assessedBy: string
}

export interface AmbassadorsTable {
  id: Generated<string>
  employeeRef: string
  displayName: string
  bioEn: string | null
  bioFr: string | null
  languages: ColumnType<string[], string[] | undefined, string[]>
  modes: ColumnType<string[], string[] | undefined, string[]>
  topics: ColumnType<string[], string[] | undefined, string[]>
  capacity: ColumnType<number, number | undefined, number>
  openEngagements: ColumnType<number, number | undefined, number>
  status: ColumnType<AmbassadorStatus, AmbassadorStatus | undefined, AmbassadorStatus>
  termStart: Timestamp | null
  termEnd: Timestamp | null
  designatedContactRef: string | null
  competencies: ColumnType<Competencies | null, string | null | undefined, string | null>
  guidelinesVersion: number | null
  guidelinesAcceptedAt: Timestamp | null
  version: Generated<number>
  stamp: Generated<string>
  createdAt: GeneratedTimestamp
  updatedAt: GeneratedTimestamp
}

export interface AmbassadorStatusHistoryTable {
  id: Generated<string>
  ambassadorId: string
  fromStatus: string | null
  toStatus: string
  reason: string | null
  actorRef: string
  actorRole: string
  at: GeneratedTimestamp
}

export interface TrainingRecordsTable {
  id: Generated<string>
  ambassadorId: string
  kind: 'orientation_part' | 'pd_session' | 'network_call'
  part: number | null
  heldOn: string
  attended: boolean
  recordedBy: string
  createdAt: GeneratedTimestamp
}

export interface ConductGuidelinesTable {
  version: number
  textEn: string
  textFr: string
  textHash: string
  publishedAt: GeneratedTimestamp
  publishedBy: string
}

export interface GuidelinesAcceptancesTable {
  ambassadorId: string
  version: number
  acceptedAt: GeneratedTimestamp
}

export interface NotificationsTable {
  id: Generated<string>
  audience: 'nmno' | 'principal'
  recipientRef: string | null
  kind: string
  subjectType: string | null
  subjectId: string | null
  designatedContactRef: string | null
  data: ColumnType<Record<string, unknown>, string | undefined, string>
  createdAt: GeneratedTimestamp
  readAt: Timestamp | null
  resolvedAt: Timestamp | null
  resolvedBy: string | null
}

export interface IdempotencyKeysTable {
  principalHash: string
  key: string
  requestHash: string
  statusCode: number | null
  contentType: string | null
  headers: ColumnType<Record<string, string>, string | undefined, string>
  body: string | null
  createdAt: GeneratedTimestamp
  expiresAt: GeneratedTimestamp
}

export type EngagementStatus =
  | 'requested' | 'accepted' | 'active' | 'declined' | 'withdrawn' | 'expired' | 'closed' | 'transfer_required' | 'transferred'

export interface EngagementsTable {
  id: Generated<string>
  ambassadorId: string
  managerRef: string
  status: ColumnType<EngagementStatus, EngagementStatus | undefined, EngagementStatus>
  stage: ColumnType<string, string | undefined, string>
  language: string
  preferredModes: string[]
  urgency: 'routine' | 'urgent'
  topics: ColumnType<string[], string[] | undefined, string[]>
  declineReason: string | null
  outcome: string | null
  transferredFrom: string | null
  requestedAt: GeneratedTimestamp
  expiresAt: GeneratedTimestamp
  respondedAt: Timestamp | null
  closedAt: Timestamp | null
  version: Generated<number>
  updatedAt: GeneratedTimestamp
  extensions: ColumnType<number, number | undefined, number>
  extensionProposedAt: Timestamp | null
  surveyToken: string | null
  surveyTokenExpiresAt: Timestamp | null
  transferReason: string | null
  carriedOver: boolean | null
}

export interface MeetingsTable {
  id: Generated<string>
  engagementId: string
  scheduledAt: Timestamp
  durationMinutes: number
  mode: 'in_person' | 'phone' | 'video' | 'email'
  held: ColumnType<boolean, boolean | undefined, boolean>
  cancelled: ColumnType<boolean, boolean | undefined, boolean>
  createdAt: GeneratedTimestamp
  updatedAt: GeneratedTimestamp
}

export interface GoalsTable {
  id: Generated<string>
  engagementId: string
  title: string
  benefitsToYou: string | null
  benefitsToOrganisation: string | null
  barriers: string | null
  externalResources: string | null
  progressMeasures: string | null
  status: ColumnType<'open' | 'achieved' | 'dropped', 'open' | 'achieved' | 'dropped' | undefined, 'open' | 'achieved' | 'dropped'>
  proposal: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>
  proposedAt: Timestamp | null
  version: Generated<number>
  createdAt: GeneratedTimestamp
  updatedAt: GeneratedTimestamp
}

export interface ReferralsTable {
  id: Generated<string>
  engagementId: string
  resourceId: string
  forWhom: 'employee_situation' | 'manager_self_care'
  followUpDueAt: Timestamp
  followedUpAt: Timestamp | null
  helpful: boolean | null
  createdAt: GeneratedTimestamp
  updatedAt: GeneratedTimestamp
}

export type ConflictKind = 'family' | 'reporting_line' | 'personal_conflict' | 'close_friend' | 'other'

export interface ConflictDeclarationsTable {
  id: Generated<string>
  ambassadorId: string
  employeeRef: string
  kind: ConflictKind
  declarerRef: string
  declarerRole: 'ambassador' | 'manager' | 'nmno'
  createdAt: GeneratedTimestamp
}

export interface ReportingLinesTable {
  employeeRef: string
  supervisorRef: string | null
  orgUnit: string | null
  importedAt: GeneratedTimestamp
}

export interface ConflictVersionsTable {
  id: number
  version: ColumnType<string, string | number, string | number>
}

export type ResourceKind = 'advisory_service' | 'learning' | 'tools_and_guides' | 'external_resource'

export interface ResourcesTable {
  id: Generated<string>
  slug: string
  kind: ResourceKind
  nameEn: string
  nameFr: string
  descriptionEn: string
  descriptionFr: string
  url: string | null
  active: ColumnType<boolean, boolean | undefined, boolean>
  version: Generated<number>
  createdAt: GeneratedTimestamp
  updatedAt: GeneratedTimestamp
}

export interface DB {
  conflictDeclarations: ConflictDeclarationsTable
  reportingLines: ReportingLinesTable
  conflictVersions: ConflictVersionsTable
  resources: ResourcesTable
  engagements: EngagementsTable
  meetings: MeetingsTable
  goals: GoalsTable
  referrals: ReferralsTable
  idempotencyKeys: IdempotencyKeysTable
  ambassadors: AmbassadorsTable
  ambassadorStatusHistory: AmbassadorStatusHistoryTable
  trainingRecords: TrainingRecordsTable
  conductGuidelines: ConductGuidelinesTable
  guidelinesAcceptances: GuidelinesAcceptancesTable
  notifications: NotificationsTable
}

export type AmbassadorRow = Selectable<AmbassadorsTable>
export type NewAmbassador = Insertable<AmbassadorsTable>
export type AmbassadorUpdate = Updateable<AmbassadorsTable>
export type NotificationRow = Selectable<NotificationsTable>
export type NewNotification = Insertable<NotificationsTable>
