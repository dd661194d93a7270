// Policy actions for crisis escalations (CRS-2, CRS-3): recorded and followed up by the assigned
// Ambassador, in the write's transaction, the engagement locked.
import { NotFound, PolicyDenied } from '../../errors/app-error.ts'
import { definePolicy } from '../../policy/define.ts'
import { requireRoom } from '../../shared/caps.ts'
import { requireOpen } from '../consents/policy.ts'
import { lockAsParticipant } from '../engagements/policy.ts'
import { designatedContactOf, lockCrisisEscalation } from './repository.ts'
import type { CreateCrisisEscalationBody } from './schemas.ts'

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
}
