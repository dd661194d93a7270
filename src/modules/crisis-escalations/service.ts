// Crisis escalations: one transaction per write (authorize, write, tell nmno).
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { AppError } from '../../errors/app-error.ts'
import { actingAmbassadorId, type Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { requireParticipant } from '../engagements/repository.ts'
import { notifyNmno } from '../notifications/repository.ts'
import { crisisTasksOf, insertCrisisEscalation, recordDebrief, listCrisisEscalations, markFollowedUp, toCrisisView } from './repository.ts'
import type { CreateCrisisEscalationBody, DebriefBody, FollowUpBody } from './schemas.ts'
import { afterOf, limitOf, pageOf, type PageQuery } from '../../shared/pagination.ts'

const YEAR = 366 * 86400_000

/** In the past year and not in the future (a minute of clock slack). */
function checkPast(iso: string | undefined, path: string) {
  if (iso === undefined) return
  const t = Date.parse(iso)
  const now = Date.now()
  if (!Number.isFinite(t) || t > now + 60_000 || t < now - YEAR) {
    throw new AppError('validation-failed', { en: 'The date is out of range.', fr: 'La date est hors limites.' }, { errors: [{ path, message: 'must be in the past year' }] })
  }
}

const dateOnly = (d: Date | string) => new Date(d).toISOString().slice(0, 10)

export function escalateCrisis(db: Db, actor: Actor, engagementId: string, body: CreateCrisisEscalationBody) {
  checkPast(body.occurredAt, '/body/occurredAt')
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'crisis-escalation.create', { engagementId, body })
    const row = await insertCrisisEscalation(auth, body)
    const { designatedContactRef, engagement } = auth.facts
    // CRS-2: the designated contact is told at once, de-identified (no manager, date only), and the
    // Ambassador's self-care debrief opens in the same inbox, for nmno to close with its decision
    // on offering a clinician (POST /v1/notifications/{id}/resolve {clinicianOffered}).
    await notifyNmno(auth, {
      kind: 'crisis_escalation', subjectType: 'crisis_escalation', subjectId: row.id, designatedContactRef,
      data: {
        engagementId, ambassadorId: engagement.ambassadorId, category: row.category, authoritiesContacted: row.authoritiesContacted,
        weaponsInvolved: row.weaponsInvolved, occurredOn: dateOnly(row.occurredAt),
      },
    })
    await notifyNmno(auth, {
      kind: 'crisis_debrief', subjectType: 'crisis_escalation', subjectId: row.id, designatedContactRef,
      data: { ambassadorId: engagement.ambassadorId, category: row.category, occurredOn: dateOnly(row.occurredAt) },
    })
    return toCrisisView(row, 'ambassador')
  })
}

export function followUpCrisis(db: Db, actor: Actor, engagementId: string, crisisEscalationId: string, body: FollowUpBody) {
  checkPast(body.followedUpAt, '/body/followedUpAt')
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'crisis-escalation.follow-up', { engagementId, crisisEscalationId })
    return toCrisisView(await markFollowedUp(auth, body.followedUpAt), 'ambassador')
  })
}

/** CRS-2: nmno records that the debrief happened and whether a clinician was offered; the Ambassador sees it. */
export function debriefCrisis(db: Db, actor: Actor, engagementId: string, crisisEscalationId: string, body: DebriefBody) {
  checkPast(`${body.debriefedOn}T00:00:00Z`, '/body/debriefedOn')
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'crisis-escalation.debrief', { engagementId, crisisEscalationId })
    const row = await recordDebrief(auth, body)
    return { id: row.id, debrief: { status: 'closed' as const, debriefedOn: body.debriefedOn, clinicianOffered: body.clinicianOffered } }
  })
}

/** Oldest first, a page at a time (#12 item 4). */
export async function crisisEscalationsOf(db: Db, actor: Actor, engagementId: string, q: PageQuery = {}) {
  const after = afterOf(q)
  const limit = limitOf(q)
  const ambassadorId = await actingAmbassadorId(db, actor)
  const e = await requireParticipant(db, actor, engagementId, ambassadorId)
  const side = actor.roles.has('manager') && e.managerRef === actor.sub ? 'manager' : 'ambassador'
  const { items, nextCursor } = pageOf(await listCrisisEscalations(db, engagementId, { after, limit: limit + 1 }), limit)
  return { items: items.map((r) => toCrisisView(r, side)), nextCursor }
}

/** For GET /v1/me/tasks. */
export async function crisisTasks(db: Db, ambassadorId: string) {
  return (await crisisTasksOf(db, ambassadorId)).map((t) => t.kind === 'crisis_follow_up'
    ? { kind: t.kind, subjectType: 'crisis_escalation', subjectId: t.id, urgent: true, dueAt: new Date(t.dueAt!).toISOString(), data: { engagementId: t.engagementId, action: 'follow up with the manager' } }
    : { kind: t.kind, subjectType: 'crisis_escalation', subjectId: t.id, urgent: false, dueAt: null, data: { engagementId: t.engagementId } })
}
