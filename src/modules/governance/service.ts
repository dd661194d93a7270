// #15 items 1 and 2: the governance use cases, one transaction per write.
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { NotFound } from '../../errors/app-error.ts'
import { actingAmbassadorId, type Actor } from '../../policy/actor.ts'
import { authorize, recordCreated } from '../../policy/authorize.ts'
import { decodeCursor, encodeCursor } from '../../shared/cursor.ts'
import { afterOf, limitOf, pageOf, type PageQuery } from '../../shared/pagination.ts'
import { notifyPrincipals } from '../notifications/repository.ts'
import { shuffle } from '../surveys/repository.ts'
import {
  acknowledgementCounts, activeAmbassadorRefs, concludeReview, findRecommendation, findReview, insertProgress, insertRecommendation, insertReview,
  insertReviewMeeting, meetingsOf, pageCommentBatches, pageDecisions, pagePendingAcknowledgements, pageRecommendations, pageReviews, progressOf,
  publishedTo, recordAcknowledgement, releaseComments, transitionRecommendation,
} from './repository.ts'
import type { DECISION_KINDS } from './schemas.ts'
import type { CreateMeetingBody, CreateRecommendationBody, CreateReviewBody, RecommendationTransitionBody } from './schemas.ts'

type DecisionKind = (typeof DECISION_KINDS)[number]
type Q = Parameters<typeof findReview>[0]
type ReviewRow = NonNullable<Awaited<ReturnType<typeof findReview>>>
type MeetingRow = Awaited<ReturnType<typeof meetingsOf>>[number]
type RecommendationRow = NonNullable<Awaited<ReturnType<typeof findRecommendation>>>

const meetingView = (m: MeetingRow) => ({
  id: m.id, reviewId: m.reviewId, heldOn: m.heldOn, attendees: m.attendees, minutes: m.minutes, recordedBy: m.recordedBy, createdAt: m.createdAt,
})
const reviewView = (r: ReviewRow, meetings: MeetingRow[]) => ({
  id: r.id, title: r.title, scope: r.scope, period: { from: r.periodFrom, to: r.periodTo }, status: r.status, outcome: r.outcome,
  createdBy: r.createdBy, createdAt: r.createdAt, concludedBy: r.concludedBy, concludedAt: r.concludedAt,
  meetings: meetings.filter((m) => m.reviewId === r.id).map(meetingView), version: r.version,
})

async function reviewViews(db: Q, rows: ReviewRow[]) {
  const meetings = await meetingsOf(db, rows.map((r) => r.id))
  return rows.map((r) => reviewView(r, meetings))
}

export async function getReview(db: Q, id: string) {
  const r = await findReview(db, id)
  if (!r) throw new NotFound()
  return (await reviewViews(db, [r]))[0]
}

export async function listReviews(db: Db, q: PageQuery & { status?: 'open' | 'concluded' }) {
  const limit = limitOf(q)
  const rows = await pageReviews(db, { status: q.status, after: afterOf(q), limit: limit + 1 })
  const page = pageOf(rows, limit)
  return { items: await reviewViews(db, page.items), nextCursor: page.nextCursor }
}

export const createReview = (db: Db, actor: Actor, body: CreateReviewBody) => inTransaction(db, async (trx) => {
  const auth = await authorize(trx, actor, 'governance-review.create', body)
  const { id } = recordCreated(auth, await insertReview(auth, body))
  return getReview(trx, id)
})

export const addReviewMeeting = (db: Db, actor: Actor, id: string, body: CreateMeetingBody) => inTransaction(db, async (trx) => {
  const auth = await authorize(trx, actor, 'governance-review.add-meeting', { id, ...body })
  await insertReviewMeeting(auth, body)
  return getReview(trx, id)
})

export const concludeReviewWith = (db: Db, actor: Actor, id: string, outcome: string, ifMatch?: string) => inTransaction(db, async (trx) => {
  const auth = await authorize(trx, actor, 'governance-review.conclude', { id, outcome, ifMatch })
  await concludeReview(auth, outcome)
  return getReview(trx, id)
})

// ---- Recommendations ----

const addressedToAmbassadors = (r: { audience: string }) => r.audience !== 'nmno'

async function recommendationViews(db: Q, rows: RecommendationRow[]) {
  const ids = rows.map((r) => r.id)
  const [progress, acks] = await Promise.all([progressOf(db, ids), acknowledgementCounts(db, rows.filter(addressedToAmbassadors).map((r) => r.id))])
  return rows.map((r) => ({
    id: r.id, reviewId: r.reviewId, title: r.title, body: r.body, audience: r.audience, dueOn: r.dueOn, status: r.status, reason: r.reason,
    createdBy: r.createdBy, createdAt: r.createdAt, acceptedAt: r.acceptedAt, closedAt: r.closedAt,
    progress: progress.filter((p) => p.recommendationId === r.id).map((p) => ({ id: p.id, note: p.note, reportedBy: p.reportedBy, reportedAt: p.reportedAt })),
    acknowledgements: addressedToAmbassadors(r) && r.status !== 'open' ? acks.get(r.id) ?? { acknowledged: 0, pending: 0 } : null,
    version: r.version,
  }))
}

export async function getRecommendation(db: Q, id: string) {
  const r = await findRecommendation(db, id)
  if (!r) throw new NotFound()
  return (await recommendationViews(db, [r]))[0]
}

export async function listRecommendations(db: Db, q: PageQuery & { status?: string; audience?: string }) {
  const limit = limitOf(q)
  const rows = await pageRecommendations(db, { status: q.status, audience: q.audience, after: afterOf(q), limit: limit + 1 })
  const page = pageOf(rows, limit)
  return { items: await recommendationViews(db, page.items), nextCursor: page.nextCursor }
}

export const createRecommendation = (db: Db, actor: Actor, body: CreateRecommendationBody) => inTransaction(db, async (trx) => {
  const auth = await authorize(trx, actor, 'recommendation.create', body)
  const { id } = recordCreated(auth, await insertRecommendation(auth, body))
  return getRecommendation(trx, id)
})

/**
 * Governance's decision. Accepting one addressed to the Ambassadors publishes it: every active
 * Ambassador gets it in their inbox and an acknowledgement task (GET /v1/me/tasks), as a new version
 * of the Guidelines of Conduct is (AMB-10).
 */
export const decideRecommendation = (db: Db, actor: Actor, id: string, body: RecommendationTransitionBody, ifMatch?: string) => inTransaction(db, async (trx) => {
  const auth = await authorize(trx, actor, 'recommendation.transition', { id, ifMatch, ...body })
  await transitionRecommendation(auth, body.to, body.reason)
  if (body.to === 'accepted' && addressedToAmbassadors(auth.facts.recommendation)) {
    const refs = (await activeAmbassadorRefs(trx)).map((r) => r.employeeRef)
    await notifyPrincipals(auth, refs, { kind: 'governance_recommendation', subjectType: 'recommendation', subjectId: id, data: { title: auth.facts.recommendation.title } })
  }
  return getRecommendation(trx, id)
})

export const reportProgress = (db: Db, actor: Actor, id: string, note: string) => inTransaction(db, async (trx) => {
  const auth = await authorize(trx, actor, 'recommendation.report-progress', { id, note })
  await insertProgress(auth, note)
  return getRecommendation(trx, id)
})

export const acknowledgeRecommendation = (db: Db, actor: Actor, id: string) => inTransaction(db, async (trx) => {
  const auth = await authorize(trx, actor, 'recommendation.acknowledge', { id })
  await recordAcknowledgement(auth)
  const row = await trx.selectFrom('recommendationAcknowledgements').selectAll()
    .where('recommendationId', '=', auth.facts.recommendationId).where('ambassadorId', '=', auth.facts.ambassadorId).executeTakeFirstOrThrow()
  return row
})

export async function listPendingAcknowledgements(db: Db, id: string, q: PageQuery) {
  const r = await findRecommendation(db, id)
  if (!r) throw new NotFound()
  const limit = limitOf(q)
  const after = q.cursor ? (decodeCursor(q.cursor, ['string', 'uuid']) as [string, string]) : undefined
  // Not yet published (open) or not addressed to Ambassadors: nobody owes an acknowledgement.
  if (!addressedToAmbassadors(r) || r.status === 'open') return { items: [], nextCursor: null }
  const rows = await pagePendingAcknowledgements(db, id, { after, limit: limit + 1 })
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.displayName, last.ambassadorId]) : null }
}

/** The recommendations published to the calling Ambassador (404 for anyone else). */
export async function listPublished(db: Db, actor: Actor) {
  const ambassadorId = await actingAmbassadorId(db, actor)
  if (!ambassadorId) throw new NotFound()
  return { items: await publishedTo(db, ambassadorId), nextCursor: null }
}

/** Acknowledgement tasks of an Ambassador (GET /v1/me/tasks). */
export async function acknowledgementTasks(db: Q, ambassadorId: string) {
  const rows = await publishedTo(db, ambassadorId)
  return rows.filter((r) => r.acknowledgedAt === null).map((r) => ({
    kind: 'acknowledge_recommendation', subjectType: 'recommendation', subjectId: r.id, urgent: false,
    dueAt: r.dueOn ? `${r.dueOn}T00:00:00.000Z` : null, data: { title: r.title },
  }))
}

// ---- Decisions log ----

export async function listDecisions(db: Db, q: PageQuery & { kind?: string }) {
  const limit = limitOf(q)
  const after = q.cursor ? (decodeCursor(q.cursor, ['string', 'string']) as [string, string]) : undefined
  const rows = await pageDecisions(db, { kind: q.kind, after, limit: limit + 1 })
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return {
    items: items.map((d) => ({ decidedAt: d.decidedAt ?? '', kind: d.kind as DecisionKind, subjectId: d.subjectId, decision: d.decision ?? '', title: d.title, detail: d.detail })),
    nextCursor: rows.length > limit && last ? encodeCursor([last.sortKey, last.rowKey]) : null,
  }
}

// ---- Comments (#15 item 2) ----

export const releaseCommentBatch = (db: Db, actor: Actor, period: string, threshold: number) => inTransaction(db, async (trx) => {
  const auth = await authorize(trx, actor, 'survey-comments.release', { period, threshold })
  const b = await releaseComments(auth, shuffle([...auth.facts.passing]))
  return { id: b.id, period: b.period.slice(0, 7), releasedAt: b.releasedAt, withheld: b.withheld, comments: b.comments }
})

export async function listCommentBatches(db: Db, q: PageQuery) {
  const limit = limitOf(q)
  const rows = await pageCommentBatches(db, { after: afterOf(q), limit: limit + 1 })
  const page = pageOf(rows, limit)
  return { items: page.items.map((b) => ({ id: b.id, period: b.period.slice(0, 7), releasedAt: b.releasedAt, withheld: b.withheld, comments: b.comments })), nextCursor: page.nextCursor }
}
