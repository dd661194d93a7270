import type { Db } from '../../db/database.ts'
import { sql } from 'kysely'
import { actingAmbassadorId, type Actor } from '../../policy/actor.ts'
import { overdueFollowUps } from '../referrals/service.ts'
import { crisisTasks } from '../crisis-escalations/service.ts'
import { currentGuidelinesVersion, findLiveRecordOf } from '../ambassadors/repository.ts'
import { conflictBetween } from '../../policy/conflict-of-interest.ts'
import type { Config } from '../../config.ts'
import { dueGoalReviews } from '../goals/repository.ts'

/** #14 item 5: a term ending within this many days gives the Ambassador and nmno a renewal task. */
export const RENEWAL_NOTICE_DAYS = 60
import { acknowledgementTasks } from '../governance/service.ts'
import { overdueMilestoneTasks } from '../program/service.ts'

export interface Task {
  kind: string
  subjectType: string
  subjectId: string | null
  urgent: boolean
  dueAt: string | null
  data: Record<string, unknown>
}

export async function ownApplication(db: Db, actor: Actor) {
  if (!actor.roles.has('manager')) return null
  const row = await findLiveRecordOf(db, actor.sub)
  return row ? { id: row.id, status: row.effectiveStatus } : null
}

/** The caller's to-do list, urgent first. Each source of tasks adds its own. */
export async function tasksFor(db: Db, actor: Actor, config: Pick<Config, 'ambassadorHoursPerMonth'>): Promise<Task[]> {
  const tasks: Task[] = []
  if (actor.roles.has('nmno')) tasks.push(...await officeTasks(db, config))
  if (actor.roles.has('manager')) {
    const row = await findLiveRecordOf(db, actor.sub)
    if (row?.effectiveStatus === 'oriented') {
      tasks.push({ kind: 'confirm_intention', subjectType: 'ambassador', subjectId: row.id, urgent: false, dueAt: null, data: {} })
    }
    // #16: a slot offered on the manager's waitlist entry, until the offer runs out.
    const offer = await db.selectFrom('waitlistEntries').select(['id', 'urgency', 'offerExpiresAt']).where('managerRef', '=', actor.sub)
      .where('status', '=', 'offered').where('offerExpiresAt', '>', sql<Date>`now()`).executeTakeFirst()
    if (offer?.offerExpiresAt) {
      tasks.push({ kind: 'waitlist_offer', subjectType: 'waitlist', subjectId: offer.id, urgent: offer.urgency === 'urgent', dueAt: new Date(offer.offerExpiresAt).toISOString(), data: {} })
    }
    if (row?.effectiveStatus === 'active') {
      const current = await currentGuidelinesVersion(db)
      if ((row.guidelinesVersion ?? 0) < current) {
        tasks.push({ kind: 'accept_guidelines', subjectType: 'conduct_guidelines', subjectId: null, urgent: false, dueAt: null, data: { version: current, acceptedVersion: row.guidelinesVersion } })
      }
    }
  }
  const ambassadorId = await actingAmbassadorId(db, actor)
  if (ambassadorId) {
    // Requests waiting for an answer (urgent ones surface first, CRS-1), then overdue follow-ups (ENG-7).
    const pending = await db.selectFrom('engagements').select(['id', 'urgency', 'expiresAt']).where('ambassadorId', '=', ambassadorId)
      .where('status', '=', 'requested').where(sql<boolean>`NOT request_overdue(status, expires_at)`).orderBy('expiresAt').limit(100).execute()
    for (const p of pending) {
      tasks.push({ kind: 'answer_request', subjectType: 'engagement', subjectId: p.id, urgent: p.urgency === 'urgent', dueAt: new Date(p.expiresAt).toISOString(), data: {} })
    }
    for (const f of await overdueFollowUps(db, ambassadorId)) {
      tasks.push({ kind: 'follow_up_referral', subjectType: 'referral', subjectId: f.id, urgent: false, dueAt: new Date(f.followUpDueAt).toISOString(), data: { engagementId: f.engagementId } })
    }
    // After a crisis: follow up with the manager (urgent), and the self-care debrief until nmno closes it (CRS-2).
    tasks.push(...await crisisTasks(db, ambassadorId))
    tasks.push(...await conflictReviews(db, ambassadorId))
    tasks.push(...await careTasks(db, ambassadorId, config))
    // Recommendations of governance published to the Ambassadors, not yet acknowledged (#15).
    tasks.push(...await acknowledgementTasks(db, ambassadorId))
  }
  // Annex G: goals are reviewed; a due review is both participants' task.
  const reviews = await dueGoalReviews(db, { managerRef: actor.roles.has('manager') ? actor.sub : undefined, ambassadorId })
  for (const g of reviews) {
    tasks.push({ kind: 'goal_review', subjectType: 'goal', subjectId: g.id, urgent: false, dueAt: `${g.reviewOn}T00:00:00.000Z`, data: { engagementId: g.engagementId } })
  }
  // Governance: the pilot's overdue milestones (#15).
  if (actor.roles.has('governance')) tasks.push(...await overdueMilestoneTasks(db))
  // Stable: urgent first, then by due date.
  return tasks.sort((a, b) => Number(b.urgent) - Number(a.urgent) || String(a.dueAt ?? '~').localeCompare(String(b.dueAt ?? '~')))
}

/**
 * COI-4: an open engagement of this Ambassador whose pair is now in conflict (an nmno declaration,
 * a reporting-lines import) did not move by itself; its Ambassador, who already knows the manager,
 * is asked here, privately and at query time, to decline it (still a request) or ask for a transfer.
 */
async function conflictReviews(db: Db, ambassadorId: string): Promise<Task[]> {
  const rows = await db.selectFrom('engagements as e').select(['e.id', 'e.status'])
    .where('e.ambassadorId', '=', ambassadorId)
    .where('e.status', 'in', ['requested', 'accepted', 'active'])
    .where(sql<boolean>`NOT request_overdue(e.status, e.expires_at)`)
    .where(conflictBetween(sql`e.ambassador_id`, sql`e.manager_ref`))
    .orderBy('e.requestedAt').limit(100).execute()
  return rows.map((r) => ({
    kind: 'conflict_review', subjectType: 'engagement', subjectId: r.id, urgent: false, dueAt: null,
    data: { next: r.status === 'requested' ? 'decline' : 'request_transfer' },
  }))
}

/** Minutes of M2M time (the Ambassador's reports) in the current month above which capacity is reviewed. */
const workloadLimitMinutes = (config: Pick<Config, 'ambassadorHoursPerMonth'>) => config.ambassadorHoursPerMonth * 60

/** An Ambassador over the monthly hours (SQL: one row per Ambassador this month). */
const overWorkload = (minutes: number) => sql`SELECT r.ambassador_id, sum(r.duration_minutes)::int AS minutes FROM reports r
  WHERE r.occurred_on >= date_trunc('month', current_date)::date GROUP BY r.ambassador_id HAVING sum(r.duration_minutes) > ${minutes}`

/**
 * Active, in-term Ambassadors, serving for 12 months or more, without a professional-development
 * session attended in the last 12 months (a new Ambassador has a year to attend one).
 */
const PD_OVERDUE = sql`SELECT a.id FROM ambassadors a WHERE ambassador_in_term(a.status, a.term_end)
  AND a.term_start <= now() - interval '12 months'
  AND NOT EXISTS (SELECT 1 FROM training_records tr WHERE tr.ambassador_id = a.id AND tr.kind = 'pd_session' AND tr.attended
    AND tr.held_on > (current_date - interval '12 months'))`

/** Active, in-term Ambassadors whose term ends within the notice (AMB-5). */
const RENEWAL_DUE = sql`SELECT a.id, a.term_end FROM ambassadors a WHERE ambassador_in_term(a.status, a.term_end)
  AND a.term_end <= now() + make_interval(days => ${RENEWAL_NOTICE_DAYS})`

/** #14 item 5: the care of the Ambassador themself: workload, professional development, renewal. */
async function careTasks(db: Db, ambassadorId: string, config: Pick<Config, 'ambassadorHoursPerMonth'>): Promise<Task[]> {
  const tasks: Task[] = []
  const limit = workloadLimitMinutes(config)
  const r = await sql<{ minutes: number | null; pdOverdue: boolean; termEnd: Date | null }>`SELECT
      (SELECT w.minutes FROM (${overWorkload(limit)}) w WHERE w.ambassador_id = ${ambassadorId}) AS minutes,
      EXISTS (SELECT 1 FROM (${PD_OVERDUE}) p WHERE p.id = ${ambassadorId}) AS pd_overdue,
      (SELECT d.term_end FROM (${RENEWAL_DUE}) d WHERE d.id = ${ambassadorId}) AS term_end`.execute(db)
  const row = r.rows[0]
  if (row.minutes !== null) {
    tasks.push({ kind: 'workload_review', subjectType: 'ambassador', subjectId: ambassadorId, urgent: false, dueAt: null,
      data: { minutesThisMonth: row.minutes, limitMinutes: limit, action: 'review your capacity: M2M activities must not impede your regular duties' } })
  }
  if (row.pdOverdue) tasks.push({ kind: 'professional_development', subjectType: 'ambassador', subjectId: ambassadorId, urgent: false, dueAt: null, data: { withinMonths: 12 } })
  if (row.termEnd) tasks.push({ kind: 'renewal', subjectType: 'ambassador', subjectId: ambassadorId, urgent: false, dueAt: new Date(row.termEnd).toISOString(), data: {} })
  return tasks
}

/**
 * The office's list (#14 item 5): who asked to be contacted after a self-care check-in (naming the
 * designated contact), active Ambassadors without professional development in 12 months, terms
 * ending within 60 days, and how many Ambassadors are over their monthly hours (a count only).
 */
async function officeTasks(db: Db, config: Pick<Config, 'ambassadorHoursPerMonth'>): Promise<Task[]> {
  const tasks: Task[] = []
  const contacts = await db.selectFrom('notifications').select(['id', 'subjectId', 'designatedContactRef', 'createdAt'])
    .where('audience', '=', 'nmno').where('kind', '=', 'self_care_contact').where('resolvedAt', 'is', null)
    .orderBy('createdAt').limit(100).execute()
  for (const c of contacts) {
    tasks.push({ kind: 'self_care_contact', subjectType: 'ambassador', subjectId: c.subjectId, urgent: false, dueAt: null,
      data: { notificationId: c.id, designatedContactRef: c.designatedContactRef, requestedOn: new Date(c.createdAt).toISOString().slice(0, 10) } })
  }
  const pd = await sql<{ id: string; designatedContactRef: string | null }>`SELECT p.id, a.designated_contact_ref FROM (${PD_OVERDUE}) p
    JOIN ambassadors a ON a.id = p.id ORDER BY p.id LIMIT 200`.execute(db)
  for (const a of pd.rows) tasks.push({ kind: 'professional_development', subjectType: 'ambassador', subjectId: a.id, urgent: false, dueAt: null, data: { designatedContactRef: a.designatedContactRef } })
  const renewals = await sql<{ id: string; termEnd: Date }>`SELECT d.id, d.term_end FROM (${RENEWAL_DUE}) d ORDER BY d.term_end, d.id LIMIT 200`.execute(db)
  for (const a of renewals.rows) tasks.push({ kind: 'renewal', subjectType: 'ambassador', subjectId: a.id, urgent: false, dueAt: new Date(a.termEnd).toISOString(), data: {} })
  const over = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (${overWorkload(workloadLimitMinutes(config))}) w`.execute(db)
  if (over.rows[0].n > 0) tasks.push({ kind: 'workload_reviews', subjectType: 'ambassadors', subjectId: null, urgent: false, dueAt: null, data: { ambassadorsOverMonthlyHours: over.rows[0].n } })
  return tasks
}
