// All SQL for engagements. Reads are scoped in SQL to what the caller may see; writes take an
// Authorized token.
import { sql, type RawBuilder, type Selectable } from 'kysely'
import { memoInRequest } from '../../db/boundary.ts'
import { runPrepared, type Db } from '../../db/database.ts'
import type { DeclineReason, EngagementOutcome, EngagementStage, EngagementStatus, TransferReason } from '../../db/row-types.ts'
import type { DB } from '../../db/schema.ts'
import type { Trx } from '../../db/tx.ts'
import type { Action } from '../../policy/actions.ts'
import { recordCreated, type Authorized } from '../../policy/authorize.ts'
import { NotFound } from '../../errors/app-error.ts'
import { ORG_SNAPSHOT_LOCK, conflictBetween } from '../../policy/conflict-of-interest.ts'
import type { AmbassadorWithStatus } from '../ambassadors/repository.ts'
import { insertNotifications } from '../notifications/repository.ts'
import { FREE_CHAIN_HEAD, auditAppendCtes, queueAuditEvent, type AuditEvent } from '../../policy/audit.ts'
import { keyedHash, newDataKey, open, seal, unwrapDataKey } from '../../shared/crypto.ts'
import { keyOf, openFields, readKeys, sealFields, wrappedKeyForNewEngagement } from '../../shared/engagement-keys.ts'
import { sortKeyOf } from '../../shared/pagination.ts'

// What an engagement is at query time, before any job runs: the view engagement_effective
// (migration 20261204T200000-derived-state) that every read below selects from as `e`.
/** AMB-5: the engagement's Ambassador is past their term (inactive at query time, before any sweep). */
const TERM_ENDED = sql<boolean>`e.term_ended`

/** The status as of now: an unanswered request expires after 5 days (ENG-11); an Ambassador's ended term leaves their open engagements awaiting transfer (AMB-5). */
export const EFFECTIVE_ENGAGEMENT_STATUS = sql<EngagementStatus>`e.effective_status`

/**
 * CONF-5: the engagement's Ambassador sees it only while it is theirs: requested (and expired, so
 * answering late is refused as such, ENG-11), accepted, active, and closed (the evaluation and the
 * reports of held meetings, RPT-1, RPT-3). Once they declined, the manager withdrew, or it awaits
 * or went to another Ambassador (their own transfer request, a suspension, a withdrawal, a term
 * end, a conflict), it is gone for them, and stays gone: these states never come back, so a
 * reinstated Ambassador finds nothing of their old caseload.
 */
export const HELD_BY_AMBASSADOR: readonly EngagementStatus[] = ['requested', 'expired', 'accepted', 'active', 'closed']
const AMBASSADOR_HOLDS = sql<boolean>`(${EFFECTIVE_ENGAGEMENT_STATUS} IN ('requested','expired','accepted','active','closed'))`

const FOLLOW_UP_OVERDUE = sql<boolean>`EXISTS (SELECT 1 FROM referrals r WHERE r.engagement_id = e.id AND r.followed_up_at IS NULL AND r.follow_up_due_at < now())`

const COLUMNS = sql`e.id, e.ambassador_id, e.manager_ref, ${EFFECTIVE_ENGAGEMENT_STATUS} AS status, e.stage, e.language,
  e.preferred_modes, e.urgency, e.topics, e.decline_reason, e.outcome,
  CASE WHEN ${TERM_ENDED} AND NOT e.overdue THEN 'ambassador_unavailable' ELSE e.transfer_reason END AS transfer_reason,
  e.transferred_from, e.extensions,
  e.extension_proposed_at, e.requested_at, e.expires_at, e.responded_at, e.closed_at,
  CASE WHEN e.survey_token_expires_at > now() THEN e.survey_token END AS survey_token,
  (SELECT count(*)::int FROM meetings m WHERE m.engagement_id = e.id AND m.held) AS meetings_held,
  (SELECT count(*)::int FROM referrals r WHERE r.engagement_id = e.id) AS referral_count,
  ${FOLLOW_UP_OVERDUE} AS follow_up_overdue,
  e.version, a.display_name AS ambassador_display_name`

/** An engagement as its participants see it: the stored columns (status and transfer reason as of now), and counts. */
export interface EngagementRow extends Pick<Selectable<DB['engagements']>, 'id' | 'ambassadorId' | 'managerRef' | 'status' | 'stage' | 'language'
  | 'preferredModes' | 'urgency' | 'topics' | 'declineReason' | 'outcome' | 'transferReason' | 'transferredFrom' | 'extensions'
  | 'extensionProposedAt' | 'surveyToken' | 'requestedAt' | 'expiresAt' | 'respondedAt' | 'closedAt' | 'version'> {
  meetingsHeld: number
  referralCount: number
  followUpOverdue: boolean
  ambassadorDisplayName: string
}

/** Who is asking: their sub, the Ambassador record they act as (if any), whether they are nmno. */
export interface Viewer { sub: string; ambassadorId?: string; nmno: boolean; manager: boolean }

/** One engagement if the viewer may see it (CONF-1: otherwise nothing, as if it did not exist). */
export async function findVisible(db: Db | Trx, id: string, v: Viewer): Promise<EngagementRow | undefined> {
  const r = await sql<EngagementRow>`
    SELECT ${COLUMNS} FROM engagement_effective e JOIN ambassadors a ON a.id = e.ambassador_id
    WHERE e.id = ${id}
      AND ((${v.manager} AND e.manager_ref = ${v.sub}) OR (e.ambassador_id = ${v.ambassadorId ?? null}::uuid AND ${AMBASSADOR_HOLDS}) OR ${v.nmno})`.execute(db)
  return (await openTokens(db, r.rows))[0]
}

/** Who asks for one engagement: their sub and roles (the Ambassador they act as is resolved in the read's SQL). */
export interface Caller { sub: string; manager: boolean; nmno: boolean }

/**
 * The identified read (GET /v1/engagements/{id}, #18) in one statement: findVisible's row and rule
 * (CONF-1), with the Ambassador record the caller acts as resolved in the same SQL, under
 * actingAmbassadorId's condition (a manager's token, active and in term now, AUTH-1), and the
 * engagement's wrapped data key when it carries a survey token to open (#11). `actingAmbassadorId`
 * is null when the caller acts as no Ambassador.
 */
export async function findVisibleTo(db: Db, id: string, c: Caller): Promise<(EngagementRow & { actingAmbassadorId: string | null }) | undefined> {
  const query = sql<EngagementRow & { actingAmbassadorId: string | null; wrappedKey: string | null }>`
    SELECT ${COLUMNS}, me.id AS acting_ambassador_id,
      CASE WHEN e.survey_token IS NOT NULL AND e.survey_token_expires_at > now()
        THEN (SELECT k.wrapped_key FROM engagement_keys k WHERE k.engagement_id = e.id) END AS wrapped_key
    FROM engagement_effective e JOIN ambassadors a ON a.id = e.ambassador_id
    LEFT JOIN LATERAL (SELECT m.id FROM ambassadors m
      WHERE ${c.manager} AND m.employee_ref = ${c.sub} AND ambassador_in_term(m.status, m.term_end) LIMIT 1) me ON true
    WHERE e.id = ${id}
      AND ((${c.manager} AND e.manager_ref = ${c.sub}) OR (e.ambassador_id = me.id AND ${AMBASSADOR_HOLDS}) OR ${c.nmno})`
  // Its text never changes (every value is a parameter): a named prepared statement on PostgreSQL.
  const [row] = await runPrepared(db, 'm2m_engagement_read', query)
  if (!row) return undefined
  const { wrappedKey, ...e } = row
  if (e.surveyToken) e.surveyToken = openFields(wrappedKey ? unwrapDataKey(wrappedKey) : undefined, 'engagements', e, ['surveyToken']).surveyToken
  return e
}

const TOKEN_FIELD = 'engagements.survey_token'

/** The survey token is stored sealed with the engagement's key (#11): opened for the manager's view. */
async function openTokens<T extends EngagementRow>(db: Db | Trx, rows: T[]): Promise<T[]> {
  const sealed = rows.filter((r) => r.surveyToken)
  if (sealed.length === 0) return rows
  const keys = await readKeys(db, sealed.map((r) => r.id))
  for (const r of sealed) r.surveyToken = openFields(keys.get(r.id), 'engagements', r, ['surveyToken']).surveyToken
  return rows
}

/**
 * The engagement if the caller is one of its two participants (meetings, goals and referrals are
 * theirs alone: nmno does not see them, SPEC §2); 404 for everyone else.
 */
export async function requireParticipant(db: Db, actor: { sub: string; roles: ReadonlySet<string> }, id: string, ambassadorId: string | undefined) {
  const e = await findVisible(db, id, { sub: actor.sub, ambassadorId, nmno: false, manager: actor.roles.has('manager') })
  if (!e) throw new NotFound()
  // The parties, for the audit event of this read (policy/audit.ts): not read a second time.
  void memoInRequest(`engagement-parties:${id}`, async () => ({ managerRef: e.managerRef, ambassadorId: e.ambassadorId }))
  return e
}

export interface ListFilter { status?: string; urgency?: string; after?: [number, string, string]; limit: number }
/** sortKey: the exact request time (microseconds, as text) the cursor carries. */
export type ListedRow = EngagementRow & { listRank: number; sortKey: string }

/** CRS-1: 0 for an urgent request still awaiting its answer (listed first), 1 for the rest. */
const URGENT_FIRST = sql<number>`(CASE WHEN e.status = 'requested' AND NOT e.overdue AND e.urgency = 'urgent' THEN 0 ELSE 1 END)`
/** Every list: urgent requests first (CRS-1), then newest; the keyset cursor follows that order. */
const LIST_ORDER = sql`ORDER BY ${URGENT_FIRST}, e.requested_at DESC, e.id DESC`

function listWhere(f: ListFilter) {
  return sql`${f.status ? sql`AND ${EFFECTIVE_ENGAGEMENT_STATUS} = ${f.status}` : sql``}
    ${f.urgency ? sql`AND e.urgency = ${f.urgency}` : sql``}
    ${f.after ? sql`AND (${URGENT_FIRST} > ${f.after[0]} OR (${URGENT_FIRST} = ${f.after[0]} AND (e.requested_at, e.id) < (${f.after[1]}::timestamptz, ${f.after[2]}::uuid)))` : sql``}`
}

export async function listForManager(db: Db, managerRef: string, f: ListFilter) {
  const r = await sql<ListedRow>`SELECT ${COLUMNS}, ${URGENT_FIRST} AS list_rank, ${sortKeyOf('e.requested_at')} AS sort_key FROM engagement_effective e JOIN ambassadors a ON a.id = e.ambassador_id
    WHERE e.manager_ref = ${managerRef} ${listWhere(f)} ${LIST_ORDER} LIMIT ${f.limit}`.execute(db)
  return openTokens(db, r.rows)
}

export async function listForAmbassador(db: Db, ambassadorId: string, f: ListFilter) {
  const r = await sql<ListedRow>`SELECT ${COLUMNS}, ${URGENT_FIRST} AS list_rank, ${sortKeyOf('e.requested_at')} AS sort_key FROM engagement_effective e JOIN ambassadors a ON a.id = e.ambassador_id
    WHERE e.ambassador_id = ${ambassadorId} AND ${AMBASSADOR_HOLDS} ${listWhere(f)} ${LIST_ORDER} LIMIT ${f.limit}`.execute(db)
  return r.rows
}

export async function listForOffice(db: Db, f: ListFilter & { transferRequired?: boolean; followUpOverdue?: boolean }) {
  const r = await sql<ListedRow>`SELECT ${COLUMNS}, ${URGENT_FIRST} AS list_rank, ${sortKeyOf('e.requested_at')} AS sort_key FROM engagement_effective e JOIN ambassadors a ON a.id = e.ambassador_id
    WHERE TRUE ${listWhere(f)} ${f.transferRequired === undefined ? sql`` : sql`AND (${EFFECTIVE_ENGAGEMENT_STATUS} = 'transfer_required') = ${f.transferRequired}`}
    ${f.followUpOverdue === undefined ? sql`` : sql`AND ${FOLLOW_UP_OVERDUE} = ${f.followUpOverdue}`}
    ${LIST_ORDER} LIMIT ${f.limit}`.execute(db)
  return r.rows
}

/** The de-identified row of one engagement, whoever asks (the answer to an Ambassador letting it go). */
export async function findById(db: Db | Trx, id: string): Promise<EngagementRow | undefined> {
  const r = await sql<EngagementRow>`SELECT ${COLUMNS} FROM engagement_effective e JOIN ambassadors a ON a.id = e.ambassador_id WHERE e.id = ${id}`.execute(db)
  return r.rows[0]
}

/**
 * Locks an engagement for a write; its wrapped data key comes in the same statement, so a write
 * that seals fields (#11) costs no extra round trip (keyOf).
 */
export async function lockEngagement(trx: Trx, id: string) {
  const r = await sql<EngagementRow & { rawStatus: EngagementStatus; wrappedKey: string | null }>`
    SELECT ${COLUMNS}, e.status AS raw_status, (SELECT k.wrapped_key FROM engagement_keys k WHERE k.engagement_id = e.id) AS wrapped_key
    FROM engagement_effective e JOIN ambassadors a ON a.id = e.ambassador_id
    WHERE e.id = ${id} FOR UPDATE OF e`.execute(trx)
  return r.rows[0]
}

/**
 * Locks the Ambassador row for a pairing write (capacity, conflicts) and takes the shared
 * reporting-snapshot lock in the same round trip; the facts statement that follows sees any
 * snapshot an import committed before.
 */
export async function lockAmbassadorForPairing(trx: Trx, ambassadorId: string): Promise<AmbassadorWithStatus | undefined> {
  const r = await sql<AmbassadorWithStatus>`
    SELECT a.*, ambassador_effective_status(a.status, a.term_end) AS effective_status
    FROM ambassadors a, (SELECT pg_advisory_xact_lock_shared(${ORG_SNAPSHOT_LOCK})) snapshot
    WHERE a.id = ${ambassadorId} FOR UPDATE OF a`.execute(trx)
  return r.rows[0]
}

/**
 * The request's facts in one statement (ENG-2, COI-3, ENG-11), under the Ambassador row lock.
 * `reserved`: the Ambassador's slots a waitlist offer holds (#16), but the one `exceptOffer` (the
 * offer this request accepts).
 */
export async function requestFacts(trx: Trx, ambassadorId: string, managerRef: string, exceptOffer?: string): Promise<RequestFacts> {
  const r = await sql<RequestFacts>`SELECT ${requestFactColumns(ambassadorId, managerRef, exceptOffer)}`.execute(trx)
  return r.rows[0]
}

export interface RequestFacts { conflict: boolean; duplicate: boolean; overdue: number; ownOverdue: string | null; reserved: number }

/** The columns of requestFacts (also read by the optimistic request, requestFactsAt). */
const requestFactColumns = (ambassadorId: string, managerRef: string, exceptOffer?: string) => sql`
    (SELECT count(*)::int FROM waitlist_entries w WHERE w.offer_ambassador_id = ${ambassadorId}::uuid AND w.status = 'offered'
      AND w.offer_expires_at > now() AND w.id IS DISTINCT FROM ${exceptOffer ?? null}::uuid) AS reserved,
    ${conflictBetween(ambassadorId, managerRef)} AS conflict,
    EXISTS (SELECT 1 FROM engagement_effective WHERE ambassador_id = ${ambassadorId}::uuid AND manager_ref = ${managerRef}
      AND status IN ('requested','accepted','active','transfer_required') AND NOT overdue) AS duplicate,
    (SELECT count(*)::int FROM engagement_effective WHERE ambassador_id = ${ambassadorId}::uuid AND overdue) AS overdue,
    (SELECT id FROM engagement_effective WHERE ambassador_id = ${ambassadorId}::uuid AND manager_ref = ${managerRef} AND overdue) AS own_overdue`

// ---- #18: the optimistic request and withdrawal (README "Optimistic writes") ----

/** The Ambassador as an optimistic request reads it: what the policy decides on, and the row's stamp. */
export type PairingAmbassador = Pick<AmbassadorWithStatus, 'id' | 'employeeRef' | 'displayName' | 'capacity' | 'openEngagements' | 'effectiveStatus'> & { stamp: string }

export interface RequestFactsAt {
  terms: { accepted: boolean; currentVersion: number }
  ambassador: PairingAmbassador | undefined
  facts: RequestFacts
  conflictVersion: string
}

/**
 * Every fact of engagement.create in one statement, no lock, no transaction: the terms, the
 * Ambassador (with its row stamp), the pairing facts (requestFacts) and the conflict version the
 * guarded write (insertEngagementGuarded) re-checks.
 */
export async function requestFactsAt(db: Db, ambassadorId: string, managerRef: string): Promise<RequestFactsAt> {
  const [x] = await runPrepared(db, 'm2m_request_facts', sql<RequestFacts & PairingAmbassador & { found: boolean; termsVersion: number; termsAccepted: boolean; conflictVersion: string }>`
    SELECT t.version AS terms_version,
      EXISTS (SELECT 1 FROM engagement_terms_acceptances x WHERE x.manager_ref = ${managerRef} AND x.version = t.version) AS terms_accepted,
      (SELECT version FROM conflict_versions WHERE id = 1)::text AS conflict_version,
      a.id IS NOT NULL AS found, a.id, a.employee_ref, a.display_name, a.capacity, a.open_engagements, a.stamp::text AS stamp,
      ambassador_effective_status(a.status, a.term_end) AS effective_status,
      ${requestFactColumns(ambassadorId, managerRef)}
    FROM (SELECT version FROM engagement_terms ORDER BY version DESC LIMIT 1) t
      LEFT JOIN ambassadors a ON a.id = ${ambassadorId}::uuid`)
  return {
    terms: { accepted: x.termsAccepted, currentVersion: x.termsVersion },
    ambassador: x.found ? { id: x.id, employeeRef: x.employeeRef, displayName: x.displayName, capacity: x.capacity, openEngagements: x.openEngagements, effectiveStatus: x.effectiveStatus, stamp: x.stamp } : undefined,
    facts: { conflict: x.conflict, duplicate: x.duplicate, overdue: x.overdue, ownOverdue: x.ownOverdue, reserved: x.reserved },
    conflictVersion: x.conflictVersion,
  }
}

/**
 * The optimistic request's one write statement: the engagement (its id chosen by the caller, so the
 * audit event's pseudonym is known), its data key, the Ambassador's slot, the Ambassador's
 * notification and the audit event, all or nothing, and only if every fact the policy decided on
 * still holds on the latest committed rows:
 * - conflict_versions, share-locked first (a declaration takes it before the Ambassador row it may
 *   free a slot of: the same order), still has the version read (a declaration or a snapshot
 *   import moves it in its transaction: one in flight holds the row, this waits, then sees it moved);
 * - the Ambassador row, locked, still carries the stamp read (any update moves it: ambassadors_touch;
 *   every write that changes what a request reads of an Ambassador updates that row in its
 *   transaction: slots, status, term, capacity, waitlist offers) and is still active now; a lock
 *   wait re-evaluates this on the row the other writer committed, not on this statement's snapshot;
 * - no newer terms; the capacity re-assertion (#13 item 1): the running engagements counted, this one
 *   included, do not exceed the capacity (never false once the above held; a refusal if it is).
 * A chain head for the event is taken without waiting (SKIP LOCKED). No row back: something moved
 * (the caller reads the facts again, or takes the transactional path; so after a deadlock, should
 * a writer ever take these locks in another order). The duplicate rule stays
 * backed by the unique index (23505).
 */
export async function insertEngagementGuarded(db: Db, g: {
  id: string; ambassador: PairingAmbassador; conflictVersion: string; termsVersion: number; audit: AuditEvent
  row: { managerRef: string; language: string; preferredModes: string[]; urgency: 'routine' | 'urgent'; topics: string[]; alternates?: string[] }
}): Promise<EngagementRow | undefined> {
  const { row, ambassador: amb } = g
  const dataKey = newDataKey()
  const alternates = row.alternates?.length ? seal(dataKey.key, ALTERNATES_FIELD, JSON.stringify(row.alternates)) : null
  const [row0] = await runPrepared(db, 'm2m_request_write', sql<EngagementRow>`
    WITH conflicts AS (
      SELECT 1 FROM conflict_versions WHERE id = 1 AND version = ${g.conflictVersion}::bigint FOR SHARE
    ), amb AS (
      SELECT a.id, a.capacity FROM ambassadors a
      WHERE a.id = ${amb.id}::uuid AND a.stamp = ${amb.stamp}::bigint AND ambassador_effective_status(a.status, a.term_end) = 'active'
        AND EXISTS (SELECT 1 FROM conflicts)
      FOR NO KEY UPDATE
    ), guard AS (
      SELECT 1 FROM amb WHERE NOT EXISTS (SELECT 1 FROM engagement_terms WHERE version > ${g.termsVersion})
        AND (SELECT count(*) FROM engagement_effective e WHERE e.ambassador_id = amb.id AND e.effective_status IN ('requested','accepted','active')) < amb.capacity
    ), ${auditAppendCtes(g.audit, FREE_CHAIN_HEAD, sql`EXISTS (SELECT 1 FROM guard)`)},
    ins AS (
      INSERT INTO engagements (id, ambassador_id, manager_ref, language, preferred_modes, urgency, topics, terms_version, alternates)
      SELECT ${g.id}::uuid, ${amb.id}::uuid, ${row.managerRef}, ${row.language}, ${row.preferredModes}, ${row.urgency}, ${row.topics}, ${g.termsVersion}, ${alternates}
      FROM audit_head
      RETURNING *
    ), data_key AS (
      INSERT INTO engagement_keys (engagement_id, wrapped_key) SELECT id, ${dataKey.wrapped} FROM ins
    ), slot AS (
      UPDATE ambassadors SET open_engagements = open_engagements + 1 FROM ins WHERE ambassadors.id = ins.ambassador_id
    ), note AS (
      INSERT INTO notifications (audience, recipient_ref, kind, subject_type, subject_id, data)
      SELECT 'principal', ${amb.employeeRef}, 'engagement_requested', 'engagement', ins.id, ${JSON.stringify({ urgency: row.urgency })}::jsonb FROM ins
    )
    SELECT ${NEW_ROW_COLUMNS}, ${amb.displayName}::text AS ambassador_display_name
    FROM ins e WHERE EXISTS (SELECT 1 FROM audit_appended)`)
  return row0
}

/** A request just made, as the views need it (insertEngagement, insertEngagementGuarded). */
const NEW_ROW_COLUMNS = sql`e.id, e.ambassador_id, e.manager_ref, e.status, e.stage, e.language, e.preferred_modes, e.urgency, e.topics,
      e.decline_reason, e.outcome, e.transfer_reason, e.transferred_from, e.extensions, e.extension_proposed_at,
      e.requested_at, e.expires_at, e.responded_at, e.closed_at, NULL::text AS survey_token,
      0 AS meetings_held, 0 AS referral_count, false AS follow_up_overdue, e.version`

/** The engagement as its manager's withdrawal reads it (#18): the manager's row, and the waitlist's state. */
export async function withdrawalFactsAt(db: Db, id: string, managerRef: string) {
  const [row] = await runPrepared(db, 'm2m_withdrawal_facts', sql<EngagementRow & { someoneWaits: boolean; waitlistVersion: string }>`
    SELECT ${COLUMNS}, EXISTS (SELECT 1 FROM waitlist_entries WHERE status = 'waiting') AS someone_waits,
      (SELECT version FROM waitlist_versions WHERE id = 1)::text AS waitlist_version
    FROM engagement_effective e JOIN ambassadors a ON a.id = e.ambassador_id
    WHERE e.id = ${id}::uuid AND e.manager_ref = ${managerRef}`)
  return row
}

/**
 * The optimistic withdrawal's one write statement: withdrawn, the slot freed, the audit event; the
 * manager's view back. Only if the engagement still has the version read (any update moves it:
 * engagements_touch), is still the manager's and still requested (not overdue) or accepted, its
 * Ambassador still in term (else it awaits a transfer, AMB-5), and the waitlist's version is still
 * the one read when nobody waited (a join or an offer in flight holds that row: this waits, then sees
 * it moved). Locks in the order of the transactional withdrawal: engagement, Ambassador, waitlist,
 * chain head. No row back: something moved.
 */
export async function markWithdrawnGuarded(db: Db, g: { id: string; managerRef: string; version: number; waitlistVersion: string; audit: AuditEvent }): Promise<EngagementRow | undefined> {
  const [row] = await runPrepared(db, 'm2m_withdrawal_write', sql<EngagementRow>`
    WITH seen AS (
      SELECT id, ambassador_id FROM engagements
      WHERE id = ${g.id}::uuid AND version = ${g.version} AND manager_ref = ${g.managerRef}
        AND status IN ('requested','accepted') AND NOT request_overdue(status, expires_at)
      FOR NO KEY UPDATE
    ), amb AS (
      SELECT a.id, a.display_name FROM ambassadors a JOIN seen ON a.id = seen.ambassador_id
      WHERE ambassador_effective_status(a.status, a.term_end) <> 'expired'
      FOR NO KEY UPDATE OF a
    ), waitlist AS (
      SELECT 1 FROM waitlist_versions WHERE id = 1 AND version = ${g.waitlistVersion}::bigint AND EXISTS (SELECT 1 FROM amb) FOR SHARE
    ), ${auditAppendCtes(g.audit, FREE_CHAIN_HEAD, sql`EXISTS (SELECT 1 FROM waitlist)`)},
    upd AS (
      UPDATE engagements SET status = 'withdrawn' FROM audit_head WHERE engagements.id = ${g.id}::uuid RETURNING engagements.*
    ), slot AS (
      UPDATE ambassadors SET open_engagements = greatest(open_engagements - 1, 0) FROM upd WHERE ambassadors.id = upd.ambassador_id
    )
    SELECT e.id, e.ambassador_id, e.manager_ref, e.status, e.stage, e.language, e.preferred_modes, e.urgency, e.topics,
      e.decline_reason, e.outcome, e.transfer_reason, e.transferred_from, e.extensions, e.extension_proposed_at,
      e.requested_at, e.expires_at, e.responded_at, e.closed_at, NULL::text AS survey_token,
      (SELECT count(*)::int FROM meetings m WHERE m.engagement_id = e.id AND m.held) AS meetings_held,
      (SELECT count(*)::int FROM referrals r WHERE r.engagement_id = e.id) AS referral_count,
      EXISTS (SELECT 1 FROM referrals r WHERE r.engagement_id = e.id AND r.followed_up_at IS NULL AND r.follow_up_due_at < now()) AS follow_up_overdue,
      e.version, amb.display_name AS ambassador_display_name
    FROM upd e, amb WHERE EXISTS (SELECT 1 FROM audit_appended)`)
  return row
}

// ---- Writes ----

/**
 * The request in one statement: the engagement, the Ambassador's slot and the Ambassador's
 * notification (ENG-2). Returns the new row as the views need it.
 */
export async function insertEngagement(auth: Authorized<'engagement.create' | 'engagement.accept-offer'>, row: {
  ambassadorId: string; managerRef: string; language: string; preferredModes: string[]; urgency: 'routine' | 'urgent'; topics: string[]; alternates?: string[]
}) {
  const amb = auth.facts.ambassador
  const dataKey = newDataKey()
  const alternates = row.alternates?.length ? seal(dataKey.key, ALTERNATES_FIELD, JSON.stringify(row.alternates)) : null
  // The manager's own overdue request to this Ambassador still holds the pair's unique index:
  // it ends now, as the sweep would end it (its slot, the manager told), in this audited write.
  if (auth.facts.ownOverdue) await expireRequests(auth.trx, amb.id, [auth.facts.ownOverdue])
  const r = await sql<EngagementRow>`
    WITH ins AS (
      INSERT INTO engagements (ambassador_id, manager_ref, language, preferred_modes, urgency, topics, terms_version, alternates)
      VALUES (${row.ambassadorId}, ${row.managerRef}, ${row.language}, ${row.preferredModes}, ${row.urgency}, ${row.topics}, ${auth.facts.termsVersion}, ${alternates})
      RETURNING *
    ), data_key AS (
      INSERT INTO engagement_keys (engagement_id, wrapped_key) SELECT id, ${dataKey.wrapped} FROM ins
    ), slot AS (
      UPDATE ambassadors SET open_engagements = open_engagements + 1 WHERE id = ${row.ambassadorId}
    ), note AS (
      INSERT INTO notifications (audience, recipient_ref, kind, subject_type, subject_id, data)
      SELECT 'principal', ${amb.employeeRef}, 'engagement_requested', 'engagement', ins.id, ${JSON.stringify({ urgency: row.urgency })}::jsonb FROM ins
    )
    SELECT ${NEW_ROW_COLUMNS}, ${amb.displayName}::text AS ambassador_display_name
    FROM ins e`.execute(auth.trx)
  return recordCreated(auth, r.rows[0])
}


/** The Ambassador accepts the engagement the token locked (ENG-3). */
export const markAccepted = (auth: Authorized<'engagement.accept'>) =>
  auth.trx.updateTable('engagements').set({ status: 'accepted', respondedAt: sql`now()` }).where('id', '=', auth.facts.engagement.id).execute()

/** The Ambassador declines, with a reason; the slot is freed (ENG-3). */
export async function markDeclined(auth: Authorized<'engagement.decline'>, declineReason: DeclineReason) {
  const { engagement } = auth.facts
  await auth.trx.updateTable('engagements').set({ status: 'declined', respondedAt: sql`now()`, declineReason }).where('id', '=', engagement.id).execute()
  await freeSlot(auth.trx, engagement.ambassadorId, 1)
}

/** The manager withdraws the request or the engagement; the slot is freed (ENG-3). */
export async function markWithdrawn(auth: Authorized<'engagement.withdraw'>) {
  const { engagement } = auth.facts
  await auth.trx.updateTable('engagements').set({ status: 'withdrawn' }).where('id', '=', engagement.id).execute()
  await freeSlot(auth.trx, engagement.ambassadorId, 1)
}

export const setStage = (auth: Authorized<'engagement.set-stage'>, stage: EngagementStage) =>
  auth.trx.updateTable('engagements').set({ stage }).where('id', '=', auth.facts.engagement.id).execute()

async function freeSlot(trx: Trx, ambassadorId: string, n: number) {
  await trx.updateTable('ambassadors').set({ openEngagements: sql`greatest(open_engagements - ${n}, 0)` }).where('id', '=', ambassadorId).execute()
}

/**
 * Expires overdue requests of one Ambassador (ENG-11): all of them, or those of `only`; frees their
 * slots and tells their managers (engagement_expired). Only for a write whose own business it is,
 * holding the Ambassador row lock (so a new request and the expiry cannot interleave): the expiry
 * job (job.expire-requests), the end of that Ambassador's service (ambassador.end-term,
 * revocation-case.*), a manager's request replacing their own overdue one (engagement.create), a
 * manager's purge of their own expired request (engagement.purge). Returns the requests expired.
 */
export async function expireRequests(trx: Trx, ambassadorId: string, only?: string[], passOn?: { requestId: string | null }) {
  let q = trx.updateTable('engagements').set({ status: 'expired' })
    .where('ambassadorId', '=', ambassadorId).where(sql<boolean>`request_overdue(status, expires_at)`)
  if (only) q = q.where('id', 'in', only)
  const expired = await q.returning(['id', 'managerRef']).execute()
  if (expired.length) {
    await freeSlot(trx, ambassadorId, expired.length)
    // #16: from the expiry job, a request with alternates passes to the manager's next choice (and
    // the manager hears only that, or that none could take it).
    const told: typeof expired = []
    for (const x of expired) if (!passOn || (await passToNextChoice(trx, x.id, passOn)) === 'none') told.push(x)
    await insertNotifications(trx, told.map((x) => ({ audience: 'principal' as const, recipientRef: x.managerRef, kind: 'engagement_expired', subjectType: 'engagement', subjectId: x.id })))
  }
  return expired
}

// ---- #16 item 2: a request that passes to the manager's next choice ----

/** The field name sealed alternates are bound to (shared/crypto seal: field-bound). */
const ALTERNATES_FIELD = 'engagements.alternates'

/**
 * ENG-2 for a pairing the service makes on the manager's behalf (their request passing to their
 * next choice): the Ambassador's row locked (lockAmbassadorForPairing), then every rule of
 * engagement.create: active and in term, not the manager, no conflict of interest (in_conflict),
 * no open engagement of the pair, a free slot (overdue requests free theirs, waitlist offers hold
 * theirs). The Ambassador if every rule holds; undefined otherwise (never why).
 */
export async function pairingAllowed(trx: Trx, ambassadorId: string, managerRef: string): Promise<AmbassadorWithStatus | undefined> {
  const amb = await lockAmbassadorForPairing(trx, ambassadorId)
  if (!amb || amb.effectiveStatus !== 'active' || amb.employeeRef === managerRef) return undefined
  const f = await requestFacts(trx, amb.id, managerRef)
  if (f.conflict || f.duplicate || f.ownOverdue) return undefined
  if (amb.openEngagements - f.overdue + f.reserved >= amb.capacity) return undefined
  return amb
}

export type PassOutcome = 'none' | 'moved' | 'exhausted'

/**
 * #16 item 2: the request `engagementId` just ended for its Ambassador (declined, expired, or found
 * in conflict) and that slot is freed, in the caller's transaction, which holds the engagement row.
 * If the manager named alternates, the first one for whom every ENG-2 rule holds now (pairingAllowed,
 * under that Ambassador's row lock) takes it: the SAME engagement (same id) becomes a fresh request
 * to them: their id, `requested`, a new 5-day deadline, no answer; the former Ambassador, no longer
 * its Ambassador, sees nothing of it (404). Alternates that fail are dropped silently. The manager
 * is told only `request_moved` ("your request moved to your next choice") or `request_not_placed`
 * ("none of your choices could take it"); the new Ambassador gets an ordinary
 * `engagement_requested`. 'none': no alternates were given (the caller tells the manager as before).
 * `audit`: a system event `engagement.pass-on` (system:request-fallback) is queued with the
 * write; the conflict path passes none (see moveToTransferRequired).
 */
export async function passToNextChoice(trx: Trx, engagementId: string, audit?: { requestId: string | null }): Promise<PassOutcome> {
  const r = await sql<{ managerRef: string; alternates: string | null; urgency: string; ambassadorId: string; wrappedKey: string | null }>`
    SELECT e.manager_ref, e.alternates, e.urgency, e.ambassador_id, k.wrapped_key
    FROM engagements e LEFT JOIN engagement_keys k ON k.engagement_id = e.id WHERE e.id = ${engagementId}`.execute(trx)
  const e = r.rows[0]
  if (!e?.alternates) return 'none'
  const key = await keyOf(trx, { id: engagementId, wrappedKey: e.wrappedKey })
  const choices = JSON.parse(open(key, ALTERNATES_FIELD, e.alternates)) as string[]
  let outcome: PassOutcome = 'exhausted'
  for (const [i, candidate] of choices.entries()) {
    if (candidate === e.ambassadorId) continue
    const amb = await pairingAllowed(trx, candidate, e.managerRef)
    if (!amb) continue
    const rest = choices.slice(i + 1)
    await sql`UPDATE engagements SET ambassador_id = ${amb.id}, status = 'requested', decline_reason = NULL, transfer_reason = NULL,
        responded_at = NULL, requested_at = now(), expires_at = now() + interval '5 days',
        alternates = ${rest.length ? seal(key, ALTERNATES_FIELD, JSON.stringify(rest)) : null}
      WHERE id = ${engagementId}`.execute(trx)
    await trx.updateTable('ambassadors').set({ openEngagements: sql`open_engagements + 1` }).where('id', '=', amb.id).execute()
    await insertNotifications(trx, [
      { audience: 'principal', recipientRef: amb.employeeRef, kind: 'engagement_requested', subjectType: 'engagement', subjectId: engagementId, data: { urgency: e.urgency } },
      { audience: 'principal', recipientRef: e.managerRef, kind: 'request_moved', subjectType: 'engagement', subjectId: engagementId },
    ])
    outcome = 'moved'
    break
  }
  if (outcome === 'exhausted') {
    await sql`UPDATE engagements SET alternates = NULL WHERE id = ${engagementId}`.execute(trx)
    await insertNotifications(trx, [{ audience: 'principal', recipientRef: e.managerRef, kind: 'request_not_placed', subjectType: 'engagement', subjectId: engagementId }])
  }
  if (audit) {
    await queueAuditEvent(trx, {
      role: 'system', actorRef: 'system:request-fallback', action: 'engagement.pass-on', resourceType: 'engagement',
      resourceId: engagementId, engagementId, outcome: 'success', requestId: audit.requestId,
    })
  }
  return outcome
}

/** The Ambassadors with overdue requests, for the expiry job (a bounded batch). */
export const ambassadorsWithOverdueRequests = (db: Db) =>
  // A view's columns are typed nullable (PostgreSQL does not carry NOT NULL through a view); these are not.
  db.selectFrom('engagementEffective').select('ambassadorId').distinct().where('overdue', '=', true).$narrowType<{ ambassadorId: string }>().limit(500).execute()

export async function recordExtension(auth: Authorized<'engagement.extend'>, side: 'manager' | 'ambassador') {
  const { trx, facts } = auth
  if (side === 'ambassador') {
    await trx.updateTable('engagements').set({ extensionProposedAt: sql`coalesce(extension_proposed_at, now())` }).where('id', '=', facts.engagement.id).execute()
  } else {
    await trx.updateTable('engagements').set({ extensions: sql`extensions + 1`, extensionProposedAt: null }).where('id', '=', facts.engagement.id).execute()
  }
}

/** RPT-2: the survey token expires 60 days after closure. */
export const SURVEY_TOKEN_DAYS = 60

/** Closes, frees the slot and issues the manager's single-use survey token (ENG-8, RPT-2). */
export async function closeEngagement(auth: Authorized<'engagement.close'>, outcome: EngagementOutcome, surveyToken: string) {
  const { trx, facts } = auth
  // #11 finding 4: at rest the token is sealed (the engagement's key) and found by a keyed hash.
  const key = await keyOf(trx, facts.engagement)
  await trx.updateTable('engagements').set({
    status: 'closed', outcome, closedAt: sql`now()`, surveyToken: seal(key, TOKEN_FIELD, surveyToken), surveyTokenHash: surveyTokenHash(surveyToken),
    surveyTokenExpiresAt: sql`now() + make_interval(days => ${SURVEY_TOKEN_DAYS})`, extensionProposedAt: null,
    // #15: the token answers the manager survey's version current now.
    surveyInstrumentVersion: sql<number>`(SELECT max(version) FROM survey_instruments WHERE audience = 'manager')`,
  }).where('id', '=', facts.engagement.id).execute()
  await freeSlot(trx, facts.engagement.ambassadorId, 1)
}

/** The engagement waits for the manager to pick another Ambassador; its slot is freed (ENG-9). */
export async function markTransferRequired(auth: Authorized<'engagement.require-transfer'>, reason: TransferReason) {
  await auth.trx.updateTable('engagements').set({ status: 'transfer_required', transferReason: reason }).where('id', '=', auth.facts.engagement.id).execute()
  await freeSlot(auth.trx, auth.facts.engagement.ambassadorId, 1)
}

/** The new engagement with the new Ambassador; goals and referrals follow only with the manager's consent. */
export async function transferEngagement(auth: Authorized<'engagement.transfer'>, carryOver: boolean) {
  const { trx, facts } = auth
  const old = facts.engagement
  // The new Ambassador is the one the token locked and checked (ENG-2 again), never a parameter.
  const ambassadorId = facts.ambassador.id
  const created = await trx.insertInto('engagements').values({
    ambassadorId, managerRef: old.managerRef, language: old.language, preferredModes: old.preferredModes, urgency: old.urgency,
    topics: old.topics, stage: old.stage, transferredFrom: old.id, carriedOver: carryOver, termsVersion: facts.termsVersion,
  }).returning('id').executeTakeFirstOrThrow()
  const wrapped = wrappedKeyForNewEngagement()
  await trx.insertInto('engagementKeys').values({ engagementId: created.id, wrappedKey: wrapped }).execute()
  await trx.updateTable('ambassadors').set({ openEngagements: sql`open_engagements + 1` }).where('id', '=', ambassadorId).execute()
  await trx.updateTable('engagements').set({ status: 'transferred' }).where('id', '=', old.id).execute()
  // An ended term (AMB-5) the sweep has not recorded yet: the old Ambassador's slot is still taken.
  if (old.rawStatus !== 'transfer_required') await freeSlot(trx, old.ambassadorId, 1)
  if (carryOver) {
    // The goals move under the new engagement's key: each engagement's purge shreds its own copy.
    const goals = await trx.selectFrom('goals').select(['title', ...GOAL_TEXT.slice(1), 'status']).where('engagementId', '=', old.id)
      .orderBy('createdAt').orderBy('id').execute()
    if (goals.length) {
      const from = await keyOf(trx, old)
      const to = unwrapDataKey(wrapped)
      await trx.insertInto('goals').values(goals.map((g) => ({
        engagementId: created.id, ...sealFields(to, 'goals', openFields(from, 'goals', g, GOAL_TEXT), GOAL_TEXT),
      }))).execute()
    }
    await sql`INSERT INTO referrals (engagement_id, resource_id, for_whom, follow_up_due_at, followed_up_at, helpful)
      SELECT ${created.id}, resource_id, for_whom, follow_up_due_at, followed_up_at, helpful
      FROM referrals WHERE engagement_id = ${old.id}`.execute(trx)
  }
  return created
}

/** How a survey token is found at rest (#11 finding 4): a keyed hash, never the token itself. */
export const surveyTokenHash = (token: string) => keyedHash('survey-token', token)

/** Goal fields sealed with the engagement's key (#11 finding 7). */
export const GOAL_TEXT = ['title', 'benefitsToYou', 'benefitsToOrganisation', 'barriers', 'externalResources', 'progressMeasures'] as const

/**
 * COI-4 (and later REV-4): every open engagement in the scope whose pair is now in conflict becomes
 * `transfer_required`, its slot freed; its manager is told (nmno is not: see moveToTransferRequired). Runs in the
 * transaction of the write that created the conflict.
 */
export async function requireTransferOfConflicted(auth: Authorized<Action>, scope: { ambassadorId?: string; managerRef?: string; all?: boolean }) {
  const where = scope.all ? sql`TRUE`
    : scope.ambassadorId && scope.managerRef ? sql`(e.ambassador_id = ${scope.ambassadorId}::uuid AND e.manager_ref = ${scope.managerRef})`
    : scope.ambassadorId ? sql`e.ambassador_id = ${scope.ambassadorId}::uuid`
    : sql`e.manager_ref = ${scope.managerRef ?? null}`
  return moveToTransferRequired(auth, sql`${where} AND ${conflictBetween(sql`e.ambassador_id`, sql`e.manager_ref`)}`, 'conflict_of_interest')
}

/**
 * REV-4, AMB-6: every open engagement of an Ambassador who can no longer serve (suspended, revoked,
 * withdrawn) becomes `transfer_required`; managers and nmno are told as for COI-4. The caller holds
 * the Ambassador row lock, so no new request slips in between.
 */
export const requireTransferOfAllOf = (auth: Authorized<Action>, ambassadorId: string) =>
  moveToTransferRequired(auth, sql`e.ambassador_id = ${ambassadorId}::uuid`, 'ambassador_unavailable')

async function moveToTransferRequired(auth: Authorized<Action>, where: RawBuilder<unknown>, reason: 'conflict_of_interest' | 'ambassador_unavailable') {
  const { trx } = auth
  const moved = await sql<{ id: string; ambassadorId: string; managerRef: string; was: EngagementStatus }>`
    UPDATE engagements e SET status = 'transfer_required', transfer_reason = ${reason}
    FROM engagements before
    WHERE before.id = e.id AND e.status IN ('requested','accepted','active') AND ${where}
    RETURNING e.id, e.ambassador_id, e.manager_ref, before.status AS was`.execute(trx)
  const perAmbassador = new Map<string, number>()
  for (const r of moved.rows) perAmbassador.set(r.ambassadorId, (perAmbassador.get(r.ambassadorId) ?? 0) + 1)
  for (const [ambassadorId, n] of perAmbassador) await freeSlot(trx, ambassadorId, n)
  // #16: a request (not yet accepted) found in conflict passes to the manager's next choice, if they
  // named any; the manager then hears only that. No event of its own: the declaration's event covers
  // the write, and a second one naming the engagement in that transaction would tell the office,
  // who reads the declarer, who has an engagement with whom (CONF-5).
  const passed = new Set<string>()
  if (reason === 'conflict_of_interest') {
    for (const r of moved.rows) if (r.was === 'requested' && (await passToNextChoice(trx, r.id)) !== 'none') passed.add(r.id)
  }
  const stillToMove = moved.rows.filter((r) => !passed.has(r.id))
  const data = { reason }
  // The office is told of moves it caused itself (a suspension, a revocation, a withdrawal it
  // records), never of a move a party's conflict declaration caused: that notice, in the same
  // transaction as a declaration whose declarer the office can read, would tell it who has an
  // engagement with whom (CONF-5, #11).
  const tellOffice = reason !== 'conflict_of_interest'
  await insertNotifications(trx, stillToMove.flatMap((r) => [
    { audience: 'principal' as const, recipientRef: r.managerRef, kind: 'transfer_required', subjectType: 'engagement', subjectId: r.id, data },
    ...(tellOffice ? [{ audience: 'nmno' as const, kind: 'transfer_required', subjectType: 'engagement', subjectId: r.id, data }] : []),
  ]))
  return moved.rows.length
}
