// SQL of meetings. Writes take the Authorized token and read their target from its facts.
import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { Trx } from '../../db/tx.ts'
import { recordCreated, type Authorized } from '../../policy/authorize.ts'
import type { CreateMeetingBody, UpdateMeetingBody } from './schemas.ts'

export const meetingColumns = ['id', 'engagementId', 'scheduledAt', 'durationMinutes', 'mode', 'held', 'cancelled', 'version'] as const

/** Held meetings, and meetings that count against ENG-5 (held or still to come: every one not cancelled). */
export async function meetingCounts(trx: Trx | Db, engagementId: string) {
  const r = await trx.selectFrom('meetings')
    .select((eb) => [eb.fn.countAll<number>().filterWhere('held', '=', true).as('held'), eb.fn.countAll<number>().filterWhere('cancelled', '=', false).as('booked')])
    .where('engagementId', '=', engagementId).executeTakeFirstOrThrow()
  return { held: Number(r.held), booked: Number(r.booked) }
}

export async function insertMeeting(auth: Authorized<'meeting.create'>, body: CreateMeetingBody) {
  const m = await auth.trx.insertInto('meetings').values({ engagementId: auth.facts.engagement.id, scheduledAt: body.scheduledAt, durationMinutes: body.durationMinutes, mode: body.mode })
    .returning(meetingColumns).executeTakeFirstOrThrow()
  return recordCreated(auth, m)
}

export async function updateMeeting(auth: Authorized<'meeting.update'>, body: UpdateMeetingBody) {
  const m = await auth.trx.updateTable('meetings').set({ ...body, updatedAt: sql`clock_timestamp()` })
    .where('id', '=', auth.facts.meeting.id).returning(meetingColumns).executeTakeFirstOrThrow()
  if (body.held && auth.facts.engagement.status === 'accepted') {
    await auth.trx.updateTable('engagements').set({ status: 'active' }).where('id', '=', auth.facts.engagement.id).execute()
  }
  return m
}
