// Referrals (ENG-7, Annex H): the assigned Ambassador refers to a resource of the catalogue and
// follows up (default 14 days); the manager reads them. Overdue follow-ups are Ambassador tasks.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import { Type, type Static } from 'typebox'
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { AppError, NotFound, PolicyDenied } from '../../errors/app-error.ts'
import { actingAmbassadorId, type Actor } from '../../policy/actor.ts'
import { authorize, recordCreated, type Authorized } from '../../policy/authorize.ts'
import { definePolicy } from '../../policy/define.ts'
import { Id, IdParamsSchema, Page, PageQuerySchema, StringEnum, Timestamp, problems } from '../../shared/schemas.ts'
import { checkIfMatch, etagOf } from '../../shared/etag.ts'
import { requireRoom } from '../../shared/caps.ts'
import { afterOf, afterWhere, limitOf, pageOf, sortKeyOf, type PageQuery } from '../../shared/pagination.ts'
import { requireParticipant } from './repository.ts'
import { lockAsParticipant, requireRunning } from './policy.ts'

export const FOLLOW_UP_DAYS = 14
const FOR_WHOM = ['employee_situation', 'manager_self_care'] as const

const CreateReferralBodySchema = Type.Object({
  resourceId: Id,
  forWhom: StringEnum(FOR_WHOM),
  followUpDueAt: Type.Optional(Type.String({ format: 'date-time', description: `Default: ${FOLLOW_UP_DAYS} days from now` })),
}, { additionalProperties: false })
const UpdateReferralBodySchema = Type.Object({
  followedUpAt: Type.Optional(Type.String({ format: 'date-time' })),
  helpful: Type.Optional(Type.Boolean()),
  followUpDueAt: Type.Optional(Type.String({ format: 'date-time' })),
}, { additionalProperties: false, minProperties: 1 })
type CreateReferralBody = Static<typeof CreateReferralBodySchema>
type UpdateReferralBody = Static<typeof UpdateReferralBodySchema>

export const ReferralSchema = Type.Object({
  id: Id, engagementId: Id, resourceId: Id, forWhom: StringEnum(FOR_WHOM), followUpDueAt: Timestamp,
  followedUpAt: Type.Union([Timestamp, Type.Null()]), helpful: Type.Union([Type.Boolean(), Type.Null()]), createdAt: Timestamp,
  version: Type.Integer({ description: 'Bumped on every change (the ETag)' }),
}, { additionalProperties: false })
const ReferralParamsSchema = Type.Object({ id: Id, referralId: Id }, { additionalProperties: false })
const columns = ['id', 'engagementId', 'resourceId', 'forWhom', 'followUpDueAt', 'followedUpAt', 'helpful', 'createdAt', 'version'] as const

function checkDate(iso: string | undefined, path: string, opts: { future?: boolean; past?: boolean }) {
  if (iso === undefined) return
  const t = Date.parse(iso)
  const now = Date.now()
  const year = 366 * 86400_000
  const ok = Number.isFinite(t) && Math.abs(t - now) <= year && (!opts.future || t > now - 60_000) && (!opts.past || t <= now + 60_000)
  if (!ok) throw new AppError('validation-failed', { en: 'The date is out of range.', fr: 'La date est hors limites.' }, { errors: [{ path, message: opts.future ? 'must be in the next year' : 'must be in the past year' }] })
}

const ambassadorOnly = () => new PolicyDenied('forbidden', { en: 'Referrals are made and followed up by the assigned Ambassador.', fr: 'Les aiguillages sont faits et suivis par l’ambassadeur assigné.' })

export const referralPolicies = {
  'referral.create': definePolicy({
    summary: 'The assigned Ambassador refers the manager to a resource of the catalogue (ENG-7).',
    auditAs: 'ambassador',
    async check(trx, actor, target: { engagementId: string; resourceId: string }) {
      const { engagement, side } = await lockAsParticipant(trx, actor, target.engagementId)
      if (side !== 'ambassador') throw ambassadorOnly()
      requireRunning(engagement)
      const resource = await sql<{ id: string }>`SELECT id FROM resources WHERE id = ${target.resourceId}`.execute(trx)
      if (!resource.rows.length) {
        throw new PolicyDenied('rule-violated', { en: 'Refer to a resource of the catalogue (GET /v1/resources).', fr: 'Aiguillez vers une ressource du catalogue (GET /v1/resources).' }, { errors: [{ path: '/body/resourceId', message: 'unknown resource' }] })
      }
      await requireRoom(trx, engagement.id, 'openReferrals', 'referrals')
      return { engagement }
    },
  }),
  'referral.update': definePolicy({
    summary: 'The assigned Ambassador records the follow-up and whether it helped (ENG-7).',
    auditAs: 'participant',
    async check(trx, actor, target: { engagementId: string; referralId: string; ifMatch?: string }) {
      const { engagement, side } = await lockAsParticipant(trx, actor, target.engagementId)
      if (side !== 'ambassador') throw ambassadorOnly()
      if (!['accepted', 'active', 'closed'].includes(engagement.status)) requireRunning(engagement)
      const referral = await trx.selectFrom('referrals').select(['id', 'version']).where('id', '=', target.referralId).where('engagementId', '=', engagement.id).forUpdate().executeTakeFirst()
      if (!referral) throw new NotFound()
      checkIfMatch(etagOf('referral', referral.version), target.ifMatch)
      return { engagement, referral }
    },
  }),
}

const insertReferral = async (auth: Authorized<'referral.create'>, body: CreateReferralBody) =>
  recordCreated(auth, await auth.trx.insertInto('referrals').values({
    engagementId: auth.facts.engagement.id, resourceId: body.resourceId, forWhom: body.forWhom,
    followUpDueAt: body.followUpDueAt ?? sql<Date>`now() + make_interval(days => ${FOLLOW_UP_DAYS})`,
  }).returning(columns).executeTakeFirstOrThrow())

const updateReferral = (auth: Authorized<'referral.update'>, body: UpdateReferralBody) =>
  auth.trx.updateTable('referrals').set({ ...body, updatedAt: sql`clock_timestamp()` }).where('id', '=', auth.facts.referral.id).returning(columns).executeTakeFirstOrThrow()

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

export const referralRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/:id/referrals', {
    config: { roles: ['manager'], action: 'referral.create', etag: { kind: 'referral', ifMatch: false } },
    schema: {
      operationId: 'createReferral', tags: ['engagements'], summary: 'The assigned Ambassador refers to a catalogue resource (ENG-7)',
      params: IdParamsSchema, body: CreateReferralBodySchema, response: { 201: ReferralSchema, ...problems('not-found', 'invalid-transition', 'rule-violated', 'limit-reached') },
    },
  }, async (req, reply) => reply.code(201).send(await createReferral(app.db, req.actor, req.params.id, req.body)))

  app.get('/:id/referrals', {
    config: { roles: ['manager'], audit: { action: 'referral.list', resourceType: 'referral' } },
    schema: {
      operationId: 'listReferrals', tags: ['engagements'], summary: 'The engagement’s referrals (manager and assigned Ambassador only)',
      params: IdParamsSchema, querystring: PageQuerySchema, response: { 200: Page(ReferralSchema), ...problems('not-found', 'invalid-cursor') },
    },
  }, async (req) => listReferrals(app.db, req.actor, req.params.id, req.query))

  app.get('/:id/referrals/:referralId', {
    config: { roles: ['manager'], audit: { action: 'referral.read', resourceType: 'referral', resourceParam: 'referralId' }, etag: 'referral' },
    schema: {
      operationId: 'getReferral', tags: ['engagements'], summary: 'One referral, with its ETag (manager and assigned Ambassador only)',
      params: ReferralParamsSchema, response: { 200: ReferralSchema, ...problems('not-found') },
    },
  }, async (req) => getReferral(app.db, req.actor, req.params.id, req.params.referralId))

  app.patch('/:id/referrals/:referralId', {
    config: { roles: ['manager'], action: 'referral.update', etag: 'referral' },
    schema: {
      operationId: 'updateReferral', tags: ['engagements'], summary: 'The assigned Ambassador records the follow-up (ENG-7)',
      params: ReferralParamsSchema, body: UpdateReferralBodySchema, response: { 200: ReferralSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req) => changeReferral(app.db, req.actor, req.params.id, req.params.referralId, req.body, req.headers['if-match']))
}
