// Policy actions of the waitlist (#16 item 2). Each check runs in the write's transaction and locks
// what a concurrent write could change: the waitlist lock for a join (against the offers of a slot
// opening at the same time), the entry for a withdrawal or an acceptance (then, for an acceptance,
// the Ambassador's row: every ENG-2 rule of engagement.create runs again).
import type { Trx } from '../../db/tx.ts'
import { AppError, NotFound, PolicyDenied, forbidden } from '../../errors/app-error.ts'
import type { Actor } from '../../policy/actor.ts'
import { definePolicy } from '../../policy/define.ts'
import { engagementPolicies } from '../engagements/policy.ts'
import type { RequestEngagementBody } from '../engagements/schemas.ts'
import { lockAmbassador } from '../ambassadors/repository.ts'
import { lockOwn, lockWaitlist, someoneFitsWithRoom } from './repository.ts'
import type { JoinWaitlistBody } from './schemas.ts'

async function ownEntry(trx: Trx, actor: Actor, id: string) {
  if (!actor.roles.has('manager')) throw forbidden()
  const entry = await lockOwn(trx, id, actor.sub)
  if (!entry) throw new NotFound()
  return entry
}

export const waitlistPolicies = {
  'waitlist.join': definePolicy({
    summary: 'A manager joins the waitlist, only when no fitting Ambassador has room for them now, and once (#16).',
    auditAs: 'manager',
    async check(trx, actor, target: JoinWaitlistBody) {
      if (!actor.roles.has('manager')) throw forbidden()
      // Serialised with the offers of slots opening now: either this join sees the room (refused)
      // or the opening sees this entry (offered).
      await lockWaitlist(trx)
      const live = await trx.selectFrom('waitlistEntries').select('id').where('managerRef', '=', actor.sub).executeTakeFirst()
      if (live) throw new AppError('already-exists', { en: 'You are already on the waitlist: withdraw that entry first to change it.', fr: 'Vous êtes déjà sur la liste d’attente : retirez d’abord cette inscription pour la modifier.' })
      if (await someoneFitsWithRoom(trx, actor.sub, target)) {
        throw new PolicyDenied('ambassador-available', {
          en: 'An Ambassador who fits your request has room now: see GET /v1/ambassadors/suggestions and request them.',
          fr: 'Un ambassadeur qui correspond à votre demande a de la place maintenant : consultez GET /v1/ambassadors/suggestions et faites-lui une demande.',
        })
      }
      return {}
    },
  }),

  'waitlist.withdraw': definePolicy({
    summary: 'A manager withdraws their own waitlist entry; a slot its offer held is offered on (#16).',
    auditAs: 'manager',
    async check(trx, actor, target: { id: string }) {
      const entry = await ownEntry(trx, actor, target.id)
      // The slot the offer held opens again: its Ambassador's row, locked after the entry (the
      // order an acceptance takes too), is where the next offer is decided.
      if (entry.offerAmbassadorId) await lockAmbassador(trx, entry.offerAmbassadorId)
      return { entry }
    },
  }),

  'engagement.accept-offer': definePolicy({
    summary: 'A manager accepts the offer on their waitlist entry: the request is made to the offered Ambassador, every ENG-2 rule again, the slot the offer held counted as theirs (#16).',
    auditAs: 'manager',
    async check(trx, actor, target: { entryId: string }) {
      const entry = await ownEntry(trx, actor, target.entryId)
      if (entry.status !== 'offered' || !entry.offerAmbassadorId || entry.lapsed) {
        throw new PolicyDenied('invalid-transition', entry.lapsed
          ? { en: 'This offer ran out after 48 hours.', fr: 'Cette offre a expiré après 48 heures.' }
          : { en: 'No slot is offered on this entry yet.', fr: 'Aucune place n’est encore offerte pour cette inscription.' }, { extensions: { from: entry.lapsed ? 'lapsed' : entry.status } })
      }
      const request = await engagementPolicies['engagement.create'].check(trx, actor, {
        ambassadorId: entry.offerAmbassadorId, language: entry.language as RequestEngagementBody['language'],
        preferredModes: entry.modes as RequestEngagementBody['preferredModes'], urgency: entry.urgency,
        topics: entry.topics as RequestEngagementBody['topics'], aboutMyEmployee: true, exceptOffer: entry.id, // stored from a validated join
      })
      return { entry, ...request }
    },
  }),
}
