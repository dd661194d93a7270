// Meetings (ENG-5): two initial meetings; after the second held one, a further meeting needs an
// extension agreed by both sides (the Ambassador proposes, the manager agrees).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import { Type, type Static } from 'typebox'
import type { Db } from '../../db/database.ts'
import { inTransaction, type Trx } from '../../db/tx.ts'
import { AppError, NotFound, PolicyDenied } from '../../errors/app-error.ts'
import { actingAmbassadorId, type Actor } from '../../policy/actor.ts'
import { authorize, recordCreated, type Authorized } from '../../policy/authorize.ts'
import { definePolicy } from '../../policy/define.ts'
import { Id, IdParamsSchema, Page, PageQuerySchema, StringEnum, Timestamp, problems } from '../../shared/schemas.ts'
import { requireRoom } from '../../shared/caps.ts'
import { afterOf, afterWhere, limitOf, pageOf, sortKeyOf, type PageQuery } from '../../shared/pagination.ts'
import { MODES } from '../../shared/vocabularies.ts'
import { checkIfMatch, etagOf } from '../../shared/etag.ts'
import { requireParticipant } from './repository.ts'
import { lockAsParticipant, requireRunning } from './policy.ts'

export const INITIAL_MEETINGS = 2
/** Each agreed extension allows this many more held meetings. */
export const MEETINGS_PER_EXTENSION = 2

// ---- Schemas ----

const Duration = Type.Integer({ minimum: 15, maximum: 120, description: 'Minutes (15–120)' })
export const MeetingSchema = Type.Object({
  id: Id, engagementId: Id, scheduledAt: Timestamp, durationMinutes: Type.Integer(), mode: StringEnum(MODES),
  held: Type.Boolean(), cancelled: Type.Boolean(), version: Type.Integer({ description: 'Bumped on every change (the ETag)' }),
}, { additionalProperties: false })
const CreateMeetingBodySchema = Type.Object({ scheduledAt: Type.String({ format: 'date-time' }), durationMinutes: Duration, mode: StringEnum(MODES) }, { additionalProperties: false })
const UpdateMeetingBodySchema = Type.Object({
  scheduledAt: Type.Optional(Type.String({ format: 'date-time' })), durationMinutes: Type.Optional(Duration), mode: Type.Optional(StringEnum(MODES)),
  held: Type.Optional(Type.Literal(true, { description: 'The meeting took place' })), cancelled: Type.Optional(Type.Literal(true)),
}, { additionalProperties: false, minProperties: 1 })
type CreateMeetingBody = Static<typeof CreateMeetingBodySchema>
type UpdateMeetingBody = Static<typeof UpdateMeetingBodySchema>
const MeetingParamsSchema = Type.Object({ id: Id, meetingId: Id }, { additionalProperties: false })

// ---- SQL ----

const meetingColumns = ['id', 'engagementId', 'scheduledAt', 'durationMinutes', 'mode', 'held', 'cancelled', 'version'] as const

export async function heldCount(trx: Trx | Db, engagementId: string) {
  const r = await trx.selectFrom('meetings').select((eb) => eb.fn.countAll<number>().as('n')).where('engagementId', '=', engagementId).where('held', '=', true).executeTakeFirstOrThrow()
  return Number(r.n)
}

function checkWhen(iso: string, path: string) {
  const t = Date.parse(iso)
  const year = 366 * 86400_000
  if (!Number.isFinite(t) || Math.abs(t - Date.now()) > year) {
    throw new AppError('validation-failed', { en: 'The date must be within a year of today.', fr: 'La date doit se situer à moins d’un an d’aujourd’hui.' }, { errors: [{ path, message: 'out of range' }] })
  }
}

// ---- Policies ----

export const meetingPolicies = {
  'meeting.create': definePolicy({
    summary: 'The manager or the assigned Ambassador schedules a meeting; past the allowed number, an agreed extension is needed (ENG-5).',
    auditAs: 'participant',
    async check(trx, actor, target: { engagementId: string }) {
      const { engagement, side } = await lockAsParticipant(trx, actor, target.engagementId)
      requireRunning(engagement)
      const held = await heldCount(trx, engagement.id)
      const extensions = Number((await trx.selectFrom('engagements').select('extensions').where('id', '=', engagement.id).executeTakeFirstOrThrow()).extensions)
      const allowed = INITIAL_MEETINGS + MEETINGS_PER_EXTENSION * extensions
      if (held >= allowed) {
        throw new PolicyDenied('extension-required', {
          en: `${held} meetings were held: another needs an extension proposed by the Ambassador and agreed by the manager, or the engagement is closed.`,
          fr: `${held} rencontres ont eu lieu : une autre exige une prolongation proposée par l’ambassadeur et acceptée par le gestionnaire, sinon le jumelage est clos.`,
        }, { extensions: { held, allowed } })
      }
      await requireRoom(trx, engagement.id, 'scheduledMeetings', 'meetings')
      return { engagement, side }
    },
  }),
  'meeting.update': definePolicy({
    summary: 'Either side reschedules, cancels or records a meeting as held; the first held meeting makes the engagement active (ENG-3, ENG-5).',
    auditAs: 'participant',
    async check(trx, actor, target: { engagementId: string; meetingId: string; body: UpdateMeetingBody; ifMatch?: string }) {
      const { engagement, side } = await lockAsParticipant(trx, actor, target.engagementId)
      requireRunning(engagement)
      const meeting = await trx.selectFrom('meetings').select(meetingColumns).where('id', '=', target.meetingId).where('engagementId', '=', engagement.id).forUpdate().executeTakeFirst()
      if (!meeting) throw new NotFound()
      checkIfMatch(etagOf('meeting', meeting.version), target.ifMatch)
      if (meeting.held || meeting.cancelled) {
        throw new PolicyDenied('invalid-transition', { en: 'A held or cancelled meeting cannot change.', fr: 'Une rencontre tenue ou annulée ne peut plus changer.' })
      }
      const when = target.body.scheduledAt ? Date.parse(target.body.scheduledAt) : new Date(meeting.scheduledAt).getTime()
      if (target.body.held && when > Date.now() + 5 * 60_000) {
        throw new PolicyDenied('rule-violated', { en: 'A meeting cannot be recorded as held before it takes place.', fr: 'Une rencontre ne peut être consignée comme tenue avant d’avoir lieu.' })
      }
      if (target.body.held && target.body.cancelled) {
        throw new AppError('validation-failed', { en: 'A meeting is either held or cancelled.', fr: 'Une rencontre est soit tenue, soit annulée.' }, { errors: [{ path: '/body', message: 'held and cancelled together' }] })
      }
      return { engagement, side, meeting }
    },
  }),
}

// ---- Writes ----

const insertMeeting = async (auth: Authorized<'meeting.create'>, body: CreateMeetingBody) =>
  recordCreated(auth, await auth.trx.insertInto('meetings').values({ engagementId: auth.facts.engagement.id, scheduledAt: body.scheduledAt, durationMinutes: body.durationMinutes, mode: body.mode })
    .returning(meetingColumns).executeTakeFirstOrThrow())

async function updateMeeting(auth: Authorized<'meeting.update'>, body: UpdateMeetingBody) {
  const m = await auth.trx.updateTable('meetings').set({ ...body, updatedAt: sql`clock_timestamp()` })
    .where('id', '=', auth.facts.meeting.id).returning(meetingColumns).executeTakeFirstOrThrow()
  if (body.held && auth.facts.engagement.status === 'accepted') {
    await auth.trx.updateTable('engagements').set({ status: 'active' }).where('id', '=', auth.facts.engagement.id).execute()
  }
  return m
}

// ---- Service ----

export function scheduleMeeting(db: Db, actor: Actor, engagementId: string, body: CreateMeetingBody) {
  checkWhen(body.scheduledAt, '/body/scheduledAt')
  return inTransaction(db, async (trx) => insertMeeting(await authorize(trx, actor, 'meeting.create', { engagementId }), body))
}

export function changeMeeting(db: Db, actor: Actor, engagementId: string, meetingId: string, body: UpdateMeetingBody, ifMatch?: string) {
  if (body.scheduledAt) checkWhen(body.scheduledAt, '/body/scheduledAt')
  return inTransaction(db, async (trx) => updateMeeting(await authorize(trx, actor, 'meeting.update', { engagementId, meetingId, body, ifMatch }), body))
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

// ---- Routes ----

export const meetingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/:id/meetings', {
    config: { roles: ['manager'], action: 'meeting.create', etag: { kind: 'meeting', ifMatch: false } },
    schema: {
      operationId: 'scheduleMeeting', tags: ['engagements'], summary: 'Schedule a meeting (manager or assigned Ambassador; ENG-5)',
      params: IdParamsSchema, body: CreateMeetingBodySchema, response: { 201: MeetingSchema, ...problems('not-found', 'invalid-transition', 'extension-required', 'limit-reached') },
    },
  }, async (req, reply) => reply.code(201).send(await scheduleMeeting(app.db, req.actor, req.params.id, req.body)))

  app.get('/:id/meetings', {
    config: { roles: ['manager'], audit: { action: 'meeting.list', resourceType: 'meeting' } },
    schema: {
      operationId: 'listMeetings', tags: ['engagements'], summary: 'The engagement’s meetings (manager and assigned Ambassador only)',
      params: IdParamsSchema, querystring: PageQuerySchema, response: { 200: Page(MeetingSchema), ...problems('not-found', 'invalid-cursor') },
    },
  }, async (req) => listMeetings(app.db, req.actor, req.params.id, await actingAmbassadorId(app.db, req.actor), req.query))

  app.get('/:id/meetings/:meetingId', {
    config: { roles: ['manager'], audit: { action: 'meeting.read', resourceType: 'meeting', resourceParam: 'meetingId' }, etag: 'meeting' },
    schema: {
      operationId: 'getMeeting', tags: ['engagements'], summary: 'One meeting, with its ETag (manager and assigned Ambassador only)',
      params: MeetingParamsSchema, response: { 200: MeetingSchema, ...problems('not-found') },
    },
  }, async (req) => getMeeting(app.db, req.actor, req.params.id, req.params.meetingId, await actingAmbassadorId(app.db, req.actor)))

  app.patch('/:id/meetings/:meetingId', {
    config: { roles: ['manager'], action: 'meeting.update', etag: 'meeting' },
    schema: {
      operationId: 'updateMeeting', tags: ['engagements'], summary: 'Reschedule, cancel, or record a meeting as held (ENG-5)',
      params: MeetingParamsSchema, body: UpdateMeetingBodySchema, response: { 200: MeetingSchema, ...problems('not-found', 'invalid-transition', 'rule-violated') },
    },
  }, async (req) => changeMeeting(app.db, req.actor, req.params.id, req.params.meetingId, req.body, req.headers['if-match']))
}
