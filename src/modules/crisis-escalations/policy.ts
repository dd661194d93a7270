// Policy actions for crisis escalations (CRS-2, CRS-3): recorded and followed up by the assigned
// Ambassador, in the write's transaction, the engagement locked.
import { NotFound, PolicyDenied } from '../../errors/app-error.ts'
import { definePolicy } from '../../policy/define.ts'
import { requireRoom } from '../../shared/caps.ts'
import { requireOpen } from '../consents/policy.ts'
import { lockAsParticipant } from '../engagements/policy.ts'
import { designatedContactOf, lockCrisisEscalation } from './repository.ts'
import type { CreateCrisisEscalationBody } from './schemas.ts'

/** Categories where contacting services or authorities is a duty, not a choice (Crisis Management). */
const MUST_CALL: ReadonlySet<string> = new Set(['imminent_harm_self', 'imminent_harm_others', 'child_abuse_neglect', 'medical_emergency'])

const ambassadorOnly = () => new PolicyDenied('forbidden', { en: 'Crisis escalations are recorded and followed up by the assigned Ambassador.', fr: 'Les signalements de crise sont consignés et suivis par l’ambassadeur assigné.' })

export const crisisEscalationPolicies = {
  'crisis-escalation.create': definePolicy({
    summary: 'The assigned Ambassador reports a crisis; with weapons involved, emergency services must have been called (CRS-2, CRS-3).',
    auditAs: 'ambassador',
    async check(trx, actor, target: { engagementId: string; body: CreateCrisisEscalationBody }) {
      const { engagement, side } = await lockAsParticipant(trx, actor, target.engagementId)
      if (side !== 'ambassador') throw ambassadorOnly()
      requireOpen(engagement)
      const called = target.body.authoritiesContacted
      if (called.includes('none') && called.length > 1) {
        throw new PolicyDenied('rule-violated', { en: '`none` cannot be listed with an authority that was contacted.', fr: '`none` ne peut accompagner une autorité qui a été contactée.' }, { errors: [{ path: '/body/authoritiesContacted', message: 'none excludes the others' }] })
      }
      if (target.body.weaponsInvolved && called.filter((a) => a !== 'none').length === 0) {
        throw new PolicyDenied('emergency-services-required', {
          en: 'When weapons are known to exist, call emergency services immediately and forewarn them of the weapon; then record who was contacted.',
          fr: 'Lorsque la présence d’armes est connue, appelez immédiatement les services d’urgence et prévenez-les de l’arme; consignez ensuite qui a été contacté.',
        }, { errors: [{ path: '/body/authoritiesContacted', message: 'emergency services must be contacted when weapons are involved' }] })
      }
      // The seeds' MUST: for harm, abuse or a medical emergency the Ambassador contacts the
      // appropriate services even if they believe they could defuse the situation (#14 item 2).
      if (MUST_CALL.has(target.body.category) && called.filter((a) => a !== 'none').length === 0) {
        throw new PolicyDenied('emergency-services-required', {
          en: 'For imminent harm, child abuse or neglect, or a medical emergency, contact the appropriate services or authorities, even if you believe you could defuse the situation; then record who was contacted.',
          fr: 'En cas de préjudice imminent, de mauvais traitements ou de négligence envers un enfant, ou d’urgence médicale, communiquez avec les services ou autorités compétents, même si vous croyez pouvoir désamorcer la situation; consignez ensuite qui a été contacté.',
        }, { errors: [{ path: '/body/authoritiesContacted', message: `the appropriate services must be contacted for ${target.body.category}` }] })
      }
      await requireRoom(trx, engagement.id, 'crisisEscalations')
      return { engagement, side, designatedContactRef: await designatedContactOf(trx, engagement.ambassadorId) }
    },
  }),

  'crisis-escalation.follow-up': definePolicy({
    summary: 'The assigned Ambassador records that they followed up with the manager after the crisis (CRS-2).',
    auditAs: 'ambassador',
    async check(trx, actor, target: { engagementId: string; crisisEscalationId: string }) {
      const { engagement, side } = await lockAsParticipant(trx, actor, target.engagementId)
      if (side !== 'ambassador') throw ambassadorOnly()
      const escalation = await lockCrisisEscalation(trx, target.crisisEscalationId, engagement.id)
      if (!escalation) throw new NotFound()
      if (escalation.followedUpAt) {
        throw new PolicyDenied('invalid-transition', { en: 'The follow-up is already recorded.', fr: 'Le suivi est déjà consigné.' })
      }
      return { engagement, side, escalation }
    },
  }),

  'crisis-escalation.debrief': definePolicy({
    summary: 'nmno records that the Ambassador’s self-care debrief after a crisis happened, and whether a clinician was offered (CRS-2).',
    auditAs: 'staff',
    async check(trx, _actor, target: { engagementId: string; crisisEscalationId: string }) {
      const escalation = await lockCrisisEscalation(trx, target.crisisEscalationId, target.engagementId)
      if (!escalation) throw new NotFound()
      if (escalation.debriefedOn) {
        throw new PolicyDenied('invalid-transition', { en: 'The debrief is already recorded.', fr: 'Le débreffage est déjà consigné.' })
      }
      return { escalation }
    },
  }),
}
