import type { Db } from '../../db/database.ts'
import { sql } from 'kysely'
import { actingAmbassadorId, type Actor } from '../../policy/actor.ts'
import { overdueFollowUps } from '../referrals/service.ts'
import { crisisTasks } from '../crisis-escalations/service.ts'
import { currentGuidelinesVersion, findLiveRecordOf } from '../ambassadors/repository.ts'
import { conflictBetween } from '../../policy/conflict-of-interest.ts'
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
export async function tasksFor(db: Db, actor: Actor): Promise<Task[]> {
  const tasks: Task[] = []
  if (actor.roles.has('manager')) {
    const row = await findLiveRecordOf(db, actor.sub)
    if (row?.effectiveStatus === 'oriented') {
      tasks.push({ kind: 'confirm_intention', subjectType: 'ambassador', subjectId: row.id, urgent: false, dueAt: null, data: {} })
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
    // Recommendations of governance published to the Ambassadors, not yet acknowledged (#15).
    tasks.push(...await acknowledgementTasks(db, ambassadorId))
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
