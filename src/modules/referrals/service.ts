// Referrals: authorize then write in one transaction; reads for the participants; overdue follow-ups are Ambassador tasks.
import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { AppError, NotFound } from '../../errors/app-error.ts'
import { actingAmbassadorId, type Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { afterOf, afterWhere, limitOf, pageOf, sortKeyOf, type PageQuery } from '../../shared/pagination.ts'
import { requireParticipant } from '../engagements/repository.ts'
import { columns, insertReferral, updateReferral } from './repository.ts'
import type { CreateReferralBody, UpdateReferralBody } from './schemas.ts'

function checkDate(iso: string | undefined, path: string, opts: { future?: boolean; past?: boolean }) {
  if (iso === undefined) return
  const t = Date.parse(iso)
  const now = Date.now()
  const year = 366 * 86400_000
  const ok = Number.isFinite(t) && Math.abs(t - now) <= year && (!opts.future || t > now - 60_000) && (!opts.past || t <= now + 60_000)
  if (!ok) throw new AppError('validation-failed', { en: 'The date is out of range.', fr: 'La date est hors limites.' }, { errors: [{ path, message: opts.future ? 'must be in the next year' : 'must be in the past year' }] })
}

export function createReferral(db: Db, actor: Actor, engagementId: string, body: CreateReferralBody) {
  checkDate(body.followUpDueAt, '/body/followUpDueAt', { future: true })
  return inTransaction(db, async (trx) => insertReferral(await authorize(trx, actor, 'referral.create', { engagementId, resourceId: body.resourceId }), body))
}

export function changeReferral(db: Db, actor: Actor, engagementId: string, referralId: string, body: UpdateReferralBody, ifMatch?: string) {
  checkDate(body.followedUpAt, '/body/followedUpAt', { past: true })
  checkDate(body.followUpDueAt, '/body/followUpDueAt', {})
  return inTransaction(db, async (trx) => updateReferral(await authorize(trx, actor, 'referral.update', { engagementId, referralId, ifMatch }), body))
}

/** Oldest first, a page at a time (#12 item 4). */
export async function listReferrals(db: Db, actor: Actor, engagementId: string, q: PageQuery = {}) {
  const after = afterOf(q)
  const limit = limitOf(q)
  await requireParticipant(db, actor, engagementId, await actingAmbassadorId(db, actor))
  let query = db.selectFrom('referrals').select([...columns, sortKeyOf('created_at').as('sortKey')]).where('engagementId', '=', engagementId)
  if (after) query = query.where(afterWhere('created_at', 'id', after))
  return pageOf(await query.orderBy('createdAt').orderBy('id').limit(limit + 1).execute(), limit)
}

/** One referral, for the participants only (its ETag: SPEC §4). */
export async function getReferral(db: Db, actor: Actor, engagementId: string, referralId: string) {
  await requireParticipant(db, actor, engagementId, await actingAmbassadorId(db, actor))
  const r = await db.selectFrom('referrals').select(columns).where('engagementId', '=', engagementId).where('id', '=', referralId).executeTakeFirst()
  if (!r) throw new NotFound()
  return r
}

/** The Ambassador's overdue follow-ups (tasks). */
export const overdueFollowUps = (db: Db, ambassadorId: string) =>
  db.selectFrom('referrals as r').innerJoin('engagements as e', 'e.id', 'r.engagementId')
    .select(['r.id', 'r.engagementId', 'r.followUpDueAt']).where('e.ambassadorId', '=', ambassadorId)
    .where('r.followedUpAt', 'is', null).where('r.followUpDueAt', '<', sql<Date>`now()`)
    .where('e.status', 'in', ['accepted', 'active', 'closed']).orderBy('r.followUpDueAt').limit(100).execute()
