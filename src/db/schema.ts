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
  /** Moves only when the directory's view of an active Ambassador changes (the directory ETag). */
  publicStamp: Generated<string>
  createdAt: GeneratedTimestamp
  updatedAt: GeneratedTimestamp
  /** Random record key for cell-key perturbation of the statistics (RPT-4), drawn by the database at insert. */
  cellKey: Generated<number>
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
  /** Bumped by a trigger on every update: the ETag (SPEC §4). */
  version: Generated<number>
}

export interface IdempotencyKeysTable {
  principalHash: string
  key: string
  requestHash: string
  statusCode: number | null
  contentType: string | null
  headers: ColumnType<Record<string, string>, string | undefined, string>
  /** Sealed under a DATA_KEY-derived key (#11): a stored answer may hold a secret (a survey token). */
  body: string | null
  /** keyedHash('idempotency-mention', id) of every id the stored answer names (the purge finds them). */
  mentions: ColumnType<string[], string[] | undefined, string[]>
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
  /** Sealed with the engagement's data key (#11): looked up by surveyTokenHash, never by value. */
  surveyToken: string | null
  /** keyedHash('survey-token', token): how a submitted token finds its engagement. */
  surveyTokenHash: string | null
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
  /** Bumped by a trigger on every update: the ETag (SPEC §4). */
  version: Generated<number>
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
  /** Bumped by a trigger on every update: the ETag (SPEC §4). */
  version: Generated<number>
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

/** Per-engagement data keys, stored wrapped (src/shared/engagement-keys.ts); deleted with the engagement. */
export interface EngagementKeysTable {
  engagementId: string
  wrappedKey: string
}

/** Append-only (AUD-2): rows are written by policy/audit.ts in SQL and never updated. */
export interface AuditEventsTable {
  id: Generated<string>
  chainId: number
  seq: string
  at: GeneratedTimestamp
  actorRef: string | null
  role: 'manager' | 'ambassador' | 'nmno' | 'governance' | 'hr_analyst' | 'iservice' | 'anonymous' | 'system'
  action: string
  resourceType: string
  resourceId: string | null
  engagementId: string | null
  outcome: 'success' | 'denied'
  requestId: string | null
  prevHash: string
  hash: string
}

export interface AuditChainsTable {
  id: number
  seq: string
  headHash: string
}

export type RevocationGround =
  | 'personal_health' | 'code_of_conduct_breach' | 'confidentiality_breach' | 'policy_noncompliance'
  | 'acting_against_governance' | 'absenteeism'

export interface RevocationCasesTable {
  id: Generated<string>
  ambassadorId: string
  status: ColumnType<'investigating' | 'findings_presented' | 'decided', 'investigating' | 'findings_presented' | 'decided' | undefined, 'investigating' | 'findings_presented' | 'decided'>
  grounds: RevocationGround[]
  summary: string
  interimSuspension: ColumnType<boolean, boolean | undefined, boolean>
  findings: string | null
  decision: 'revoke' | 'suspend' | 'no_action' | null
  effectiveAt: Timestamp | null
  openedBy: string
  openedAt: GeneratedTimestamp
  findingsBy: string | null
  findingsPresentedAt: Timestamp | null
  decidedBy: string | null
  decidedAt: Timestamp | null
  version: Generated<number>
}

/** Consent statements (CNS-4): versioned, one row per language, immutable (trigger). */
export interface ConsentStatementsTable {
  version: number
  language: 'en' | 'fr'
  text: string
  textHash: string
  publishedAt: GeneratedTimestamp
}

export interface ConsentsTable {
  id: Generated<string>
  engagementId: string
  recipientKind: 'individual' | 'agency' | 'institution'
  recipientName: string
  direction: 'release' | 'obtain' | 'both'
  infoCategories: string[]
  purpose: string
  draftedBy: 'manager' | 'ambassador'
  status: ColumnType<'pending' | 'granted' | 'withdrawn', 'pending' | undefined, 'granted' | 'withdrawn'>
  statementVersion: number
  statementLanguage: 'en' | 'fr' | null
  statementHash: string | null
  grantedName: string | null
  grantedAt: Timestamp | null
  withdrawnAt: Timestamp | null
  expiresAt: Timestamp
  createdAt: GeneratedTimestamp
  version: Generated<number>
}

/** Append-only while the engagement exists (trigger, CNS-4). */
export interface DisclosuresTable {
  id: Generated<string>
  engagementId: string
  ambassadorId: string
  direction: 'release' | 'obtain' | 'both'
  recipientKind: 'individual' | 'agency' | 'institution'
  recipientName: string
  infoCategories: string[]
  basis: 'consent' | 'imminent_harm_self' | 'imminent_harm_others' | 'child_abuse_neglect'
  consentId: string | null
  justification: string | null
  createdAt: GeneratedTimestamp
}

export interface CrisisEscalationsTable {
  id: Generated<string>
  engagementId: string
  ambassadorId: string
  category: 'imminent_harm_self' | 'imminent_harm_others' | 'child_abuse_neglect' | 'medical_emergency' | 'threatening_message'
  authoritiesContacted: string[]
  weaponsInvolved: boolean
  occurredAt: Timestamp
  followUpDueAt: Timestamp
  followedUpAt: Timestamp | null
  createdAt: GeneratedTimestamp
}

/** RPT-1: one statistical report per interaction; enumerations and numbers only (CONF-4). */
export interface ReportsTable {
  id: Generated<string>
  ambassadorId: string
  /** NULL once the engagement is purged (RET-1): the report stays as de-identified data. */
  engagementId: string | null
  occurredOn: string
  period: ColumnType<string, never, never>
  mode: string
  durationMinutes: number
  meetingNumber: number
  stage: string
  topics: string[]
  referralCategories: string[]
  urgency: string
  language: string
  createdAt: GeneratedTimestamp
  /** Random record key for cell-key perturbation of the statistics (RPT-4), drawn by the database at insert. */
  cellKey: Generated<number>
}

export interface ReportRollupQueueTable { reportId: string }

export interface ReportRollupsTable {
  grain: number
  period: string
  mode: string
  language: string
  stage: string
  urgency: string
  topic: string
  referralCategory: string
  n: ColumnType<string, number | string, number | string>
  minutes: ColumnType<string, number | string, number | string>
  /** Sum of the reports' cell keys (RPT-4 perturbation). */
  cellKeys: ColumnType<string, number | string | undefined, number | string>
}

/** De-identified engagement events (triggers on engagements): no id, month only. */
export interface EngagementFactsTable {
  event: 'requested' | 'closed' | 'declined' | 'withdrawn' | 'expired'
  period: string
  language: string
  urgency: string
  stage: string
  outcome: string | null
  modes: string[]
  topics: string[]
  referralCategories: string[]
  /** Random record key for cell-key perturbation of the statistics (RPT-4), drawn by the database at insert. */
  cellKey: Generated<number>
}

/** RPT-2: no link to the manager, the engagement, the token or an exact time. */
export interface ManagerSurveyResponsesTable {
  id: Generated<string>
  period: ColumnType<string, never, never>
  trustBuilt: number
  feltJudged: boolean
  knowledgeExperience: number
  referralsEffective: 'yes' | 'no' | 'not_applicable'
  followUpAfterReferral: 'yes' | 'no' | 'not_applicable'
  neededMoreThanTwoMeetings: boolean
  /** Random record key for cell-key perturbation of the statistics (RPT-4), drawn by the database at insert. */
  cellKey: Generated<number>
}

export interface SurveySpentTokensTable { tokenHash: string; period: ColumnType<string, never, never> }

/** RPT-3: stored without the engagement (nor the Ambassador). */
export interface AmbassadorSurveyResponsesTable {
  id: Generated<string>
  period: ColumnType<string, never, never>
  trainingAdequate: number
  ableToFulfilRole: 'yes' | 'partly' | 'no'
  meetingsNeeded: number
  /** Random record key for cell-key perturbation of the statistics (RPT-4), drawn by the database at insert. */
  cellKey: Generated<number>
}

export interface AmbassadorSurveyReceiptsTable { engagementHash: string }

/** #11 finding 4: survey answers waiting for release, sealed; no engagement, token or manager. */
export interface SurveyAnswersPendingTable {
  kind: 'manager' | 'ambassador'
  sealed: string
  releaseAfter: Timestamp
}

// #13 item 4: derived state, as views (migration 20261204T200000-derived-state). Read only.

/** ambassadors, plus what the record is at query time (AMB-5). */
export interface AmbassadorEffectiveView extends AmbassadorsTable {
  /** 'expired' for an active record past its term, else the status. */
  effectiveStatus: ColumnType<AmbassadorStatus | 'expired', never, never>
  /** Active and within its term: listed, may take requests, may act as an Ambassador. */
  inTerm: ColumnType<boolean, never, never>
}

/** engagements, plus what the engagement is at query time (ENG-11, AMB-5). */
export interface EngagementEffectiveView extends EngagementsTable {
  /** 'expired' for an overdue request, 'transfer_required' for an open one whose Ambassador's term ended, else the status. */
  effectiveStatus: ColumnType<EngagementStatus, never, never>
  /** A request unanswered past expiresAt, not swept yet: it holds no slot (ENG-2, ENG-11). */
  overdue: ColumnType<boolean, never, never>
  /** Open while its Ambassador's term ended, not swept yet (AMB-5). */
  termEnded: ColumnType<boolean, never, never>
}

/** When each system job last ran (src/jobs): one run per period across replicas. */
export interface JobRunsTable {
  job: string
  lastRunAt: GeneratedTimestamp
}

export interface DB {
  ambassadorEffective: AmbassadorEffectiveView
  engagementEffective: EngagementEffectiveView
  jobRuns: JobRunsTable
  reports: ReportsTable
  reportRollupQueue: ReportRollupQueueTable
  reportRollups: ReportRollupsTable
  engagementFacts: EngagementFactsTable
  managerSurveyResponses: ManagerSurveyResponsesTable
  surveySpentTokens: SurveySpentTokensTable
  ambassadorSurveyResponses: AmbassadorSurveyResponsesTable
  ambassadorSurveyReceipts: AmbassadorSurveyReceiptsTable
  surveyAnswersPending: SurveyAnswersPendingTable
  consentStatements: ConsentStatementsTable
  consents: ConsentsTable
  disclosures: DisclosuresTable
  crisisEscalations: CrisisEscalationsTable
  auditEvents: AuditEventsTable
  auditChains: AuditChainsTable
  conflictDeclarations: ConflictDeclarationsTable
  reportingLines: ReportingLinesTable
  conflictVersions: ConflictVersionsTable
  resources: ResourcesTable
  engagements: EngagementsTable
  engagementKeys: EngagementKeysTable
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
  revocationCases: RevocationCasesTable
}

export type AmbassadorRow = Selectable<AmbassadorsTable>
export type NewAmbassador = Insertable<AmbassadorsTable>
export type AmbassadorUpdate = Updateable<AmbassadorsTable>
export type NotificationRow = Selectable<NotificationsTable>
export type NewNotification = Insertable<NotificationsTable>
