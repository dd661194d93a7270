// All SQL for revocation cases and the Ambassador exits they decide (REV-1…REV-7). Reads are
// scoped in SQL (staff: all; anyone else: the cases about their own Ambassador records); writes
// demand an Authorized token.
import { sql } from 'kysely'
import { sortKeyOf } from '../../shared/pagination.ts'
import type { Db } from '../../db/database.ts'
import type { AmbassadorStatus, RevocationGround } from '../../db/row-types.ts'
import type { Trx } from '../../db/tx.ts'
import type { Authorized } from '../../policy/authorize.ts'
import type { DecisionBody } from './schemas.ts'

const COLUMNS = [
  'c.id', 'c.ambassadorId', 'c.status', 'c.grounds', 'c.summary', 'c.interimSuspension', 'c.findings', 'c.decision',
  'c.effectiveAt', 'c.openedBy', 'c.openedAt', 'c.findingsBy', 'c.findingsPresentedAt', 'c.decidedBy', 'c.decidedAt', 'c.version', 'c.concernId',
] as const

export interface CaseRow {
  id: string
  ambassadorId: string
  status: 'investigating' | 'findings_presented' | 'decided'
  grounds: RevocationGround[]
  summary: string
  interimSuspension: boolean
  findings: string | null
  decision: 'revoke' | 'suspend' | 'no_action' | null
  effectiveAt: Date | null
  openedBy: string
  openedAt: Date
  findingsBy: string | null
  findingsPresentedAt: Date | null
  decidedBy: string | null
  decidedAt: Date | null
  version: number
  concernId: string | null
}

/** Who may read: nmno and governance read every case; anyone else the cases about their own records. */
export interface CasesVisibleTo { staff: boolean; sub: string }

function visible(db: Db | Trx, v: CasesVisibleTo) {
  let q = db.selectFrom('revocationCases as c').select(COLUMNS)
  if (!v.staff) q = q.innerJoin('ambassadors as a', 'a.id', 'c.ambassadorId').where('a.employeeRef', '=', v.sub)
  return q
}

export const findCase = (db: Db | Trx, id: string, v: CasesVisibleTo) =>
  visible(db, v).where('c.id', '=', id).executeTakeFirst() as Promise<CaseRow | undefined>

export function listCases(db: Db, v: CasesVisibleTo, f: { status?: string; ambassadorId?: string; after?: [string, string]; limit: number }) {
  let q = visible(db, v).select(sortKeyOf('c.opened_at').as('sortKey'))
  if (f.status) q = q.where('c.status', '=', f.status as CaseRow['status'])
  if (f.ambassadorId) q = q.where('c.ambassadorId', '=', f.ambassadorId)
  if (f.after) q = q.where(sql<boolean>`(c.opened_at, c.id) < (${f.after[0]}::timestamptz, ${f.after[1]}::uuid)`)
  return q.orderBy('c.openedAt', 'desc').orderBy('c.id', 'desc').limit(f.limit).execute() as Promise<(CaseRow & { sortKey: string })[]>
}

/** Locks a case for a write, with the employee ref of the Ambassador it is about. */
export async function lockCase(trx: Trx, id: string) {
  return trx.selectFrom('revocationCases as c').innerJoin('ambassadors as a', 'a.id', 'c.ambassadorId')
    .select([...COLUMNS, 'a.employeeRef as subjectRef']).where('c.id', '=', id).forUpdate('c')
    .executeTakeFirst() as Promise<(CaseRow & { subjectRef: string }) | undefined>
}

export const findOpenCaseOf = (trx: Trx, ambassadorId: string) =>
  trx.selectFrom('revocationCases').select('id').where('ambassadorId', '=', ambassadorId).where('status', '<>', 'decided').executeTakeFirst()

/**
 * Locks the Ambassador's open engagements (not overdue requests) before the Ambassador row: the
 * engagement writes (accept, decline, close…) lock the engagement and then the Ambassador row to
 * free a slot, so taking the locks in the same order cannot deadlock with them. A request created
 * after this statement is still caught: it commits holding the Ambassador row lock we then wait for,
 * and the later UPDATE sees it.
 */
export async function lockOpenEngagementsOf(trx: Trx, ambassadorId: string) {
  await sql`SELECT id FROM engagements WHERE ambassador_id = ${ambassadorId}
    AND status IN ('requested','accepted','active') AND NOT request_overdue(status, expires_at)
    ORDER BY id FOR UPDATE`.execute(trx)
}

/** Folds text as references are compared: compatibility forms, no accents, lower case, [a-z0-9] only. */
const fold = (text: string) => text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()

/**
 * Whether `text` names a known employee reference (reporting-lines snapshot, any Ambassador
 * record) other than the Ambassador the case is about, whatever the case, spacing, punctuation or
 * look-alike characters (REV-1, #11 finding 9: "r s 0 1", "Rs-01", "ＲＳ０１" all name RS01). The
 * set is one nmno already knows, so a refusal reveals nothing; engagement participants are
 * deliberately not consulted (a refusal would then tell nmno who used the network).
 *
 * Text and references are folded alike and compared two ways: a reference that has a digit and at
 * least 4 characters, or at least 8, is looked for anywhere in the text with every separator taken
 * out; a shorter, letters-only one must be a whole word (so "anne" does not refuse "planned").
 */
export async function identifyingToken(trx: Trx, text: string, subjectRef: string): Promise<boolean> {
  const folded = fold(text)
  const subject = fold(subjectRef).replace(/[^a-z0-9]/g, '')
  const words = [...new Set(folded.split(/[^a-z0-9]+/).filter((w) => w.length > 0 && w.length <= 128))]
  // The subject's own reference is taken out first, so a reference it contains is not found in it.
  const compact = folded.replace(/[^a-z0-9]/g, '').split(subject || '\u0000').join('|')
  if (compact.length === 0) return false
  const r = await sql<{ found: boolean }>`
    WITH refs AS (
      SELECT employee_ref AS ref FROM reporting_lines UNION SELECT supervisor_ref FROM reporting_lines
      UNION SELECT employee_ref FROM ambassadors
    ), folded AS (SELECT DISTINCT lower(regexp_replace(ref, '[^[:alnum:]]', '', 'g')) AS n FROM refs)
    SELECT EXISTS (
      SELECT 1 FROM folded WHERE n <> '' AND n <> ${subject}
        AND (n = ANY(${words}::text[]) OR ((length(n) >= 8 OR (length(n) >= 4 AND n ~ '[0-9]')) AND strpos(${compact}, n) > 0))
    ) AS found`.execute(trx)
  return Boolean(r.rows[0]?.found)
}

// ---- Writes ----

export const insertCase = (auth: Authorized<'revocation-case.open'>, row: { ambassadorId: string; grounds: RevocationGround[]; summary: string; interimSuspension: boolean; concernId: string | null }) =>
  auth.trx.insertInto('revocationCases').values({ ...row, openedBy: auth.actor.sub }).returning('id').executeTakeFirstOrThrow()

export const recordFindings = (auth: Authorized<'revocation-case.present-findings'>, findings: string) =>
  auth.trx.updateTable('revocationCases').set({
    status: 'findings_presented', findings, findingsBy: auth.actor.sub, findingsPresentedAt: sql`now()`,
  }).where('id', '=', auth.facts.case.id).execute()

export const recordDecision = (auth: Authorized<'revocation-case.decide'>, decision: DecisionBody['decision'], effectiveAt: Date) =>
  auth.trx.updateTable('revocationCases').set({
    status: 'decided', decision, effectiveAt, decidedBy: auth.actor.sub, decidedAt: sql`now()`,
  }).where('id', '=', auth.facts.case.id).execute()

type ExitAction = 'revocation-case.open' | 'revocation-case.decide' | 'ambassador.reinstate'

/** Moves the Ambassador (row locked by the policy) to a new status and records it in the history. */
export async function setAmbassadorStatus(auth: Authorized<ExitAction>, change: { from: string; to: AmbassadorStatus; reason: string }) {
  const ambassadorId = auth.facts.ambassador.id
  await auth.trx.updateTable('ambassadors').set({ status: change.to }).where('id', '=', ambassadorId).execute()
  await auth.trx.insertInto('ambassadorStatusHistory').values({
    ambassadorId, fromStatus: change.from, toStatus: change.to, reason: change.reason,
    actorRef: auth.actor.sub, actorRole: auth.actor.roles.has('governance') && auth.action === 'revocation-case.decide' ? 'governance' : 'nmno',
  }).execute()
}
