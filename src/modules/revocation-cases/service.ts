// Revocation cases and reinstatement (REV-1…REV-7): one transaction per write (authorize, then
// write); two views (staff, the Ambassador's own).
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { AppError, NotFound } from '../../errors/app-error.ts'
import { hasRole, type Actor } from '../../policy/actor.ts'
import { authorize, type Authorized } from '../../policy/authorize.ts'
import { decodeCursor, encodeCursor } from '../../shared/cursor.ts'
import { LIMIT_DEFAULT } from '../../shared/schemas.ts'
import type { AmbassadorWithStatus } from '../ambassadors/repository.ts'
import { expireRequests, requireTransferOfAllOf } from '../engagements/repository.ts'
import { offerSlotsFreedBy } from '../waitlist/repository.ts'
import { notifyNmno, notifyPrincipals } from '../notifications/repository.ts'
import {
  findCase, insertCase, listCases, recordDecision, recordFindings, setAmbassadorStatus, type CaseRow, type CasesVisibleTo,
} from './repository.ts'
import type { CreateRevocationCaseBody, DecisionBody, ListRevocationCasesQuery, OwnRevocationCase, RevocationCase } from './schemas.ts'

const visibleTo = (actor: Actor): CasesVisibleTo => ({ staff: hasRole(actor, 'nmno', 'governance'), sub: actor.sub })

export function toStaffView(c: CaseRow): RevocationCase {
  return {
    view: 'staff', id: c.id, ambassadorId: c.ambassadorId, status: c.status, grounds: c.grounds, summary: c.summary,
    interimSuspension: c.interimSuspension, findings: c.findings, decision: c.decision, effectiveAt: c.effectiveAt,
    openedBy: c.openedBy, openedAt: c.openedAt, findingsBy: c.findingsBy, findingsPresentedAt: c.findingsPresentedAt,
    decidedBy: c.decidedBy, decidedAt: c.decidedAt, concernId: c.concernId, version: c.version,
  }
}

/** REV-7: status, grounds, decision (and dates); never the summary or the findings. */
export function toOwnView(c: CaseRow): OwnRevocationCase {
  return {
    view: 'own', id: c.id, ambassadorId: c.ambassadorId, status: c.status, grounds: c.grounds,
    interimSuspension: c.interimSuspension, decision: c.decision, effectiveAt: c.effectiveAt, openedAt: c.openedAt, decidedAt: c.decidedAt,
  }
}

const viewFor = (v: CasesVisibleTo, c: CaseRow) => (v.staff ? toStaffView(c) : toOwnView(c))

export async function getRevocationCase(db: Db, actor: Actor, id: string) {
  const v = visibleTo(actor)
  const c = await findCase(db, id, v)
  if (!c) throw new NotFound()
  return viewFor(v, c)
}

/** Writers are nmno or governance: they read back the whole case. */
async function readBack(db: Db, id: string): Promise<RevocationCase> {
  const c = await findCase(db, id, { staff: true, sub: '' })
  if (!c) throw new NotFound()
  return toStaffView(c)
}

export async function listRevocationCases(db: Db, actor: Actor, q: ListRevocationCasesQuery) {
  const v = visibleTo(actor)
  const limit = q.limit ?? LIMIT_DEFAULT
  const after = q.cursor ? (decodeCursor(q.cursor, ['string', 'uuid']) as [string, string]) : undefined
  const rows = await listCases(db, v, { status: q.status, ambassadorId: q.ambassadorId, after, limit: limit + 1 })
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return {
    items: page.map((c) => viewFor(v, c)),
    nextCursor: rows.length > limit && last ? encodeCursor([last.sortKey, last.id]) : null,
  }
}

type ExitAction = 'revocation-case.open' | 'revocation-case.decide'

/**
 * REV-4, at once: the Ambassador leaves the directory and can take no request (status), loses
 * access to engagement details (AUTH-1 reads the status on every request), and every open
 * engagement becomes `transfer_required`, its manager told to pick another Ambassador.
 */
async function takeOutOfService(auth: Authorized<ExitAction>, amb: AmbassadorWithStatus, to: 'suspended' | 'revoked', reason: string) {
  await setAmbassadorStatus(auth, { from: amb.effectiveStatus, to, reason })
  // Requests already past their 5 days expire as they would have (ENG-11), their managers told;
  // the rest move. This Ambassador's own requests, in this action's audited write (#13).
  await expireRequests(auth.trx, amb.id)
  await requireTransferOfAllOf(auth, amb.id)
}

export async function openRevocationCase(db: Db, actor: Actor, body: CreateRevocationCaseBody) {
  const id = await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'revocation-case.open', body)
    const amb = auth.facts.ambassador
    const interim = body.interimSuspension === true
    const { id } = await insertCase(auth, { ambassadorId: amb.id, grounds: body.grounds, summary: body.summary.trim(), interimSuspension: interim, concernId: auth.facts.concernId })
    if (interim) await takeOutOfService(auth, amb, 'suspended', 'revocation case: interim suspension')
    await notifyPrincipals(auth, [amb.employeeRef], { kind: 'revocation_case_opened', subjectType: 'revocation_case', subjectId: id, data: { interimSuspension: interim } })
    return id
  }).catch((err: unknown) => {
    // Two cases opened at once: the unique index keeps one open case per Ambassador.
    if ((err as { code?: unknown } | null)?.code === '23505') throw new AppError('already-exists', { en: 'A case about this Ambassador is already open.', fr: 'Un dossier sur cet ambassadeur est déjà ouvert.' })
    throw err
  })
  return readBack(db, id)
}

export async function presentFindings(db: Db, actor: Actor, id: string, findings: string, ifMatch?: string) {
  await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'revocation-case.present-findings', { id, findings, ifMatch })
    await recordFindings(auth, findings.trim())
  })
  return readBack(db, id)
}

export async function decideRevocationCase(db: Db, actor: Actor, id: string, body: DecisionBody, ifMatch?: string) {
  await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'revocation-case.decide', { ...body, id, ifMatch })
    const { case: c, ambassador: amb, effectiveAt } = auth.facts
    await recordDecision(auth, body.decision, effectiveAt)
    const reason = `revocation case: governance decision ${body.decision}`
    if (body.decision === 'revoke' && amb.status !== 'revoked') {
      if (amb.status === 'withdrawn') await setAmbassadorStatus(auth, { from: 'withdrawn', to: 'revoked', reason })
      else await takeOutOfService(auth, amb, 'revoked', reason)
    } else if (body.decision === 'suspend' && amb.status === 'active') {
      await takeOutOfService(auth, amb, 'suspended', reason)
    } else if (body.decision === 'no_action' && c.interimSuspension && amb.status === 'suspended') {
      // Cleared: the interim suspension this case imposed is lifted (engagements already moved stay with their managers' new choice).
      await setAmbassadorStatus(auth, { from: 'suspended', to: 'active', reason })
    }
    await notifyPrincipals(auth, [amb.employeeRef], { kind: 'revocation_case_decided', subjectType: 'revocation_case', subjectId: id, data: { decision: body.decision } })
    await notifyNmno(auth, { kind: 'revocation_case_decided', subjectType: 'revocation_case', subjectId: id, designatedContactRef: amb.designatedContactRef, data: { decision: body.decision } })
  })
  return readBack(db, id)
}

/** REV-5: back to `active` with the same term (a term that ran out meanwhile is renewed separately, AMB-5). */
export async function reinstateAmbassador(db: Db, actor: Actor, id: string, ifMatch?: string) {
  await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'ambassador.reinstate', { id, ifMatch })
    const amb = auth.facts.ambassador
    await setAmbassadorStatus(auth, { from: 'suspended', to: 'active', reason: 'reinstated by nmno' })
    await notifyPrincipals(auth, [amb.employeeRef], { kind: 'ambassador_reinstated', subjectType: 'ambassador', subjectId: amb.id })
    await offerSlotsFreedBy(auth, amb.id) // #16: the reinstated Ambassador's room goes to the waitlist first
  })
}
