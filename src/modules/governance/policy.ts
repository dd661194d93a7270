// #15 item 1: who writes what in /v1/governance. Governance writes reviews, their meetings and
// outcomes, and recommendations, and decides them (accepted → implemented, or rejected); nmno reports
// progress; an active Ambassador acknowledges a recommendation addressed to them. Free text written
// here (minutes, outcomes, recommendations, progress notes) follows REV-1's rule: no known employee
// reference. Comments from the surveys are released to governance in batches of at least the
// statistics' threshold (#15 item 2).
import { sql } from 'kysely'
import type { Trx } from '../../db/tx.ts'
import { NotFound, PolicyDenied, forbidden } from '../../errors/app-error.ts'
import { ACTIVE_IN_TERM, hasRole } from '../../policy/actor.ts'
import { definePolicy } from '../../policy/define.ts'
import { checkIfMatch, etagOf } from '../../shared/etag.ts'
import { identifyingToken } from '../revocation-cases/repository.ts'
import { openServer } from '../../shared/crypto.ts'
import { COMMENT_PURPOSE } from '../surveys/repository.ts'
import type { CreateMeetingBody, CreateRecommendationBody, CreateReviewBody, RecommendationTransitionBody } from './schemas.ts'

/** REV-1's rule on every free text of governance: no known employee reference. */
export async function refuseIdentifyingText(trx: Trx, field: string, text: string) {
  if (await identifyingToken(trx, text, '')) {
    throw new PolicyDenied('identifying-text', {
      en: `The ${field} names an employee. Describe the facts without identifying managers or other employees.`,
      fr: `Le champ ${field} nomme un employé. Décrivez les faits sans identifier de gestionnaire ni d’autre employé.`,
    }, { extensions: { field } })
  }
}

const invalidTransition = (en: string, fr: string, extensions: Record<string, unknown>) => new PolicyDenied('invalid-transition', { en, fr }, { extensions })

export const lockReview = (trx: Trx, id: string) =>
  trx.selectFrom('governanceReviews').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
export const lockRecommendation = (trx: Trx, id: string) =>
  trx.selectFrom('governanceRecommendations').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()

/** open → accepted → implemented; open | accepted → rejected. */
const NEXT: Record<string, readonly string[]> = { open: ['accepted', 'rejected'], accepted: ['implemented', 'rejected'], implemented: [], rejected: [] }

export const governancePolicies = {
  'governance-review.create': definePolicy({
    summary: 'Governance opens a review of the pilot (governance structure, Ambassador role, competencies, guidelines, program).',
    auditAs: 'staff',
    async check(_trx, actor, target: CreateReviewBody) {
      if (!hasRole(actor, 'governance')) throw forbidden()
      if (target.period.from > target.period.to) {
        throw new PolicyDenied('rule-violated', { en: 'The period ends before it starts.', fr: 'La période se termine avant de commencer.' })
      }
      return {}
    },
  }),

  'governance-review.add-meeting': definePolicy({
    summary: 'Governance records a meeting of an open review: date, attendees by role, minutes without any known employee reference.',
    auditAs: 'staff',
    async check(trx, actor, target: { id: string } & CreateMeetingBody) {
      if (!hasRole(actor, 'governance')) throw forbidden()
      const review = await lockReview(trx, target.id)
      if (!review) throw new NotFound()
      if (review.status !== 'open') throw invalidTransition('The review is concluded.', 'L’examen est conclu.', { from: review.status })
      await refuseIdentifyingText(trx, 'minutes', target.minutes)
      return { review }
    },
  }),

  'governance-review.conclude': definePolicy({
    summary: 'Governance concludes a review with its outcome, entered in the decisions log.',
    auditAs: 'staff',
    async check(trx, actor, target: { id: string; outcome: string; ifMatch?: string }) {
      if (!hasRole(actor, 'governance')) throw forbidden()
      const review = await lockReview(trx, target.id)
      if (!review) throw new NotFound()
      checkIfMatch(etagOf('review', review.version), target.ifMatch)
      if (review.status !== 'open') throw invalidTransition('The review is already concluded.', 'L’examen est déjà conclu.', { from: review.status, to: 'concluded' })
      await refuseIdentifyingText(trx, 'outcome', target.outcome)
      return { review }
    },
  }),

  'recommendation.create': definePolicy({
    summary: 'Governance makes a recommendation (to nmno, the Ambassadors or all), optionally from a review.',
    auditAs: 'staff',
    async check(trx, actor, target: CreateRecommendationBody) {
      if (!hasRole(actor, 'governance')) throw forbidden()
      if (target.reviewId !== undefined) {
        const review = await trx.selectFrom('governanceReviews').select('id').where('id', '=', target.reviewId).forShare().executeTakeFirst()
        if (!review) throw new NotFound()
      }
      await refuseIdentifyingText(trx, 'title', target.title)
      await refuseIdentifyingText(trx, 'body', target.body)
      return {}
    },
  }),

  'recommendation.transition': definePolicy({
    summary: 'Governance decides a recommendation: open → accepted → implemented, or rejected with a reason; an accepted one addressed to Ambassadors is published to every active Ambassador.',
    auditAs: 'staff',
    async check(trx, actor, target: { id: string; ifMatch?: string } & RecommendationTransitionBody) {
      if (!hasRole(actor, 'governance')) throw forbidden()
      const rec = await lockRecommendation(trx, target.id)
      if (!rec) throw new NotFound()
      checkIfMatch(etagOf('recommendation', rec.version), target.ifMatch)
      if (!NEXT[rec.status].includes(target.to)) {
        throw invalidTransition(`A recommendation cannot go from ${rec.status} to ${target.to}.`, `Une recommandation ne peut passer de ${rec.status} à ${target.to}.`, { from: rec.status, to: target.to })
      }
      if ((target.to === 'rejected') !== (target.reason !== undefined)) {
        throw new PolicyDenied('rule-violated', {
          en: 'A reason is given when, and only when, a recommendation is rejected.',
          fr: 'Une raison est donnée lorsque, et seulement lorsque, une recommandation est rejetée.',
        })
      }
      if (target.reason !== undefined) await refuseIdentifyingText(trx, 'reason', target.reason)
      return { recommendation: rec }
    },
  }),

  'recommendation.report-progress': definePolicy({
    summary: 'nmno reports progress on an accepted recommendation.',
    auditAs: 'staff',
    async check(trx, actor, target: { id: string; note: string }) {
      if (!hasRole(actor, 'nmno')) throw forbidden()
      const rec = await lockRecommendation(trx, target.id)
      if (!rec) throw new NotFound()
      if (rec.status !== 'accepted') {
        throw invalidTransition('Progress is reported on an accepted recommendation.', 'Les progrès se rapportent sur une recommandation acceptée.', { from: rec.status })
      }
      await refuseIdentifyingText(trx, 'note', target.note)
      return { recommendation: rec }
    },
  }),

  'recommendation.acknowledge': definePolicy({
    summary: 'An active Ambassador acknowledges a recommendation addressed to the Ambassadors (acting against one is a revocation ground).',
    auditAs: 'ambassador',
    async check(trx, actor, target: { id: string }) {
      if (!actor.roles.has('manager')) throw forbidden()
      const amb = await trx.selectFrom('ambassadors').select('id').where('employeeRef', '=', actor.sub).where(ACTIVE_IN_TERM).forShare().executeTakeFirst()
      const rec = await trx.selectFrom('governanceRecommendations').select(['id', 'status', 'audience']).where('id', '=', target.id).forShare().executeTakeFirst()
      // Only what is published to Ambassadors exists for them.
      if (!amb || !rec || rec.audience === 'nmno' || !['accepted', 'implemented'].includes(rec.status)) throw new NotFound()
      return { ambassadorId: amb.id, recommendationId: rec.id }
    },
  }),

  'survey-comments.release': definePolicy({
    summary: 'Governance takes the held survey comments of a month, once at least the statistics’ threshold of them pass the text check: shuffled, with no link to any answer.',
    auditAs: 'staff',
    async check(trx, actor, target: { period: string; threshold: number }) {
      if (!hasRole(actor, 'governance')) throw forbidden()
      const rows = await sql<{ id: string; audience: 'manager' | 'ambassador'; sealed: string }>`
        SELECT id, audience, sealed FROM survey_comments_pending WHERE period = ${`${target.period}-01`}::date FOR UPDATE`.execute(trx)
      const passing: { audience: 'manager' | 'ambassador'; text: string }[] = []
      for (const row of rows.rows) {
        const text = openServer(COMMENT_PURPOSE, row.sealed)
        if (!(await identifyingToken(trx, text, ''))) passing.push({ audience: row.audience, text })
      }
      if (passing.length < target.threshold) {
        // Nothing says how many are held: only that there are not enough yet.
        throw new PolicyDenied('too-few-comments', {
          en: `Comments are released in batches of at least ${target.threshold}; this month does not have enough yet.`,
          fr: `Les commentaires sont communiqués par lots d’au moins ${target.threshold}; ce mois n’en compte pas encore assez.`,
        }, { extensions: { threshold: target.threshold } })
      }
      return { period: target.period, ids: rows.rows.map((r) => r.id), passing, withheld: rows.rows.length - passing.length }
    },
  }),
}
