import type { Db } from '../../db/database.ts'
import type { Actor } from '../../policy/actor.ts'
import { currentGuidelinesVersion, findLiveRecordOf } from '../ambassadors/repository.ts'

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
  return tasks.sort((a, b) => Number(b.urgent) - Number(a.urgent))
}
