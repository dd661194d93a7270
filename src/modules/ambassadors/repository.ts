// All SQL for Ambassadors. Writes demand an Authorized token; reads are scoped in SQL.
import { CompiledQuery, sql } from 'kysely'
import { preparedStatement, withoutResultPlugins, type Db } from '../../db/database.ts'
import type { AmbassadorRow, AmbassadorStatus, NewAmbassador } from '../../db/row-types.ts'
import type { Trx } from '../../db/tx.ts'
import { recordCreated, type Authorized } from '../../policy/authorize.ts'
import { CONFLICT_VERSION_SQL, noConflictWithSql } from '../../policy/conflict-of-interest.ts'

/** Stored status, or `expired` for an active record past its term (AMB-5, at query time). */
export const EFFECTIVE_STATUS = sql<AmbassadorStatus | 'expired'>`ambassador_effective_status(status, term_end)`

export type AmbassadorWithStatus = AmbassadorRow & { effectiveStatus: AmbassadorStatus | 'expired' }

export const selectAmbassador = (db: Db | Trx) =>
  db.selectFrom('ambassadors').selectAll().select(EFFECTIVE_STATUS.as('effectiveStatus'))

/** The record if the caller may read it: staff (nmno, governance) or the person themself. */
export async function findRecord(db: Db | Trx, id: string, visibleTo: { staff: boolean; sub?: string }) {
  let q = selectAmbassador(db).where('id', '=', id)
  if (!visibleTo.staff) {
    if (visibleTo.sub === undefined) return undefined
    q = q.where('employeeRef', '=', visibleTo.sub)
  }
  return q.executeTakeFirst() as Promise<AmbassadorWithStatus | undefined>
}

/** Locks the row for the write's transaction (policy facts). */
export function lockAmbassador(trx: Trx, id: string) {
  return selectAmbassador(trx).where('id', '=', id).forUpdate().executeTakeFirst() as Promise<AmbassadorWithStatus | undefined>
}

export function findLiveRecordOf(db: Db | Trx, employeeRef: string) {
  return selectAmbassador(db)
    .where('employeeRef', '=', employeeRef)
    .orderBy(sql`status IN ('rejected','withdrawn','revoked')`)
    .orderBy('createdAt', 'desc')
    .executeTakeFirst() as Promise<AmbassadorWithStatus | undefined>
}

export const statusHistory = (db: Db | Trx, id: string) =>
  db.selectFrom('ambassadorStatusHistory').select(['fromStatus', 'toStatus', 'reason', 'actorRole', 'at'])
    .where('ambassadorId', '=', id).orderBy('at').orderBy('id').execute()

export const referenceChecks = (db: Db | Trx, id: string) =>
  db.selectFrom('referenceChecks').select(['id', 'checkedOn', 'outcome', 'recordedBy', 'createdAt'])
    .where('ambassadorId', '=', id).orderBy('createdAt').orderBy('id').execute()

export async function satisfactoryReferences(trx: Trx, id: string) {
  const r = await trx.selectFrom('referenceChecks').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('ambassadorId', '=', id).where('outcome', '=', 'satisfactory').executeTakeFirstOrThrow()
  return Number(r.n)
}

export async function insertReferenceCheck(auth: Authorized<'ambassador.record-reference'>, body: { checkedOn: string; outcome: 'satisfactory' | 'unsatisfactory' }) {
  const ambassadorId = auth.facts.row.id
  await auth.trx.updateTable('ambassadors').set({ updatedAt: sql`now()` }).where('id', '=', ambassadorId).execute()
  return auth.trx.insertInto('referenceChecks').values({ ambassadorId, checkedOn: body.checkedOn, outcome: body.outcome, recordedBy: auth.actor.sub })
    .returning(['id', 'checkedOn', 'outcome', 'recordedBy', 'createdAt']).executeTakeFirstOrThrow()
}

export const trainingRecords = (db: Db | Trx, id: string) =>
  db.selectFrom('trainingRecords').select(['id', 'kind', 'part', 'heldOn', 'attended', 'language', 'recordedBy', 'createdAt'])
    .where('ambassadorId', '=', id).orderBy('heldOn').orderBy('createdAt').execute()

/** Orientation parts attended since the candidate last entered `retraining` (AMB-3). */
export async function orientationPartsAttended(db: Db | Trx, id: string): Promise<number[]> {
  const rows = await sql<{ part: number }>`
    SELECT DISTINCT part FROM training_records t
    WHERE t.ambassador_id = ${id} AND t.kind = 'orientation_part' AND t.attended
      AND t.created_at > coalesce((SELECT max(at) FROM ambassador_status_history h
                                   WHERE h.ambassador_id = ${id} AND h.to_status = 'retraining'), '-infinity')
    ORDER BY part`.execute(db)
  return rows.rows.map((r) => Number(r.part))
}

export async function currentGuidelinesVersion(db: Db | Trx): Promise<number> {
  const r = await db.selectFrom('conductGuidelines').select((eb) => eb.fn.max('version').as('v')).executeTakeFirstOrThrow()
  return Number(r.v)
}

// ---- The directory (AMB-7): hot path, compiled once, keyset pagination on (display_name, id). ----
// #18: the columns are named in SQL as the code reads them (no camel-case pass over every row), the
// statements are named prepared statements on PostgreSQL (parsed and planned once per connection),
// and bench/ runs this very text (DIRECTORY_SQL, directoryParams) for its baselines.

const DIRECTORY_COLUMNS = `id, display_name AS "displayName", bio_en AS "bioEn", bio_fr AS "bioFr", languages, modes, topics, open_engagements < capacity AS available`
const FILTERS = `
  AND ($1::text IS NULL OR $1 = ANY(languages))
  AND ($2::text IS NULL OR $2 = ANY(modes))
  AND ($3::text IS NULL OR $3 = ANY(topics))
  AND ($4::boolean IS NOT TRUE OR open_engagements < capacity)
  AND ($5::text IS NULL OR (employee_ref <> $5 AND ${noConflictWithSql({ id: 'id' }, '$5')}))
  AND ($6::text IS NULL OR (display_name, id) > ($6::text, $7::uuid))`

// Changes only when what the directory shows changes (CONF-5, #11): an active Ambassador's public
// fields, listing or availability (public_stamp, set from a sequence by the triggers of
// ambassadors_public_touch / ambassadors_public_insert, never by the open-engagement counter
// itself), a term running out (the next term end still ahead: it moves when one passes), or, for
// eligibleForMe only, a conflict declaration or the reporting lines (a 304 never hides a conflict).
// #18: each is one index probe (ambassadors_public_stamp, ambassadors_active_term_end, the
// conflict_versions key), where a count over every in-term row was before; nothing counts events.
const STAMP_COLUMNS = `(SELECT max(public_stamp) FROM ambassadors)::text AS stamp,
    (SELECT extract(epoch FROM min(term_end)) FROM ambassadors WHERE status = 'active' AND term_end > now())::text AS "nextEnd",
    ${CONFLICT_VERSION_SQL}::text AS conflicts`

// The listing carries the stamp of the same snapshot: one round trip answers the page and its ETag.
export const DIRECTORY_SQL = preparedStatement('m2m_directory', `SELECT ${DIRECTORY_COLUMNS}, ${STAMP_COLUMNS} FROM ambassadors
  WHERE ambassador_in_term(status, term_end) ${FILTERS}
  ORDER BY display_name, id LIMIT $8`)

const ADMIN_SQL = `SELECT ${DIRECTORY_COLUMNS}, ${STAMP_COLUMNS}, employee_ref AS "employeeRef", capacity, open_engagements AS "openEngagements", term_end AS "termEnd",
    ambassador_effective_status(status, term_end) AS status
  FROM ambassadors
  WHERE ambassador_effective_status(status, term_end) = $9 ${FILTERS}
  ORDER BY display_name, id LIMIT $8`

/** The stamp alone: what a conditional request (If-None-Match) costs. */
export const DIRECTORY_STAMP_SQL = preparedStatement('m2m_directory_stamp', `SELECT ${STAMP_COLUMNS}`)

export interface DirectoryFilter {
  language?: string
  mode?: string
  topic?: string
  available?: boolean
  excludeEmployeeRef?: string
  after?: [string, string]
  limit: number
  status?: string
}

export interface DirectoryRow extends Pick<AmbassadorRow, 'id' | 'displayName' | 'bioEn' | 'bioFr' | 'languages' | 'modes' | 'topics'>,
  Partial<Pick<AmbassadorRow, 'employeeRef' | 'capacity' | 'openEngagements' | 'termEnd' | 'status'>> {
  available: boolean
}

type StampColumns = { stamp: string | null; nextEnd: string | null; conflicts: string }
/** The conflict version counts only where the answer depends on it (eligibleForMe). */
const stampOf = (row: StampColumns, eligibleForMe: boolean) => `${row.stamp ?? ''}.${row.nextEnd ?? ''}${eligibleForMe ? `.${row.conflicts}` : ''}`

/** DIRECTORY_SQL's parameters $1…$8 (ADMIN_SQL adds the status as $9). */
export const directoryParams = (f: DirectoryFilter): unknown[] => [f.language ?? null, f.mode ?? null, f.topic ?? null, f.available ?? null,
  f.excludeEmployeeRef ?? null, f.after?.[0] ?? null, f.after?.[1] ?? null, f.limit]

/** One page of the directory and the stamp of the snapshot it was read from (undefined if empty). */
export async function listDirectory(db: Db, f: DirectoryFilter): Promise<{ rows: DirectoryRow[]; stamp?: string }> {
  const params = directoryParams(f)
  const query = f.status ? CompiledQuery.raw(ADMIN_SQL, [...params, f.status]) : CompiledQuery.raw(DIRECTORY_SQL, params)
  const r = await withoutResultPlugins(db).executeQuery<DirectoryRow & StampColumns>(query)
  return { rows: r.rows, stamp: r.rows[0] ? stampOf(r.rows[0], f.excludeEmployeeRef !== undefined) : undefined }
}

export async function directoryStamp(db: Db, eligibleForMe: boolean): Promise<string> {
  const r = await withoutResultPlugins(db).executeQuery<StampColumns>(CompiledQuery.raw(DIRECTORY_STAMP_SQL, []))
  return stampOf(r.rows[0], eligibleForMe)
}

// ---- Writes ----

export async function insertAmbassador(auth: Authorized<'ambassador.apply'>, row: NewAmbassador) {
  const created = await auth.trx.insertInto('ambassadors').values(row).returning('id').executeTakeFirstOrThrow()
  await insertHistory(auth.trx, created.id, null, 'applicant', null, auth.actor.sub, auth.facts.asSelf ? 'self' : 'nmno')
  return recordCreated(auth, created)
}

export const updateAmbassadorProfile = (auth: Authorized<'ambassador.update'>, patch: Record<string, unknown>) =>
  auth.trx.updateTable('ambassadors').set(patch).where('id', '=', auth.facts.row.id).execute()

export async function recordTransition(
  auth: Authorized<'ambassador.transition'>,
  change: { to: AmbassadorStatus; reason?: string; activate?: { guidelinesVersion: number } },
) {
  const { trx, actor } = auth
  // The row the policy locked, and the status it found there.
  const { id } = auth.facts.row
  const from = auth.facts.from
  if (change.activate) {
    await trx.updateTable('ambassadors').set({
      status: 'active',
      termStart: sql`now()`,
      termEnd: sql`now() + interval '24 months'`,
      guidelinesVersion: change.activate.guidelinesVersion,
      guidelinesAcceptedAt: sql`now()`,
    }).where('id', '=', id).execute()
    await trx.insertInto('guidelinesAcceptances').values({ ambassadorId: id, version: change.activate.guidelinesVersion })
      .onConflict((oc) => oc.doNothing()).execute()
  } else {
    await trx.updateTable('ambassadors').set({ status: change.to }).where('id', '=', id).execute()
  }
  await insertHistory(trx, id, from, change.to, change.reason ?? null, actor.sub, actorRoleLabel(auth))
}

export async function renewTerm(auth: Authorized<'ambassador.renew'>) {
  const id = auth.facts.row.id
  await auth.trx.updateTable('ambassadors').set({ termEnd: sql`term_end + interval '24 months'` }).where('id', '=', id).execute()
  await insertHistory(auth.trx, id, 'active', 'active', 'term renewed for 24 months', auth.actor.sub, 'nmno')
}

export const setCompetencies = (auth: Authorized<'ambassador.assess'>, competencies: object) =>
  auth.trx.updateTable('ambassadors').set({ competencies: JSON.stringify(competencies) }).where('id', '=', auth.facts.row.id).execute()

export async function insertTrainingRecord(
  auth: Authorized<'ambassador.record-training'>,
  record: { kind: 'orientation_part' | 'pd_session' | 'network_call'; part: number | null; heldOn: string; attended: boolean; language: 'en' | 'fr' | null },
) {
  const row = { ...record, ambassadorId: auth.facts.row.id }
  // The record view lists the training: its version (the ETag) moves with it (SPEC §4).
  await auth.trx.updateTable('ambassadors').set({ updatedAt: sql`now()` }).where('id', '=', row.ambassadorId).execute()
  return auth.trx.insertInto('trainingRecords').values({ ...row, recordedBy: auth.actor.sub }).returningAll().executeTakeFirstOrThrow()
}

/** The most recent professional-development sessions and network calls, newest first (AMB-9). */
export const recentSessions = (trx: Trx, ambassadorId: string, n: number) =>
  trx.selectFrom('trainingRecords').select('attended').where('ambassadorId', '=', ambassadorId)
    .where('kind', 'in', ['pd_session', 'network_call']).orderBy('heldOn', 'desc').orderBy('createdAt', 'desc').limit(n).execute()

async function insertHistory(trx: Trx, id: string, from: string | null, to: string, reason: string | null, actorRef: string, actorRole: string) {
  await trx.insertInto('ambassadorStatusHistory').values({ ambassadorId: id, fromStatus: from, toStatus: to, reason, actorRef, actorRole }).execute()
}

function actorRoleLabel(auth: { actor: { roles: ReadonlySet<string> }; facts: unknown }): string {
  const facts = auth.facts as { asSelf?: boolean }
  return facts?.asSelf ? 'self' : auth.actor.roles.has('nmno') ? 'nmno' : 'self'
}

// ---- Suggestions (#16 item 1): one statement, compiled once. ----
// Active, in-term Ambassadors with a free slot (the view ambassador_room: overdue requests hold
// none, unexpired waitlist offers hold one), never the caller, never one in conflict with the
// caller (the directory's eligibleForMe rule: conflicted_ambassadors, the same COI-1…3 SQL as
// in_conflict, which ENG-2 runs for one pair; test/policy/conflict-of-interest.test.ts checks they
// agree). Ranked by the score; ties in an order of the caller's own (a keyed hash of the id and the
// caller), so the caseload never orders the list beyond the light-load flag and two managers with
// the same needs are not all sent to the same Ambassador.
//   $1 language, $2 modes, $3 topics, $4 the caller's employee ref, $5 the light-load weight.
const SUGGESTIONS_SQL = `SELECT a.id, a.display_name, a.bio_en, a.bio_fr, a.languages, a.modes, a.topics,
    m.topics AS matched_topics, m.language AS language_match, m.modes AS matched_modes, m.light_load,
    3 * cardinality(m.topics) + CASE WHEN m.language THEN 2 ELSE 0 END + cardinality(m.modes) + CASE WHEN m.light_load THEN $5::int ELSE 0 END AS score
  FROM ambassadors a
  JOIN ambassador_room room ON room.ambassador_id = a.id AND room.free > 0
  CROSS JOIN LATERAL (SELECT
      ARRAY(SELECT t FROM unnest($3::text[]) t WHERE t = ANY(a.topics) ORDER BY t) AS topics,
      coalesce($1::text = ANY(a.languages), false) AS language,
      ARRAY(SELECT x FROM unnest($2::text[]) x WHERE x = ANY(a.modes) ORDER BY x) AS modes,
      a.open_engagements * 2 < a.capacity AS light_load) m
  WHERE ambassador_in_term(a.status, a.term_end)
    AND a.employee_ref <> $4 AND ${noConflictWithSql({ id: 'a.id' }, '$4')}
  ORDER BY score DESC, md5(a.id::text || $4), a.id
  LIMIT ${10}`

export interface SuggestionRow extends Pick<AmbassadorRow, 'id' | 'displayName' | 'bioEn' | 'bioFr' | 'languages' | 'modes' | 'topics'> {
  matchedTopics: string[]
  languageMatch: boolean
  matchedModes: string[]
  lightLoad: boolean
  score: number
}

export async function suggestAmbassadors(db: Db, f: { language?: string; modes: string[]; topics: string[]; managerRef: string; urgent: boolean }) {
  const r = await db.executeQuery<SuggestionRow>(CompiledQuery.raw(SUGGESTIONS_SQL, [f.language ?? null, f.modes, f.topics, f.managerRef, f.urgent ? 2 : 1]))
  return r.rows
}
