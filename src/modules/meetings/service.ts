// Meetings: authorize, write, re-check ENG-5 in the same transaction; reads for the two participants only.
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { AppError, NotFound } from '../../errors/app-error.ts'
import type { Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { afterOf, afterWhere, limitOf, pageOf, sortKeyOf, type PageQuery } from '../../shared/pagination.ts'
import { requireParticipant } from '../engagements/repository.ts'
import { assertMeetingCount } from './policy.ts'
import type { CreateMeetingBody, UpdateMeetingBody } from './schemas.ts'
import { meetingColumns, insertMeeting, updateMeeting } from './repository.ts'

function checkWhen(iso: string, path: string) {
  const t = Date.parse(iso)
  const year = 366 * 86400_000
  if (!Number.isFinite(t) || Math.abs(t - Date.now()) > year) {
    throw new AppError('validation-failed', { en: 'The date must be within a year of today.', fr: 'La date doit se situer à moins d’un an d’aujourd’hui.' }, { errors: [{ path, message: 'out of range' }] })
  }
}

export function scheduleMeeting(db: Db, actor: Actor, engagementId: string, body: CreateMeetingBody) {
  checkWhen(body.scheduledAt, '/body/scheduledAt')
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'meeting.create', { engagementId })
    const meeting = await insertMeeting(auth, body)
    await assertMeetingCount(trx, auth.facts.engagement, 'booked')
    return meeting
  })
}

export function changeMeeting(db: Db, actor: Actor, engagementId: string, meetingId: string, body: UpdateMeetingBody, ifMatch?: string) {
  if (body.scheduledAt) checkWhen(body.scheduledAt, '/body/scheduledAt')
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'meeting.update', { engagementId, meetingId, body, ifMatch })
    const meeting = await updateMeeting(auth, body)
    await assertMeetingCount(trx, auth.facts.engagement, 'updated')
    return meeting
  })
}

/** Participants only: nmno does not see meetings (SPEC §2). In time order, a page at a time (#12 item 4). */
export async function listMeetings(db: Db, actor: Actor, engagementId: string, ambassadorId: string | undefined, q: PageQuery = {}) {
  const after = afterOf(q)
  const limit = limitOf(q)
  await requireParticipant(db, actor, engagementId, ambassadorId)
  let query = db.selectFrom('meetings').select([...meetingColumns, sortKeyOf('scheduled_at').as('sortKey')]).where('engagementId', '=', engagementId)
  if (after) query = query.where(afterWhere('scheduled_at', 'id', after))
  return pageOf(await query.orderBy('scheduledAt').orderBy('id').limit(limit + 1).execute(), limit)
}

/** One meeting, for the participants only (its ETag: SPEC §4). */
export async function getMeeting(db: Db, actor: Actor, engagementId: string, meetingId: string, ambassadorId: string | undefined) {
  await requireParticipant(db, actor, engagementId, ambassadorId)
  const m = await db.selectFrom('meetings').select(meetingColumns).where('engagementId', '=', engagementId).where('id', '=', meetingId).executeTakeFirst()
  if (!m) throw new NotFound()
  return m
}
