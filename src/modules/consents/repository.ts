// All SQL for consents and disclosures. Reads are scoped by the caller's participation (checked by
// the service before listing); writes take an Authorized token. Consent rows are locked in the
// write's transaction: FOR UPDATE by a grant or withdrawal, FOR SHARE by a disclosure relying on it,
// so a withdrawal and a disclosure racing each other are serialised (CNS-1, CNS-2).
import { sql, type Selectable } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import type { Trx } from '../../db/tx.ts'
import type { Authorized } from '../../policy/authorize.ts'
import { recordCreated } from '../../policy/authorize.ts'
import type { DraftConsentBody, INFO_CATEGORIES } from './schemas.ts'

/** What info_categories holds: written only from a validated request (the column has no CHECK of its own). */
type InfoCategory = (typeof INFO_CATEGORIES)[number]
import { keyOf, openFields, readKey, sealFields } from '../../shared/engagement-keys.ts'
import { unwrapDataKey } from '../../shared/crypto.ts'
import { afterWhere, sortKeyOf, type After } from '../../shared/pagination.ts'

// #11 finding 7: the recipient, the purpose and the typed name of a consent, and the recipient and
// the justification of a disclosure, are stored sealed with the engagement's data key; rows from
// before that read back as stored.
const CONSENT_TEXT = ['recipientName', 'purpose', 'grantedName'] as const
const openConsent = <T extends ConsentRow>(key: Buffer | undefined, r: T | undefined): T | undefined =>
  r && openFields(key, 'consents', r as T & Record<string, unknown>, CONSENT_TEXT)

/** pending and granted consents stop at their expiry, at query time (no job needed). */
const EFFECTIVE_STATUS = sql<string>`CASE WHEN c.status IN ('pending','granted') AND c.expires_at <= clock_timestamp() THEN 'expired' ELSE c.status END`

const CONSENT_COLUMNS = sql`c.id, c.engagement_id, c.recipient_kind, c.recipient_name, c.direction, c.info_categories, c.purpose,
  ${EFFECTIVE_STATUS} AS status, c.drafted_by, c.statement_version, c.statement_language, c.statement_hash, c.granted_name,
  c.granted_at, c.withdrawn_at, c.expires_at, c.created_at, c.version`

/** A consent, its status as of now (a granted consent past its expiry is `expired`). */
export interface ConsentRow extends Omit<Selectable<DB['consents']>, 'status'> {
  status: Selectable<DB['consents']>['status'] | 'expired'
}

export const toConsentView = (r: ConsentRow) => ({
  id: r.id, engagementId: r.engagementId, recipient: { kind: r.recipientKind, name: r.recipientName }, direction: r.direction,
  infoCategories: r.infoCategories as InfoCategory[], purpose: r.purpose, status: r.status, draftedBy: r.draftedBy,
  statementVersion: r.statementVersion, statementLanguage: r.statementLanguage, statementHash: r.statementHash,
  grantedName: r.grantedName, grantedAt: r.grantedAt, withdrawnAt: r.withdrawnAt, expiresAt: r.expiresAt, createdAt: r.createdAt, version: r.version,
})

/** A consent with what its grant or withdrawal needs to know, the consent row locked FOR UPDATE. */
export interface ConsentForDecision extends ConsentRow {
  wrappedKey: string | null
  managerRef: string
  ambassadorId: string
  ambassadorEmployeeRef: string
  engagementStatus: string
}

export async function lockConsentForDecision(trx: Trx, id: string): Promise<ConsentForDecision | undefined> {
  // The engagement is read, not locked: its manager and Ambassador never change, and a decision on
  // a consent must not queue behind the engagement's other writes.
  const r = await sql<ConsentForDecision & { wrappedKey: string | null }>`
    SELECT ${CONSENT_COLUMNS}, e.manager_ref, e.ambassador_id, a.employee_ref AS ambassador_employee_ref,
      CASE WHEN request_overdue(e.status, e.expires_at) THEN 'expired' ELSE e.status END AS engagement_status,
      k.wrapped_key
    FROM consents c JOIN engagements e ON e.id = c.engagement_id JOIN ambassadors a ON a.id = e.ambassador_id
      LEFT JOIN engagement_keys k ON k.engagement_id = e.id
    WHERE c.id = ${id} FOR UPDATE OF c`.execute(trx)
  const row = r.rows[0]
  if (!row) return undefined
  const { wrappedKey, ...consent } = row
  return { ...openConsent(wrappedKey ? unwrapDataKey(wrappedKey) : undefined, consent)!, wrappedKey }
}

/**
 * The consent a disclosure relies on, locked FOR SHARE for the rest of the transaction: a grant
 * or withdrawal (FOR UPDATE) waits until the disclosure commits, and a disclosure that comes after
 * a withdrawal reads the withdrawn row. Only a consent of the same engagement is found.
 */
export async function lockConsentForDisclosure(trx: Trx, id: string, engagement: { id: string; wrappedKey?: string | null }): Promise<ConsentRow | undefined> {
  const r = await sql<ConsentRow>`SELECT ${CONSENT_COLUMNS} FROM consents c
    WHERE c.id = ${id} AND c.engagement_id = ${engagement.id} FOR SHARE OF c`.execute(trx)
  return r.rows[0] && openConsent(await keyOf(trx, engagement), r.rows[0])
}

export async function findStatement(db: Db | Trx, language: 'en' | 'fr', version?: number) {
  let q = db.selectFrom('consentStatements').select(['version', 'language', 'text', 'textHash', 'publishedAt']).where('language', '=', language)
  q = version === undefined ? q.orderBy('version', 'desc').limit(1) : q.where('version', '=', version)
  return q.executeTakeFirst()
}

export async function findConsent(db: Db, engagementId: string, id: string) {
  const r = await sql<ConsentRow>`SELECT ${CONSENT_COLUMNS} FROM consents c WHERE c.engagement_id = ${engagementId} AND c.id = ${id}`.execute(db)
  const row = r.rows[0]
  return row ? openConsent(await readKey(db, engagementId), row) : undefined
}

/** Oldest first; `limit` rows after the position `after` (the caller asks one more than a page). */
export async function listConsents(db: Db, engagementId: string, f: { after?: After; limit: number }) {
  const r = await sql<ConsentRow & { sortKey: string }>`SELECT ${CONSENT_COLUMNS}, ${sortKeyOf('c.created_at')} AS sort_key FROM consents c
    WHERE c.engagement_id = ${engagementId} ${f.after ? sql`AND ${afterWhere('c.created_at', 'c.id', f.after)}` : sql``}
    ORDER BY c.created_at, c.id LIMIT ${f.limit}`.execute(db)
  if (r.rows.length === 0) return r.rows
  const key = await readKey(db, engagementId)
  return r.rows.map((row) => openConsent(key, row)!)
}

// ---- Consent writes ----

export async function insertConsent(auth: Authorized<'consent.create'>, body: DraftConsentBody, expiresAt: string | undefined) {
  const { engagement, side } = auth.facts
  const key = await keyOf(auth.trx, engagement)
  const text = sealFields(key, 'consents', { recipientName: body.recipient.name.trim(), purpose: body.purpose.trim() }, ['recipientName', 'purpose'])
  const r = await sql<ConsentRow>`
    INSERT INTO consents AS c (engagement_id, recipient_kind, recipient_name, direction, info_categories, purpose, drafted_by, statement_version, expires_at)
    VALUES (${engagement.id}, ${body.recipient.kind}, ${text.recipientName}, ${body.direction}, ${body.infoCategories}, ${text.purpose},
      ${side}, (SELECT max(version) FROM consent_statements),
      ${expiresAt ? sql`${expiresAt}::timestamptz` : sql`clock_timestamp() + interval '90 days'`})
    RETURNING ${CONSENT_COLUMNS}`.execute(auth.trx)
  return recordCreated(auth, openConsent(key, r.rows[0])!)
}

export async function markGranted(auth: Authorized<'consent.grant'>, typedName: string) {
  const { consent, statement } = auth.facts
  const key = await keyOf(auth.trx, { id: consent.engagementId, wrappedKey: consent.wrappedKey })
  const r = await sql<ConsentRow>`
    UPDATE consents AS c SET status = 'granted', granted_at = clock_timestamp(), granted_name = ${sealFields(key, 'consents', { grantedName: typedName }, ['grantedName']).grantedName},
      statement_language = ${statement.language}, statement_hash = ${statement.textHash}, version = c.version + 1
    WHERE c.id = ${consent.id} RETURNING ${CONSENT_COLUMNS}`.execute(auth.trx)
  return openConsent(key, r.rows[0])!
}

export async function markWithdrawn(auth: Authorized<'consent.withdraw'>) {
  const r = await sql<ConsentRow>`
    UPDATE consents AS c SET status = 'withdrawn', withdrawn_at = clock_timestamp(), version = c.version + 1
    WHERE c.id = ${auth.facts.consent.id} RETURNING ${CONSENT_COLUMNS}`.execute(auth.trx)
  const { consent } = auth.facts
  return openConsent(await keyOf(auth.trx, { id: consent.engagementId, wrappedKey: consent.wrappedKey }), r.rows[0])!
}

