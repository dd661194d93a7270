// Routes for /v1/governance (#15): reviews and their meetings, recommendations, the decisions log,
// and the survey comments released to governance in batches.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Config } from '../../config.ts'
import { noStore } from '../../shared/http.ts'
import { IdParamsSchema, Page, PageQuerySchema, problems } from '../../shared/schemas.ts'
import {
  AcknowledgementSchema, CommentBatchSchema, ConcludeReviewBodySchema, CreateMeetingBodySchema, CreateRecommendationBodySchema, CreateReviewBodySchema,
  DecisionSchema, ListDecisionsQuerySchema, ListRecommendationsQuerySchema, ListReviewsQuerySchema, PendingAcknowledgementsSchema, ProgressBodySchema,
  PublishedRecommendationSchema, RecommendationSchema, RecommendationTransitionBodySchema, ReleaseCommentsBodySchema, ReviewSchema,
} from './schemas.ts'
import {
  acknowledgeRecommendation, addReviewMeeting, concludeReviewWith, createRecommendation, createReview, decideRecommendation, getRecommendation,
  getReview, listCommentBatches, listDecisions, listPendingAcknowledgements, listPublished, listRecommendations, listReviews, releaseCommentBatch,
  reportProgress,
} from './service.ts'

const STAFF = ['governance', 'nmno'] as const
const TEXT_WRITE = problems('not-found', 'identifying-text', 'invalid-transition', 'rule-violated', 'payload-too-large', 'unsupported-media-type')

const governance: FastifyPluginAsyncTypebox<{ config: Readonly<Config> }> = async (app, { config }) => {
  app.addHook('onSend', noStore)

  // ---- Reviews ----
  app.post('/reviews', {
    config: { location: true, roles: ['governance'], action: 'governance-review.create', etag: { kind: 'review', ifMatch: false } },
    schema: {
      description: 'Governance opens a review of the pilot over a period; meetings are added to it until it is concluded.',
      operationId: 'createGovernanceReview', tags: ['governance'], summary: 'Governance opens a review of the pilot over a period (governance structure, Ambassador role, competencies, guidelines, program)',
      body: CreateReviewBodySchema, response: { 201: ReviewSchema, ...problems('rule-violated', 'payload-too-large', 'unsupported-media-type') },
    },
  }, async (req, reply) => {
    const view = await createReview(app.db, req.actor, req.body)
    return reply.code(201).header('location', `/v1/governance/reviews/${view.id}`).send(view)
  })

  app.get('/reviews', {
    config: { roles: STAFF },
    schema: {
      description: 'One page of reviews, oldest first, with their meetings.',
      operationId: 'listGovernanceReviews', tags: ['governance'], summary: 'Reviews, oldest first, with their meetings (governance, nmno)',
      querystring: ListReviewsQuerySchema, response: { 200: Page(ReviewSchema), ...problems('invalid-cursor') },
    },
  }, async (req) => listReviews(app.db, req.query))

  app.get('/reviews/:id', {
    config: { roles: STAFF, etag: 'review' },
    schema: { description: 'One review with its meetings and ETag.', operationId: 'getGovernanceReview', tags: ['governance'], summary: 'One review with its meetings', params: IdParamsSchema, response: { 200: ReviewSchema, ...problems('not-found') } },
  }, async (req) => getReview(app.db, req.params.id))

  app.post('/reviews/:id/meetings', {
    config: { roles: ['governance'], action: 'governance-review.add-meeting' },
    schema: {
      description: 'Adds a meeting to an open review: its date, attendees by role and number (no names), and minutes that may not name an employee.',
      operationId: 'addGovernanceReviewMeeting', tags: ['governance'],
      summary: 'A meeting of an open review: date, attendees by role, minutes (no known employee reference: 422 identifying-text)',
      params: IdParamsSchema, body: CreateMeetingBodySchema, response: { 201: ReviewSchema, ...TEXT_WRITE },
    },
  }, async (req, reply) => reply.code(201).send(await addReviewMeeting(app.db, req.actor, req.params.id, req.body)))

  app.post('/reviews/:id/conclusion', {
    config: { roles: ['governance'], action: 'governance-review.conclude', etag: 'review' },
    schema: {
      description: 'Governance concludes a review with its outcome, which enters the decisions log.',
      operationId: 'concludeGovernanceReview', tags: ['governance'], summary: 'Governance concludes a review with its outcome (entered in the decisions log)',
      params: IdParamsSchema, body: ConcludeReviewBodySchema, response: { 200: ReviewSchema, ...TEXT_WRITE },
    },
  }, async (req) => concludeReviewWith(app.db, req.actor, req.params.id, req.body.outcome, req.headers['if-match']))

  // ---- Recommendations ----
  app.post('/recommendations', {
    config: { location: true, roles: ['governance'], action: 'recommendation.create', etag: { kind: 'recommendation', ifMatch: false } },
    schema: {
      description: 'Governance makes a recommendation to nmno, the Ambassadors or all; it stays open until governance accepts or rejects it.',
      operationId: 'createGovernanceRecommendation', tags: ['governance'],
      summary: 'Governance makes a recommendation to nmno, the Ambassadors or all (open until governance accepts or rejects it)',
      body: CreateRecommendationBodySchema, response: { 201: RecommendationSchema, ...TEXT_WRITE },
    },
  }, async (req, reply) => {
    const view = await createRecommendation(app.db, req.actor, req.body)
    return reply.code(201).header('location', `/v1/governance/recommendations/${view.id}`).send(view)
  })

  app.get('/recommendations', {
    config: { roles: STAFF },
    schema: {
      description: 'One page of recommendations, with their progress reports and acknowledgement counts.',
      operationId: 'listGovernanceRecommendations', tags: ['governance'], summary: 'Recommendations with their progress and acknowledgement counts (governance, nmno)',
      querystring: ListRecommendationsQuerySchema, response: { 200: Page(RecommendationSchema), ...problems('invalid-cursor') },
    },
  }, async (req) => listRecommendations(app.db, req.query))

  app.get('/recommendations/published', {
    config: { roles: ['manager'] },
    schema: {
      description: 'The recommendations published to the Ambassadors, each with whether the caller acknowledged it; for active Ambassadors only.',
      operationId: 'listPublishedRecommendations', tags: ['governance'], summary: 'The recommendations published to the Ambassadors, with the caller’s acknowledgement (active Ambassadors; 404 otherwise)',
      response: { 200: Page(PublishedRecommendationSchema), ...problems('not-found') },
    },
  }, async (req) => listPublished(app.db, req.actor))

  app.get('/recommendations/:id', {
    config: { roles: STAFF, etag: 'recommendation' },
    schema: { description: 'One recommendation with its progress and ETag.', operationId: 'getGovernanceRecommendation', tags: ['governance'], summary: 'One recommendation', params: IdParamsSchema, response: { 200: RecommendationSchema, ...problems('not-found') } },
  }, async (req) => getRecommendation(app.db, req.params.id))

  app.post('/recommendations/:id/transitions', {
    config: { roles: ['governance'], action: 'recommendation.transition', etag: 'recommendation' },
    schema: {
      description: 'Governance accepts, marks implemented or rejects (with a reason) a recommendation; accepting one addressed to the Ambassadors publishes it to them.',
      operationId: 'decideGovernanceRecommendation', tags: ['governance'],
      summary: 'Governance decides: open → accepted → implemented, or rejected {reason}; accepting one addressed to Ambassadors publishes it to every active Ambassador',
      params: IdParamsSchema, body: RecommendationTransitionBodySchema, response: { 200: RecommendationSchema, ...TEXT_WRITE },
    },
  }, async (req) => decideRecommendation(app.db, req.actor, req.params.id, req.body, req.headers['if-match']))

  app.post('/recommendations/:id/progress', {
    config: { roles: ['nmno'], action: 'recommendation.report-progress' },
    schema: {
      description: 'nmno reports progress on an accepted recommendation.',
      operationId: 'reportRecommendationProgress', tags: ['governance'], summary: 'nmno reports progress on an accepted recommendation',
      params: IdParamsSchema, body: ProgressBodySchema, response: { 201: RecommendationSchema, ...TEXT_WRITE },
    },
  }, async (req, reply) => reply.code(201).send(await reportProgress(app.db, req.actor, req.params.id, req.body.note)))

  app.post('/recommendations/:id/acknowledgement', {
    config: { roles: ['manager'], action: 'recommendation.acknowledge' },
    schema: {
      description: 'An active Ambassador acknowledges a recommendation published to them; acknowledging again gives the same answer.',
      operationId: 'acknowledgeGovernanceRecommendation', tags: ['governance'], summary: 'An active Ambassador acknowledges a recommendation published to the Ambassadors (once; again is the same answer)',
      params: IdParamsSchema, body: Type.Object({}, { additionalProperties: false }), response: { 200: AcknowledgementSchema, ...problems('not-found') },
    },
  }, async (req) => acknowledgeRecommendation(app.db, req.actor, req.params.id))

  app.get('/recommendations/:id/pending-acknowledgements', {
    config: { roles: ['nmno'] },
    schema: {
      description: 'One page of the active Ambassadors who have not acknowledged a published recommendation, for nmno to follow up.',
      operationId: 'listPendingRecommendationAcknowledgements', tags: ['governance'], summary: 'Active Ambassadors who have not acknowledged a published recommendation (nmno)',
      params: IdParamsSchema, querystring: PageQuerySchema, response: { 200: PendingAcknowledgementsSchema, ...problems('not-found', 'invalid-cursor') },
    },
  }, async (req) => listPendingAcknowledgements(app.db, req.params.id, req.query))

  // ---- Decisions log ----
  app.get('/decisions', {
    config: { roles: STAFF },
    schema: {
      description: 'The decisions log, in order: review outcomes, recommendation decisions, Guidelines versions and revocation decisions (case id and decision only).',
      operationId: 'listGovernanceDecisions', tags: ['governance'],
      summary: 'The decisions log, in order: review outcomes, recommendation decisions, Guidelines versions, revocation decisions (case id and decision only)',
      querystring: ListDecisionsQuerySchema, response: { 200: Page(DecisionSchema), ...problems('invalid-cursor') },
    },
  }, async (req) => listDecisions(app.db, req.query))

  // ---- Survey comments (#15 item 2) ----
  app.post('/comment-batches', {
    config: { roles: ['governance'], action: 'survey-comments.release' },
    schema: {
      description: 'Governance takes the survey comments held for one month, shuffled, once enough of them pass the text check; comments naming a known employee are withheld and counted.',
      operationId: 'releaseSurveyComments', tags: ['governance'],
      summary: 'Governance takes the survey comments held for a month, shuffled, once at least STATS_MIN_CELL of them pass the text check (409 too-few-comments otherwise); comments naming a known employee are withheld',
      body: ReleaseCommentsBodySchema, response: { 201: CommentBatchSchema, ...problems('too-few-comments') },
    },
  }, async (req, reply) => reply.code(201).send(await releaseCommentBatch(app.db, req.actor, req.body.period, config.statsMinCell)))

  app.get('/comment-batches', {
    config: { roles: ['governance'] },
    schema: {
      description: 'The survey comment batches already released to governance.',
      operationId: 'listSurveyCommentBatches', tags: ['governance'], summary: 'The comment batches released to governance (never to HR, never in statistics)',
      querystring: PageQuerySchema, response: { 200: Page(CommentBatchSchema), ...problems('invalid-cursor') },
    },
  }, async (req) => listCommentBatches(app.db, req.query))
}
export default governance
