import { randomBytes, randomUUID } from 'node:crypto'
// Engagement use cases: one transaction per write; three views by audience (SPEC §2).
import type { Db } from '../../db/database.ts'
import type { DeclineReason, EngagementOutcome, EngagementStage } from '../../db/row-types.ts'
import { autocommitAllowed, inTransaction } from '../../db/tx.ts'
import { memoInRequest } from '../../db/boundary.ts'
import { AppError, NotFound } from '../../errors/app-error.ts'
import { actingAmbassadorId, rememberActingAmbassadorId, type Actor } from '../../policy/actor.ts'
import { authorize, authorizeOptimistic } from '../../policy/authorize.ts'
import { managerPseudonym } from '../../policy/audit.ts'
import { decodeCursor, encodeCursor } from '../../shared/cursor.ts'
import { LIMIT_DEFAULT } from '../../shared/schemas.ts'
import { notifyPrincipals } from '../notifications/repository.ts'
import { offerSlotsFreedBy } from '../waitlist/repository.ts'
import { assertCapacity, decideRequest, decideWithdrawal } from './policy.ts'
import {
  closeEngagement, SURVEY_TOKEN_DAYS, markTransferRequired, recordExtension, transferEngagement, findById, findVisibleTo, insertEngagement, listForAmbassador, listForManager,
  listForOffice, setStage, markAccepted, markDeclined, markWithdrawn, passToNextChoice, type EngagementRow, type ListedRow, type Viewer,
  requestFactsAt, insertEngagementGuarded, withdrawalFactsAt, markWithdrawnGuarded,
} from './repository.ts'
import type { Static } from 'typebox'
import type { AmbassadorEngagementSchema, DeidentifiedEngagementSchema, ListEngagementsQuery, ManagerEngagementSchema, RequestEngagementBody } from './schemas.ts'

type ManagerEngagement = Static<typeof ManagerEngagementSchema>
type AmbassadorEngagement = Static<typeof AmbassadorEngagementSchema>
type DeidentifiedEngagement = Static<typeof DeidentifiedEngagementSchema>

export function toManagerView(e: EngagementRow): ManagerEngagement {
  return <ManagerEngagement>{
    view: 'manager' as const, id: e.id, ambassador: { id: e.ambassadorId, displayName: e.ambassadorDisplayName },
    status: e.status, stage: e.stage, language: e.language, preferredModes: e.preferredModes, urgency: e.urgency, topics: e.topics,
    ...progress(e), surveyToken: e.surveyToken,
    requestedAt: e.requestedAt, expiresAt: e.expiresAt, respondedAt: e.respondedAt, closedAt: e.closedAt, version: e.version,
  }
}

const progress = (e: EngagementRow) => ({
  outcome: e.outcome, transferReason: e.transferReason, transferredFrom: e.transferredFrom,
  extensions: Number(e.extensions), extensionProposed: e.extensionProposedAt !== null,
})

export function toAmbassadorView(e: EngagementRow): AmbassadorEngagement {
  return <AmbassadorEngagement>{
    view: 'ambassador' as const, id: e.id, ambassadorId: e.ambassadorId, managerRef: e.managerRef,
    status: e.status, stage: e.stage, language: e.language, preferredModes: e.preferredModes, urgency: e.urgency, topics: e.topics,
    declineReason: e.declineReason, ...progress(e), requestedAt: e.requestedAt, expiresAt: e.expiresAt, respondedAt: e.respondedAt, closedAt: e.closedAt, version: e.version,
  }
}

/** nmno's view (CONF-2): no manager, no Ambassador, no exact time. */
export function toDeidentifiedEngagement(e: EngagementRow): DeidentifiedEngagement {
  return {
    view: 'deidentified' as const, id: e.id, status: e.status, stage: e.stage, language: e.language, urgency: e.urgency,
    transferRequired: e.status === 'transfer_required', meetingsHeld: Number(e.meetingsHeld), referralCount: Number(e.referralCount),
    followUpOverdue: Boolean(e.followUpOverdue), requestedOn: new Date(e.requestedAt).toISOString().slice(0, 10),
  }
}


function viewFor(v: Viewer, e: EngagementRow) {
  if (v.manager && e.managerRef === v.sub) return toManagerView(e)
  if (v.ambassadorId && e.ambassadorId === v.ambassadorId) return toAmbassadorView(e)
  return toDeidentifiedEngagement(e)
}

/**
 * One engagement as the caller may see it (CONF-1, CONF-2): one statement (#18), which also resolves
 * the Ambassador the caller acts as. What it learnt is kept for the rest of the request, so the
 * audit event of this read (plugins/audit.ts, policy/audit.ts sideOf) names the caller without
 * reading the engagement or the caller's Ambassador record again.
 */
export async function getEngagement(db: Db, actor: Actor, id: string) {
  const caller = { sub: actor.sub, manager: actor.roles.has('manager'), nmno: actor.roles.has('nmno') }
  const e = await findVisibleTo(db, id, caller)
  if (!e) throw new NotFound()
  const ambassadorId = e.actingAmbassadorId ?? undefined
  rememberActingAmbassadorId(actor, ambassadorId)
  void memoInRequest(`engagement-parties:${id}`, async () => ({ managerRef: e.managerRef, ambassadorId: e.ambassadorId }))
  return viewFor({ ...caller, ambassadorId }, e)
}

async function readBack(db: Db, actor: Actor, id: string) {
  return getEngagement(db, actor, id)
}

/**
 * The answer to an Ambassador who just let the engagement go (declined it, asked for a transfer):
 * from that moment it is no longer theirs (CONF-5), so the answer is its de-identified view.
 */
async function released(db: Db, id: string) {
  const e = await findById(db, id)
  if (!e) throw new NotFound()
  return toDeidentifiedEngagement(e)
}

export async function listEngagements(db: Db, actor: Actor, q: ListEngagementsQuery) {
  const limit = q.limit ?? LIMIT_DEFAULT
  const after = q.cursor ? (decodeCursor(q.cursor, ['number', 'string', 'uuid']) as [number, string, string]) : undefined
  const f = { status: q.status, urgency: q.urgency, after, limit: limit + 1 }
  let rows: ListedRow[]
  let map: (e: EngagementRow) => ManagerEngagement | AmbassadorEngagement | DeidentifiedEngagement
  const wantsAmbassador = q.as === 'ambassador' || (!actor.roles.has('manager') && !actor.roles.has('nmno'))
  if (actor.roles.has('manager') && !wantsAmbassador) {
    rows = await listForManager(db, actor.sub, f)
    map = toManagerView
  } else if (q.as === 'ambassador') {
    const me = await actingAmbassadorId(db, actor)
    if (!me) return { items: [], nextCursor: null }
    rows = await listForAmbassador(db, me, f)
    map = toAmbassadorView
  } else if (actor.roles.has('nmno')) {
    rows = await listForOffice(db, { ...f, transferRequired: q.transferRequired, followUpOverdue: q.followUpOverdue })
    map = toDeidentifiedEngagement
  } else {
    throw new AppError('forbidden')
  }
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return { items: page.map(map), nextCursor: rows.length > limit && last ? encodeCursor([last.listRank, last.sortKey, last.id]) : null }
}

/** #18: how many times an optimistic write reads again after its guard found a fact moved, before the transactional path. */
const OPTIMISTIC_ATTEMPTS = 2

/** Test seam (#18): called between an optimistic write's read and its write (a test holds a lock there). */
export const optimisticSeam: { between?: (what: 'request' | 'withdrawal', attempt: number) => Promise<void> } = {}

const duplicateEngagement = () => new AppError('duplicate-engagement', { en: 'You already have an open engagement with this Ambassador.', fr: 'Vous avez déjà un jumelage ouvert avec cet ambassadeur.' })

/**
 * A request (ENG-2): optimistic first (README "Optimistic writes": one read, the policy in
 * TypeScript, one guarded write), the transactional path when a fact moved twice, when the
 * manager's own overdue request must end with it, or when an Idempotency-Key holds the commit.
 */
export async function requestEngagement(db: Db, actor: Actor, body: RequestEngagementBody) {
  if (autocommitAllowed()) {
    for (let attempt = 1; attempt <= OPTIMISTIC_ATTEMPTS; attempt++) {
      const row = await requestOptimistically(db, actor, body, attempt)
      if (row === 'transactional') break
      if (row) return toManagerView(row)
    }
  }
  const row = await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'engagement.create', body)
    const created = await insertEngagement(auth, {
      ambassadorId: auth.facts.ambassador.id, managerRef: actor.sub, language: body.language,
      preferredModes: body.preferredModes, urgency: body.urgency, topics: body.topics, alternates: body.alternates,
    })
    await assertCapacity(trx, auth.facts.ambassador.id)
    return created
  }).catch((err: unknown) => {
    // The unique index backs the duplicate rule should two requests ever slip past the row lock.
    if ((err as { code?: unknown } | null)?.code === '23505') throw duplicateEngagement()
    throw err
  })
  return toManagerView(row)
}

/** One optimistic attempt: the new row, undefined when a fact moved, 'transactional' when this request needs the transaction. */
async function requestOptimistically(db: Db, actor: Actor, body: RequestEngagementBody, attempt: number) {
  const read = await requestFactsAt(db, body.ambassadorId, actor.sub)
  const auth = await authorizeOptimistic(db, actor, 'engagement.create', body,
    () => decideRequest(actor, body, read.terms, read.ambassador, read.facts))
  // The manager's own overdue request to this Ambassador ends with this one (insertEngagement).
  if (auth.facts.ownOverdue) return 'transactional' as const
  const id = randomUUID()
  // The event names the engagement it makes, and the manager's pseudonym is scoped to it (AUD-1).
  const audit = { ...auth.auditEvent, resourceId: id, engagementId: id, actorRef: managerPseudonym(actor.sub, id) }
  await optimisticSeam.between?.('request', attempt)
  return auth.write(() => insertEngagementGuarded(db, {
    id, ambassador: read.ambassador!, conflictVersion: read.conflictVersion, termsVersion: read.terms.currentVersion, audit,
    row: { managerRef: actor.sub, language: body.language, preferredModes: body.preferredModes, urgency: body.urgency, topics: body.topics, alternates: body.alternates },
  })).catch((err: unknown) => {
    const code = (err as { code?: unknown } | null)?.code
    if (code === '23505') throw duplicateEngagement()
    if (RETRYABLE.has(String(code))) return undefined // rolled back whole: read again (as inTransaction would run it again)
    throw err
  })
}

export async function acceptEngagement(db: Db, actor: Actor, id: string, ifMatch?: string) {
  await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'engagement.accept', { id, ifMatch })
    await markAccepted(auth)
    await notifyPrincipals(auth, [auth.facts.engagement.managerRef], { kind: 'engagement_accepted', subjectType: 'engagement', subjectId: auth.facts.engagement.id })
  })
  return readBack(db, actor, id)
}

export async function declineEngagement(db: Db, actor: Actor, id: string, reason: DeclineReason, ifMatch?: string) {
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'engagement.decline', { id, ifMatch })
    await markDeclined(auth, reason)
    // The decliner's answer is the request as they left it (declined), read before it may pass on:
    // it must not tell them whether the manager had a next choice (#16).
    const answer = await findById(trx, id)
    if (!answer) throw new NotFound()
    // #16: with alternates, the request passes to the manager's next choice, who hears only that.
    const passed = await passToNextChoice(trx, id, { requestId: actor.requestId ?? null })
    // The manager learns only that it was declined, and may pick again (ENG-3).
    if (passed === 'none') await notifyPrincipals(auth, [auth.facts.engagement.managerRef], { kind: 'engagement_declined', subjectType: 'engagement', subjectId: auth.facts.engagement.id })
    // #16: the slot freed is offered to the waitlist.
    await offerSlotsFreedBy(auth, auth.facts.engagement.ambassadorId)
    return toDeidentifiedEngagement(answer)
  })
}

/**
 * The manager withdraws (ENG-3): optimistic first (README "Optimistic writes"), the answer the
 * manager's view from the write itself. Transactional when someone waits on the waitlist (the slot
 * freed is offered in the transaction that frees it, #16), when a fact moved twice, or when an
 * Idempotency-Key holds the commit.
 */
export async function withdrawEngagement(db: Db, actor: Actor, id: string, ifMatch?: string) {
  if (autocommitAllowed() && UUID.test(id)) {
    for (let attempt = 1; attempt <= OPTIMISTIC_ATTEMPTS; attempt++) {
      const read = await withdrawalFactsAt(db, id, actor.sub)
      const auth = await authorizeOptimistic(db, actor, 'engagement.withdraw', { id, ifMatch }, () => ({ engagement: decideWithdrawal(actor, read, ifMatch) }))
      if (read.someoneWaits) break
      await optimisticSeam.between?.('withdrawal', attempt)
      const row = await auth.write(() => markWithdrawnGuarded(db, { id, managerRef: actor.sub, version: read.version, waitlistVersion: read.waitlistVersion, audit: auth.auditEvent }))
        .catch((err: unknown) => { if (RETRYABLE.has((err as { code?: string } | null)?.code ?? '')) return undefined; throw err })
      if (row) return toManagerView(row)
    }
  }
  await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'engagement.withdraw', { id, ifMatch })
    await markWithdrawn(auth)
    await offerSlotsFreedBy(auth, auth.facts.engagement.ambassadorId) // #16: the slot freed goes to the waitlist
  })
  return readBack(db, actor, id)
}

/** A deadlock or a serialization failure rolled the statement back whole. */
const RETRYABLE = new Set(['40P01', '40001'])

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export async function changeStage(db: Db, actor: Actor, id: string, stage: EngagementStage, ifMatch?: string) {
  await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'engagement.set-stage', { id, stage, ifMatch })
    await setStage(auth, stage)
  })
  return readBack(db, actor, id)
}

export async function extendEngagement(db: Db, actor: Actor, id: string, ifMatch?: string) {
  await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'engagement.extend', { id, ifMatch })
    await recordExtension(auth, auth.facts.side)
    if (auth.facts.side === 'ambassador' && !auth.facts.proposed) {
      await notifyPrincipals(auth, [auth.facts.engagement.managerRef], { kind: 'extension_proposed', subjectType: 'engagement', subjectId: id })
    }
  })
  return readBack(db, actor, id)
}

export async function closeEngagementAs(db: Db, actor: Actor, id: string, outcome: EngagementOutcome, ifMatch?: string) {
  await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'engagement.close', { id, ifMatch })
    await closeEngagement(auth, outcome, randomBytes(24).toString('base64url'))
    await offerSlotsFreedBy(auth, auth.facts.engagement.ambassadorId) // #16: the slot freed goes to the waitlist
    // #14 item 4: the manager is told, and invited to the survey (the token itself only on their
    // view of the engagement, ENG-8); a reminder follows after 7 days if it is unspent (src/jobs).
    await notifyPrincipals(auth, [auth.facts.engagement.managerRef], {
      kind: 'engagement_closed', subjectType: 'engagement', subjectId: id,
      data: { surveyInvitation: true, surveyDays: SURVEY_TOKEN_DAYS },
    })
  })
  return readBack(db, actor, id)
}

export async function requireTransfer(db: Db, actor: Actor, id: string, ifMatch?: string) {
  await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'engagement.require-transfer', { id, ifMatch })
    await markTransferRequired(auth, 'outside_competence')
    await offerSlotsFreedBy(auth, auth.facts.engagement.ambassadorId) // #16: the slot freed goes to the waitlist
    await notifyPrincipals(auth, [auth.facts.engagement.managerRef], { kind: 'transfer_required', subjectType: 'engagement', subjectId: id })
  })
  return released(db, id)
}

export async function transferTo(db: Db, actor: Actor, id: string, ambassadorId: string, carryOver: boolean, ifMatch?: string) {
  const newId = await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'engagement.transfer', { id, ambassadorId, ifMatch })
    const created = await transferEngagement(auth, carryOver)
    await assertCapacity(trx, auth.facts.ambassador.id)
    await notifyPrincipals(auth, [auth.facts.ambassador.employeeRef], { kind: 'engagement_requested', subjectType: 'engagement', subjectId: created.id, data: { transferred: true } })
    return created.id
  })
  return readBack(db, actor, newId)
}
