// All SQL for the waitlist (#16 item 2). Writes take an Authorized token; the offers are made by
// offerFreeSlots, in the transaction of the write that opened a slot (or the waitlist-offers job).
import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { Trx } from '../../db/tx.ts'
import type { Action } from '../../policy/actions.ts'
import { queueAuditEvent } from '../../policy/audit.ts'
import { recordCreated, type Authorized } from '../../policy/authorize.ts'
import { insertNotifications } from '../notifications/repository.ts'
import type { JoinWaitlistBody } from './schemas.ts'

/**
 * Serialises the waitlist's two sides: a manager joining (who may join only when no fitting
 * Ambassador has room) and the offers of a slot that opened. Taken by its own statement before
 * what it protects reads anything (READ COMMITTED: the next statement sees what the previous
 * holder committed), after the Ambassador row lock the opener already holds (one lock order).
 */
export const WAITLIST_LOCK = 727_016

export const OFFER_HOURS = 48

/**
 * WAITLIST_LOCK, then waitlist_versions moved (#18): an optimistic withdrawal (engagements
 * README) that read "nobody waits" re-checks that version in its write, so a join or an offer in
 * flight sends it to the transactional path (which offers the slot it frees).
 */
export const lockWaitlist = (trx: Trx) => sql`WITH l AS (SELECT pg_advisory_xact_lock(${WAITLIST_LOCK}))
  UPDATE waitlist_versions SET version = version + 1 FROM l WHERE id = 1`.execute(trx)

/**
 * The Ambassador `a` fits the entry `w`: speaks its language, offers one of its modes, covers one
 * of its topics (any, when it names none).
 */
const FITS = `(w.language = ANY(a.languages) AND w.modes && a.modes AND (cardinality(w.topics) = 0 OR w.topics && a.topics))`

/**
 * True when some active, in-term Ambassador who fits the criteria has a free slot now and could be
 * paired with the manager (not themself, no conflict: conflicted_ambassadors, the directory's
 * eligibleForMe rule and the suggestions').
 */
export async function someoneFitsWithRoom(trx: Trx, managerRef: string, c: { language: string; modes: string[]; topics: string[] }) {
  const r = await sql<{ room: boolean }>`SELECT EXISTS (
      SELECT 1 FROM ambassadors a JOIN ambassador_room room ON room.ambassador_id = a.id AND room.free > 0,
        (SELECT ${c.language}::text AS language, ${c.modes}::text[] AS modes, ${c.topics}::text[] AS topics) w
      WHERE ${sql.raw(FITS)} AND a.employee_ref <> ${managerRef}
        AND a.id NOT IN (SELECT c.ambassador_id FROM conflicted_ambassadors(${managerRef}) c)
    ) AS room`.execute(trx)
  return Boolean(r.rows[0]?.room)
}

export interface EntryRow {
  id: string; managerRef: string; language: string; modes: string[]; topics: string[]; urgency: 'routine' | 'urgent'
  status: 'waiting' | 'offered'; offerAmbassadorId: string | null; offerExpiresAt: Date | null; createdAt: Date; version: number
  offerDisplayName: string | null; lapsed: boolean
}

const ENTRY_COLUMNS = sql`w.id, w.manager_ref, w.language, w.modes, w.topics, w.urgency, w.status, w.offer_ambassador_id, w.offer_expires_at,
  w.created_at, w.version, a.display_name AS offer_display_name, (w.status = 'offered' AND w.offer_expires_at <= now()) AS lapsed`

export async function listOwn(db: Db, managerRef: string): Promise<EntryRow[]> {
  const r = await sql<EntryRow>`SELECT ${ENTRY_COLUMNS} FROM waitlist_entries w LEFT JOIN ambassadors a ON a.id = w.offer_ambassador_id
    WHERE w.manager_ref = ${managerRef} ORDER BY w.created_at, w.id`.execute(db)
  return r.rows
}

export async function findOwn(db: Db | Trx, id: string, managerRef: string): Promise<EntryRow | undefined> {
  const r = await sql<EntryRow>`SELECT ${ENTRY_COLUMNS} FROM waitlist_entries w LEFT JOIN ambassadors a ON a.id = w.offer_ambassador_id
    WHERE w.id = ${id} AND w.manager_ref = ${managerRef}`.execute(db)
  return r.rows[0]
}

/** The caller's own entry, locked (404 for anyone else's: the policy decides). */
export async function lockOwn(trx: Trx, id: string, managerRef: string): Promise<EntryRow | undefined> {
  const r = await sql<EntryRow>`SELECT ${ENTRY_COLUMNS} FROM waitlist_entries w LEFT JOIN ambassadors a ON a.id = w.offer_ambassador_id
    WHERE w.id = ${id} AND w.manager_ref = ${managerRef} FOR UPDATE OF w`.execute(trx)
  return r.rows[0]
}

/** The entry, and its de-identified fact for the statistics (month, language, topics, urgency). */
export async function insertEntry(auth: Authorized<'waitlist.join'>, body: JoinWaitlistBody) {
  const r = await sql<{ id: string }>`
    WITH ins AS (
      INSERT INTO waitlist_entries (manager_ref, language, modes, topics, urgency)
      VALUES (${auth.actor.sub}, ${body.language}, ${body.modes}, ${body.topics}, ${body.urgency}) RETURNING id
    ), fact AS (
      INSERT INTO waitlist_facts (period, language, topics, urgency)
      VALUES (date_trunc('month', now())::date, ${body.language}, ${body.topics}, ${body.urgency})
    )
    SELECT id FROM ins`.execute(auth.trx)
  return recordCreated(auth, r.rows[0])
}

/** An entry ends (withdrawn, or accepted: its request exists now): the row goes, nothing keeps the wish. */
export const deleteEntry = (auth: Authorized<'waitlist.withdraw' | 'engagement.accept-offer'>, id: string) =>
  sql`DELETE FROM waitlist_entries WHERE id = ${id}`.execute(auth.trx)

/**
 * Offers the free slots of the Ambassador `ambassadorId` to the first waiting managers they fit:
 * urgent entries first, then first come, first served; never the Ambassador themself, nobody in
 * conflict with them (in_conflict, COI-1…3), nobody with an open engagement with them. Each offer
 * holds one slot for OFFER_HOURS (ambassador_room counts it), is told to its manager only
 * (`waitlist_offer`; the Ambassador learns nothing until a request exists) and audited as the
 * system (`waitlist.offer`, the entry's id only). As many offers as free slots, never more.
 *
 * The caller holds the Ambassador's row lock (the write that freed the slot, or the job's): two
 * openings for one Ambassador are serialised there, and every opening with a join on
 * WAITLIST_LOCK, so one slot gives one offer and two slots two. `audit: false` in a transaction
 * whose other events must not be tied to it (a party's conflict declaration: CONF-5).
 */
export async function offerFreeSlots(trx: Trx, ambassadorId: string, opts: { requestId?: string | null; audit?: boolean } = {}): Promise<number> {
  await lockWaitlist(trx)
  const r = await sql<{ id: string; managerRef: string; offerExpiresAt: Date }>`
    WITH amb AS (
      SELECT a.id, a.employee_ref, a.languages, a.modes, a.topics, room.free
      FROM ambassadors a JOIN ambassador_room room ON room.ambassador_id = a.id AND room.free > 0 WHERE a.id = ${ambassadorId}
    ), pick AS (
      SELECT w.id FROM waitlist_entries w, amb a
      WHERE w.status = 'waiting' AND ${sql.raw(FITS)} AND w.manager_ref <> a.employee_ref AND NOT in_conflict(a.id, w.manager_ref)
        AND NOT EXISTS (SELECT 1 FROM engagements e WHERE e.ambassador_id = a.id AND e.manager_ref = w.manager_ref
          AND e.status IN ('requested','accepted','active','transfer_required'))
      ORDER BY (w.urgency = 'urgent') DESC, w.created_at, w.id
      LIMIT (SELECT coalesce(max(free), 0) FROM amb)
      FOR UPDATE OF w SKIP LOCKED
    ), offered AS (
      UPDATE waitlist_entries w SET status = 'offered', offer_ambassador_id = ${ambassadorId}, offered_at = now(),
        offer_expires_at = now() + make_interval(hours => ${OFFER_HOURS})
      FROM pick WHERE w.id = pick.id
      RETURNING w.id, w.manager_ref, w.offer_expires_at
    ), touch AS (
      -- #18: an offer holds a slot, a fact an optimistic request reads: the Ambassador row's stamp
      -- moves with it (ambassadors_touch), so a request that read the slot free finds it moved.
      UPDATE ambassadors SET stamp = stamp WHERE id = ${ambassadorId} AND EXISTS (SELECT 1 FROM offered)
    )
    SELECT id, manager_ref, offer_expires_at FROM offered`.execute(trx)
  if (r.rows.length === 0) return 0
  await insertNotifications(trx, r.rows.map((o) => ({
    audience: 'principal' as const, recipientRef: o.managerRef, kind: 'waitlist_offer', subjectType: 'waitlist', subjectId: o.id,
    data: { expiresAt: new Date(o.offerExpiresAt).toISOString() },
  })))
  if (opts.audit !== false) {
    for (const o of r.rows) {
      await queueAuditEvent(trx, {
        role: 'system', actorRef: 'system:waitlist-offers', action: 'waitlist.offer', resourceType: 'waitlist',
        resourceId: o.id, engagementId: null, outcome: 'success', requestId: opts.requestId ?? null,
      })
    }
  }
  return r.rows.length
}

/** For a write that freed a slot of its Ambassador: offers it (see offerFreeSlots). */
export const offerSlotsFreedBy = (auth: Authorized<Action>, ambassadorId: string, opts: { audit?: boolean } = {}) =>
  offerFreeSlots(auth.trx, ambassadorId, { requestId: auth.actor.requestId ?? null, ...opts })

/** Offers past their 48 h of one Ambassador (locked by the caller): the entries end, their managers are told. */
export async function lapseOffers(trx: Trx, ambassadorId: string): Promise<number> {
  const r = await sql<{ id: string; managerRef: string }>`
    DELETE FROM waitlist_entries w WHERE w.id IN (
      SELECT id FROM waitlist_entries WHERE offer_ambassador_id = ${ambassadorId} AND status = 'offered' AND offer_expires_at <= now()
      FOR UPDATE SKIP LOCKED)
    RETURNING w.id, w.manager_ref`.execute(trx)
  await insertNotifications(trx, r.rows.map((o) => ({ audience: 'principal' as const, recipientRef: o.managerRef, kind: 'waitlist_offer_lapsed', subjectType: 'waitlist', subjectId: o.id })))
  return r.rows.length
}

/**
 * For the waitlist-offers job: Ambassadors with an offer past its 48 h, or with a free slot that
 * fits a waiting entry (room that opened without an offer: capacity raised, an Ambassador
 * activated or reinstated, a term renewed, a conflict move, an overdue request not yet swept).
 */
export async function ambassadorsToOffer(db: Db): Promise<string[]> {
  const r = await sql<{ id: string }>`
    SELECT DISTINCT offer_ambassador_id AS id FROM waitlist_entries WHERE status = 'offered' AND offer_expires_at <= now()
    UNION
    SELECT a.id FROM ambassadors a JOIN ambassador_room room ON room.ambassador_id = a.id AND room.free > 0
    WHERE EXISTS (SELECT 1 FROM waitlist_entries w WHERE w.status = 'waiting' AND ${sql.raw(FITS)} AND w.manager_ref <> a.employee_ref
      AND NOT in_conflict(a.id, w.manager_ref))
    LIMIT 500`.execute(db)
  return r.rows.map((x) => x.id)
}

// ---- Unmet demand (counts only) ----

export interface DemandRows { byLanguage: { key: string; n: number; keys: string }[]; byTopic: { key: string; n: number; keys: string }[]; total: { n: number; keys: string } }

/**
 * Managers waiting now, by language and by topic. Each entry's key is a byte of its random id (the
 * same entries always give the same noise, as the statistics' cell keys).
 */
export async function countWaiting(db: Db): Promise<DemandRows> {
  const key = sql`get_byte(uuid_send(w.id), 0)`
  const byLanguage = await sql<{ key: string; n: string; keys: string }>`
    SELECT w.language AS key, count(*) AS n, sum(${key}) AS keys FROM waitlist_entries w GROUP BY 1 ORDER BY 1`.execute(db)
  const byTopic = await sql<{ key: string; n: string; keys: string }>`
    SELECT coalesce(t, 'none') AS key, count(*) AS n, sum(${key}) AS keys
    FROM waitlist_entries w LEFT JOIN LATERAL unnest(w.topics) t ON true GROUP BY 1 ORDER BY 1`.execute(db)
  const total = await sql<{ n: string; keys: string }>`SELECT count(*) AS n, coalesce(sum(${key}), 0) AS keys FROM waitlist_entries w`.execute(db)
  const rows = (x: { rows: { key: string; n: string; keys: string }[] }) => x.rows.map((r) => ({ key: r.key, n: Number(r.n), keys: String(r.keys) }))
  return { byLanguage: rows(byLanguage), byTopic: rows(byTopic), total: { n: Number(total.rows[0].n), keys: String(total.rows[0].keys) } }
}
