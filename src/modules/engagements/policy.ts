// Policy actions for engagements (ENG-2, ENG-3, ENG-4). Every check runs in the write's
// transaction and locks what a concurrent write could change: the Ambassador row for a request
// (capacity), the engagement row for a status change.
import type { Trx } from '../../db/tx.ts'
import { termsFactsFor } from '../engagement-terms/repository.ts'
import { termsNotAccepted } from '../engagement-terms/policy.ts'
import type { EngagementStatus } from '../../db/row-types.ts'
import { NotFound, PolicyDenied } from '../../errors/app-error.ts'
import { forbidden } from '../../errors/app-error.ts'
import { actingAmbassadorId, type Actor } from '../../policy/actor.ts'
import { hasConflict } from '../../policy/conflict-of-interest.ts'
import { definePolicy } from '../../policy/define.ts'
import { checkIfMatch, etagOf } from '../../shared/etag.ts'
import { HELD_BY_AMBASSADOR, lockAmbassadorForPairing, lockEngagement, requestFacts, type RequestFacts } from './repository.ts'
import { STAGES, type RequestEngagementBody } from './schemas.ts'

const unavailable = () => new PolicyDenied('ambassador-unavailable', {
  en: 'This Ambassador cannot take a new request now. Please choose another Ambassador from the directory.',
  fr: 'Cet ambassadeur ne peut accepter de nouvelle demande pour le moment. Veuillez choisir un autre ambassadeur dans le répertoire.',
})

/** The caller is the engagement's Ambassador and it is still theirs (CONF-5, see HELD_BY_AMBASSADOR). */
const heldBy = (e: { ambassadorId: string; status: EngagementStatus }, me: string | undefined) =>
  Boolean(me) && e.ambassadorId === me && HELD_BY_AMBASSADOR.includes(e.status)

/** The engagement, locked, if the caller is its assigned (active, in-term) Ambassador; 404 otherwise. */
async function lockAsAssignedAmbassador(trx: Trx, actor: Actor, id: string) {
  const me = await actingAmbassadorId(trx, actor)
  const e = await lockEngagement(trx, id)
  if (!e || !heldBy(e, me)) throw new NotFound()
  return e
}

export type Side = 'manager' | 'ambassador'

/**
 * The engagement, locked, with the side the caller is on: its manager or its assigned (active,
 * in-term) Ambassador. Everyone else gets 404 (CONF-1).
 */
export async function lockAsParticipant(trx: Trx, actor: Actor, id: string, sides: readonly Side[] = ['manager', 'ambassador']) {
  const e = await lockEngagement(trx, id)
  if (!e) throw new NotFound()
  if (sides.includes('manager') && actor.roles.has('manager') && e.managerRef === actor.sub) return { engagement: e, side: 'manager' as Side }
  if (sides.includes('ambassador')) {
    const me = await actingAmbassadorId(trx, actor)
    if (heldBy(e, me)) return { engagement: e, side: 'ambassador' as Side }
  }
  throw new NotFound()
}

/** If-Match on the engagement (SPEC §4): compared with the locked row's version. */
export const engagementIfMatch = (e: { version: number }, ifMatch: string | undefined) => checkIfMatch(etagOf('engagement', e.version), ifMatch)

/** Meetings, goals and referrals change only while the engagement runs. */
export function requireRunning(e: { status: string }) {
  if (e.status !== 'accepted' && e.status !== 'active') {
    throw new PolicyDenied('invalid-transition', { en: `The engagement is ${e.status}.`, fr: `Le jumelage est à l’état ${e.status}.` }, { extensions: { from: e.status } })
  }
}

export const notNow = (status: string, action: string) => new PolicyDenied('invalid-transition', {
  en: `An engagement that is ${status} cannot be ${action}.`,
  fr: `Un jumelage à l’état ${status} ne peut pas être ${action === 'accepted' ? 'accepté' : action === 'declined' ? 'refusé' : action === 'withdrawn' ? 'retiré' : 'modifié'}.`,
}, { extensions: { from: status } })

/**
 * ENG-2 re-checked after a pairing write, in its transaction (#13 item 1): the Ambassador holds no
 * more running engagements (requests not yet overdue, accepted, active) than their capacity, however
 * the write got there. The check before the write holds the Ambassador's row lock, so this never
 * fires unless that lock or the slot counter is broken; it turns such a bug into a refusal.
 */
export async function assertCapacity(trx: Trx, ambassadorId: string) {
  const r = await trx.selectFrom('engagementEffective as e').innerJoin('ambassadors as a', 'a.id', 'e.ambassadorId')
    .select((eb) => [eb.fn.countAll<number>().as('running'), eb.fn.max('a.capacity').as('capacity')])
    .where('e.ambassadorId', '=', ambassadorId).where('e.effectiveStatus', 'in', ['requested', 'accepted', 'active'])
    .executeTakeFirstOrThrow()
  if (Number(r.running) > Number(r.capacity)) throw unavailable()
}

/** The request the assigned Ambassador answers (ENG-3): locked, If-Match, still awaiting an answer, not overdue (ENG-11). */
async function lockRequestToAnswer(trx: Trx, actor: Actor, target: { id: string; ifMatch?: string }, answer: 'accepted' | 'declined') {
  const e = await lockAsAssignedAmbassador(trx, actor, target.id)
  engagementIfMatch(e, target.ifMatch)
  if (e.status === 'expired') throw expiredRequest()
  if (e.status !== 'requested') throw notNow(e.status, answer)
  return e
}

// The rules of engagement.create, decided on facts however they were read: under the Ambassador's
// row lock (the check above) or by an optimistic request (#18, service.ts), whose write re-checks
// that none of them moved. In this order, so both refuse alike.

function checkRequester(actor: Actor, target: RequestEngagementBody) {
  if (!actor.roles.has('manager')) throw forbidden()
  // #16: the alternates are other Ambassadors (distinct: the schema); nothing else is checked
  // now (their rules run when the request passes to them, and a refusal here would tell the
  // manager something about one of them).
  if (target.alternates?.includes(target.ambassadorId)) {
    throw new PolicyDenied('rule-violated', { en: 'Your next choices must be other Ambassadors than the one you request.', fr: 'Vos choix suivants doivent être d’autres ambassadeurs que celui que vous demandez.' }, { errors: [{ path: '/body/alternates', message: 'must not include ambassadorId' }] })
  }
}

function checkTerms(terms: { accepted: boolean; currentVersion: number }) {
  if (!terms.accepted) throw termsNotAccepted(terms.currentVersion)
}

function checkAmbassador(actor: Actor, amb: { effectiveStatus: string; employeeRef: string } | undefined): asserts amb {
  if (!amb || amb.effectiveStatus !== 'active') throw unavailable()
  if (amb.employeeRef === actor.sub) {
    throw new PolicyDenied('self-engagement', { en: 'Choose an Ambassador other than yourself.', fr: 'Choisissez un ambassadeur autre que vous-même.' })
  }
}

function checkPairing(amb: { openEngagements: number; capacity: number }, facts: RequestFacts) {
  if (facts.conflict) throw conflictOfInterest()
  if (facts.duplicate) {
    throw new PolicyDenied('duplicate-engagement', { en: 'You already have an open engagement with this Ambassador.', fr: 'Vous avez déjà un jumelage ouvert avec cet ambassadeur.' })
  }
  // An overdue request holds no slot (ENG-11), swept or not. The check writes nothing: other
  // managers' overdue requests are the expiry job's (src/jobs/request-expiry.ts, #13).
  // #16: a slot a waitlist offer holds is not free (but the offer this request accepts).
  if (amb.openEngagements - facts.overdue + facts.reserved >= amb.capacity) throw unavailable()
}

/** engagement.create decided on facts read in one statement (#18: the optimistic request, service.ts). */
export function decideRequest<A extends { effectiveStatus: string; employeeRef: string; openEngagements: number; capacity: number }>(
  actor: Actor, target: RequestEngagementBody, terms: { accepted: boolean; currentVersion: number }, amb: A | undefined, facts: RequestFacts,
) {
  checkRequester(actor, target)
  checkTerms(terms)
  checkAmbassador(actor, amb)
  checkPairing(amb, facts)
  return { ambassador: amb, ownOverdue: facts.ownOverdue, termsVersion: terms.currentVersion }
}

/** engagement.withdraw decided on the engagement as read (#18: the optimistic withdrawal, service.ts); 404 unless it is the caller's. */
export function decideWithdrawal<E extends { managerRef: string; status: string; version: number }>(actor: Actor, e: E | undefined, ifMatch: string | undefined): E {
  if (!e || !actor.roles.has('manager') || e.managerRef !== actor.sub) throw new NotFound()
  engagementIfMatch(e, ifMatch)
  if (e.status !== 'requested' && e.status !== 'accepted') throw notNow(e.status, 'withdrawn')
  return e
}

export const engagementPolicies = {
  'engagement.create': definePolicy({
    summary: 'A manager requests an Ambassador: active and in term, not themself, with capacity, no duplicate (ENG-2).',
    auditAs: 'manager',
    async check(trx, actor, target: RequestEngagementBody & { exceptOffer?: string }) {
      checkRequester(actor, target)
      // #14 item 4: the manager acknowledged the network's current terms before requesting.
      const terms = await termsFactsFor(trx, actor.sub)
      checkTerms(terms)
      // Lock the Ambassador row: two requests for the last slot are serialised here.
      const amb = await lockAmbassadorForPairing(trx, target.ambassadorId)
      checkAmbassador(actor, amb)
      // Every other fact in one round trip, under the Ambassador row lock: COI-3 (a concurrent
      // declaration waits on that lock, then marks us: COI-4), a duplicate, overdue requests.
      const facts = await requestFacts(trx, amb.id, actor.sub, target.exceptOffer)
      checkPairing(amb, facts)
      return { ambassador: amb, ownOverdue: facts.ownOverdue, termsVersion: terms.currentVersion }
    },
  }),

  'engagement.accept': definePolicy({
    summary: 'The assigned Ambassador accepts a request before it expires (ENG-3, ENG-11).',
    auditAs: 'ambassador',
    async check(trx, actor, target: { id: string; ifMatch?: string }) {
      const e = await lockRequestToAnswer(trx, actor, target, 'accepted')
      await lockAmbassadorForPairing(trx, e.ambassadorId)
      if (await hasConflict(trx, e.ambassadorId, e.managerRef)) throw conflictOfInterest()
      return { engagement: e }
    },
  }),

  'engagement.decline': definePolicy({
    summary: 'The assigned Ambassador declines a request with a reason code the manager never sees (ENG-3).',
    auditAs: 'ambassador',
    async check(trx, actor, target: { id: string; ifMatch?: string }) {
      const e = await lockRequestToAnswer(trx, actor, target, 'declined')
      return { engagement: e }
    },
  }),

  'engagement.withdraw': definePolicy({
    summary: 'The manager withdraws before the first meeting is held (ENG-3, ENG-8).',
    auditAs: 'manager',
    async check(trx, actor, target: { id: string; ifMatch?: string }) {
      return { engagement: decideWithdrawal(actor, await lockEngagement(trx, target.id), target.ifMatch) }
    },
  }),

  'engagement.set-stage': definePolicy({
    summary: 'The assigned Ambassador moves the relationship to a later stage, never back (ENG-4).',
    auditAs: 'ambassador',
    async check(trx, actor, target: { id: string; stage: string; ifMatch?: string }) {
      const e = await lockAsAssignedAmbassador(trx, actor, target.id)
      engagementIfMatch(e, target.ifMatch)
      if (!['accepted', 'active'].includes(e.status)) throw notNow(e.status, 'changed')
      if (STAGES.indexOf(target.stage as (typeof STAGES)[number]) <= STAGES.indexOf(e.stage)) {
        throw new PolicyDenied('invalid-transition', { en: `Stages only move forward (now ${e.stage}).`, fr: `Les étapes ne font qu’avancer (actuellement ${e.stage}).` }, { extensions: { from: e.stage, to: target.stage } })
      }
      return { engagement: e }
    },
  }),
}

export const engagementLifecyclePolicies = {
  'engagement.extend': definePolicy({
    summary: 'Beyond two meetings: the Ambassador proposes an extension, the manager agrees (ENG-5).',
    auditAs: 'participant',
    async check(trx, actor, target: { id: string; ifMatch?: string }) {
      const { engagement, side } = await lockAsParticipant(trx, actor, target.id)
      engagementIfMatch(engagement, target.ifMatch)
      requireRunning(engagement)
      // The locked row carries the proposal: no second read (#13 item 8).
      if (side === 'manager' && !engagement.extensionProposedAt) {
        throw new PolicyDenied('invalid-transition', { en: 'The Ambassador proposes an extension first; you can then agree to it.', fr: 'L’ambassadeur propose d’abord une prolongation; vous pourrez ensuite l’accepter.' })
      }
      return { engagement, side, proposed: Boolean(engagement.extensionProposedAt) }
    },
  }),

  'engagement.close': definePolicy({
    summary: 'Either side closes after at least one held meeting (before that, the manager withdraws) (ENG-8).',
    auditAs: 'participant',
    async check(trx, actor, target: { id: string; ifMatch?: string }) {
      const { engagement, side } = await lockAsParticipant(trx, actor, target.id)
      engagementIfMatch(engagement, target.ifMatch)
      if (engagement.status !== 'active') {
        throw new PolicyDenied('invalid-transition', {
          en: engagement.status === 'accepted' || engagement.status === 'requested' ? 'No meeting was held yet: withdraw the request instead.' : `An engagement that is ${engagement.status} cannot be closed.`,
          fr: engagement.status === 'accepted' || engagement.status === 'requested' ? 'Aucune rencontre n’a encore eu lieu : retirez plutôt la demande.' : `Un jumelage à l’état ${engagement.status} ne peut pas être clos.`,
        }, { extensions: { from: engagement.status } })
      }
      return { engagement, side }
    },
  }),

  'engagement.require-transfer': definePolicy({
    summary: 'The assigned Ambassador finds the situation beyond their competence: the manager is asked to pick another (ENG-9).',
    auditAs: 'ambassador',
    async check(trx, actor, target: { id: string; ifMatch?: string }) {
      const { engagement } = await lockAsParticipant(trx, actor, target.id, ['ambassador'])
      engagementIfMatch(engagement, target.ifMatch)
      requireRunning(engagement)
      return { engagement }
    },
  }),

  'engagement.transfer': definePolicy({
    summary: 'The manager moves an engagement awaiting transfer to a new Ambassador; every request check runs again (ENG-9).',
    auditAs: 'manager',
    async check(trx, actor, target: { id: string; ambassadorId: string; ifMatch?: string }) {
      const { engagement } = await lockAsParticipant(trx, actor, target.id, ['manager'])
      engagementIfMatch(engagement, target.ifMatch)
      if (engagement.status !== 'transfer_required') {
        throw new PolicyDenied('invalid-transition', { en: 'Only an engagement awaiting transfer can move to another Ambassador.', fr: 'Seul un jumelage en attente de transfert peut passer à un autre ambassadeur.' }, { extensions: { from: engagement.status } })
      }
      const request = await engagementPolicies['engagement.create'].check(trx, actor, {
        ambassadorId: target.ambassadorId, language: engagement.language, preferredModes: engagement.preferredModes,
        urgency: engagement.urgency, topics: engagement.topics as RequestEngagementBody['topics'], aboutMyEmployee: true, // stored from a validated request
      })
      return { engagement, ...request }
    },
  }),
}

/** Neutral: never says what the conflict is or who declared it (COI-3). */
function conflictOfInterest() {
  return new PolicyDenied('conflict-of-interest', {
    en: 'This Ambassador cannot be paired with you. Please choose another Ambassador from the directory.',
    fr: 'Cet ambassadeur ne peut pas être jumelé avec vous. Veuillez choisir un autre ambassadeur dans le répertoire.',
  })
}

function expiredRequest() {
  return new PolicyDenied('request-expired', { en: 'This request went unanswered for 5 days and expired; the manager may choose again.', fr: 'Cette demande est restée sans réponse pendant 5 jours et a expiré; le gestionnaire peut choisir de nouveau.' })
}

