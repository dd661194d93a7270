// SQL of referrals. Writes take the Authorized token and read their target from its facts.
import { sql } from 'kysely'
import { recordCreated, type Authorized } from '../../policy/authorize.ts'
import type { CreateReferralBody, UpdateReferralBody } from './schemas.ts'

export const FOLLOW_UP_DAYS = 14

export const columns = ['id', 'engagementId', 'resourceId', 'forWhom', 'followUpDueAt', 'followedUpAt', 'helpful', 'createdAt', 'version'] as const

export const insertReferral = async (auth: Authorized<'referral.create'>, body: CreateReferralBody) =>
  recordCreated(auth, await auth.trx.insertInto('referrals').values({
    engagementId: auth.facts.engagement.id, resourceId: body.resourceId, forWhom: body.forWhom,
    followUpDueAt: body.followUpDueAt ?? sql<Date>`now() + make_interval(days => ${FOLLOW_UP_DAYS})`,
  }).returning(columns).executeTakeFirstOrThrow())

export const updateReferral = (auth: Authorized<'referral.update'>, body: UpdateReferralBody) =>
  auth.trx.updateTable('referrals').set({ ...body, updatedAt: sql`clock_timestamp()` }).where('id', '=', auth.facts.referral.id).returning(columns).executeTakeFirstOrThrow()
