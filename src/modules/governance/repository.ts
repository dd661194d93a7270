// All SQL of /v1/governance (#15 items 1 and 2). Writes take their Authorized token; reads are for
// governance and nmno (the routes' roles), except what an Ambassador reads of a recommendation
// published to them.
import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { Trx } from '../../db/tx.ts'
import { ACTIVE_IN_TERM } from '../../policy/actor.ts'
import type { Authorized } from '../../policy/authorize.ts'
import { afterWhere, sortKeyOf, type After } from '../../shared/pagination.ts'
import type { CreateMeetingBody, CreateRecommendationBody, CreateReviewBody } from './schemas.ts'

type Q = Db | Trx

// ---- Reviews ----

export const insertReview = (auth: Authorized<'governance-review.create'>, b: CreateReviewBody) =>
  auth.trx.insertInto('governanceReviews').values({
    title: b.title, scope: b.scope, periodFrom: b.period.from, periodTo: b.period.to, createdBy: auth.actor.sub,
  }).returning('id').executeTakeFirstOrThrow()

export const insertReviewMeeting = (auth: Authorized<'governance-review.add-meeting'>, b: CreateMeetingBody) =>
  auth.trx.insertInto('governanceReviewMeetings').values({
    reviewId: auth.facts.review.id, heldOn: b.heldOn, attendees: JSON.stringify(b.attendees), minutes: b.minutes, recordedBy: auth.actor.sub,
  }).returning('id').executeTakeFirstOrThrow()

export const concludeReview = (auth: Authorized<'governance-review.conclude'>, outcome: string) =>
  auth.trx.updateTable('governanceReviews').set({ status: 'concluded', outcome, concludedBy: auth.actor.sub, concludedAt: sql`now()` })
    .where('id', '=', auth.facts.review.id).execute()

export const findReview = (db: Q, id: string) =>
  db.selectFrom('governanceReviews').selectAll().where('id', '=', id).executeTakeFirst()

export const meetingsOf = (db: Q, reviewIds: string[]) => reviewIds.length === 0 ? Promise.resolve([]) :
  db.selectFrom('governanceReviewMeetings').selectAll().where('reviewId', 'in', reviewIds).orderBy('heldOn').orderBy('createdAt').orderBy('id').execute()

export function pageReviews(db: Db, f: { status?: string; after?: After; limit: number }) {
  let q = db.selectFrom('governanceReviews').selectAll().select(sortKeyOf('created_at').as('sortKey'))
  if (f.status) q = q.where('status', '=', f.status as 'open' | 'concluded')
  if (f.after) q = q.where(afterWhere('created_at', 'id', f.after))
  return q.orderBy('createdAt').orderBy('id').limit(f.limit).execute()
}

// ---- Recommendations ----

export const insertRecommendation = (auth: Authorized<'recommendation.create'>, b: CreateRecommendationBody) =>
  auth.trx.insertInto('governanceRecommendations').values({
    reviewId: b.reviewId ?? null, title: b.title, body: b.body, audience: b.audience, dueOn: b.dueOn ?? null, createdBy: auth.actor.sub,
  }).returning('id').executeTakeFirstOrThrow()

export async function transitionRecommendation(auth: Authorized<'recommendation.transition'>, to: 'accepted' | 'implemented' | 'rejected', reason?: string) {
  const id = auth.facts.recommendation.id
  const set = to === 'accepted'
    ? { status: to, acceptedBy: auth.actor.sub, acceptedAt: sql<Date>`now()` }
    : { status: to, reason: reason ?? null, closedBy: auth.actor.sub, closedAt: sql<Date>`now()` }
  await auth.trx.updateTable('governanceRecommendations').set(set).where('id', '=', id).execute()
}

export const insertProgress = (auth: Authorized<'recommendation.report-progress'>, note: string) =>
  auth.trx.insertInto('recommendationProgress').values({ recommendationId: auth.facts.recommendation.id, note, reportedBy: auth.actor.sub })
    .returning('id').executeTakeFirstOrThrow()

export const recordAcknowledgement = (auth: Authorized<'recommendation.acknowledge'>) =>
  auth.trx.insertInto('recommendationAcknowledgements').values({ recommendationId: auth.facts.recommendationId, ambassadorId: auth.facts.ambassadorId })
    .onConflict((oc) => oc.columns(['recommendationId', 'ambassadorId']).doNothing()).execute()

export const findRecommendation = (db: Q, id: string) =>
  db.selectFrom('governanceRecommendations').selectAll().where('id', '=', id).executeTakeFirst()

export const progressOf = (db: Q, ids: string[]) => ids.length === 0 ? Promise.resolve([]) :
  db.selectFrom('recommendationProgress').selectAll().where('recommendationId', 'in', ids).orderBy('reportedAt').orderBy('id').execute()

/** Per recommendation: active Ambassadors who acknowledged it, and who have not. */
export async function acknowledgementCounts(db: Q, ids: string[]) {
  if (ids.length === 0) return new Map<string, { acknowledged: number; pending: number }>()
  const r = await sql<{ id: string; acknowledged: number; pending: number }>`
    SELECT r.id,
      (SELECT count(*)::int FROM ambassadors a WHERE ambassador_in_term(a.status, a.term_end)
        AND EXISTS (SELECT 1 FROM recommendation_acknowledgements k WHERE k.recommendation_id = r.id AND k.ambassador_id = a.id)) AS acknowledged,
      (SELECT count(*)::int FROM ambassadors a WHERE ambassador_in_term(a.status, a.term_end)
        AND NOT EXISTS (SELECT 1 FROM recommendation_acknowledgements k WHERE k.recommendation_id = r.id AND k.ambassador_id = a.id)) AS pending
    FROM governance_recommendations r WHERE r.id = ANY(${ids}::uuid[])`.execute(db)
  return new Map(r.rows.map((x) => [x.id, { acknowledged: x.acknowledged, pending: x.pending }]))
}

export function pageRecommendations(db: Db, f: { status?: string; audience?: string; after?: After; limit: number }) {
  let q = db.selectFrom('governanceRecommendations').selectAll().select(sortKeyOf('created_at').as('sortKey'))
  if (f.status) q = q.where('status', '=', f.status as 'open')
  if (f.audience) q = q.where('audience', '=', f.audience as 'nmno')
  if (f.after) q = q.where(afterWhere('created_at', 'id', f.after))
  return q.orderBy('createdAt').orderBy('id').limit(f.limit).execute()
}

/** Active Ambassadors (employee refs) a recommendation is published to. */
export const activeAmbassadorRefs = (db: Q) =>
  db.selectFrom('ambassadors').select(['employeeRef']).where(ACTIVE_IN_TERM).orderBy('id').execute()

/** The active Ambassadors who have not acknowledged a recommendation: by name, then id. */
export function pagePendingAcknowledgements(db: Db, recommendationId: string, f: { after?: [string, string]; limit: number }) {
  let q = db.selectFrom('ambassadors as a').select(['a.id as ambassadorId', 'a.displayName'])
    .where(sql<boolean>`ambassador_in_term(a.status, a.term_end)`)
    .where(sql<boolean>`NOT EXISTS (SELECT 1 FROM recommendation_acknowledgements k WHERE k.ambassador_id = a.id AND k.recommendation_id = ${recommendationId})`)
  if (f.after) q = q.where(sql<boolean>`(a.display_name, a.id) > (${f.after[0]}, ${f.after[1]}::uuid)`)
  return q.orderBy('a.displayName').orderBy('a.id').limit(f.limit).execute()
}

/** What is published to Ambassadors (accepted or implemented, addressed to them), with this one's acknowledgement. */
export const publishedTo = (db: Q, ambassadorId: string) =>
  db.selectFrom('governanceRecommendations as r')
    .leftJoin('recommendationAcknowledgements as k', (j) => j.onRef('k.recommendationId', '=', 'r.id').on('k.ambassadorId', '=', ambassadorId))
    .select(['r.id', 'r.title', 'r.body', 'r.dueOn', 'r.status', 'r.createdAt', 'k.acknowledgedAt'])
    .where('r.audience', 'in', ['ambassadors', 'all']).where('r.status', 'in', ['accepted', 'implemented'])
    .orderBy('r.acceptedAt').orderBy('r.id').limit(200).execute()

// ---- Decisions log ----

export function pageDecisions(db: Db, f: { kind?: string; after?: [string, string]; limit: number }) {
  let q = db.selectFrom('governanceDecisions').selectAll().select(sortKeyOf('decided_at').as('sortKey'))
    .select(sql<string>`kind || ':' || coalesce(subject_id::text, title) || ':' || decision`.as('rowKey'))
  if (f.kind) q = q.where('kind', '=', f.kind)
  if (f.after) q = q.where(sql<boolean>`(decided_at, kind || ':' || coalesce(subject_id::text, title) || ':' || decision) > (${f.after[0]}::timestamptz, ${f.after[1]})`)
  return q.orderBy('decidedAt').orderBy(sql`kind || ':' || coalesce(subject_id::text, title) || ':' || decision`).limit(f.limit).execute()
}

// ---- Comments ----

export async function releaseComments(auth: Authorized<'survey-comments.release'>, shuffled: { audience: 'manager' | 'ambassador'; text: string }[]) {
  const { ids, period, withheld } = auth.facts
  await auth.trx.deleteFrom('surveyCommentsPending').where('id', 'in', ids).execute()
  return auth.trx.insertInto('surveyCommentBatches').values({ period: `${period}-01`, releasedBy: auth.actor.sub, withheld, comments: JSON.stringify(shuffled) })
    .returningAll().executeTakeFirstOrThrow()
}

export function pageCommentBatches(db: Db, f: { after?: After; limit: number }) {
  let q = db.selectFrom('surveyCommentBatches').selectAll().select(sortKeyOf('released_at').as('sortKey'))
  if (f.after) q = q.where(afterWhere('released_at', 'id', f.after))
  return q.orderBy('releasedAt').orderBy('id').limit(f.limit).execute()
}
