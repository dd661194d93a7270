// Who may record a disclosure (CNS-2, CNS-3): the assigned Ambassador, while the engagement is open, under
// an active consent covering it (read FOR SHARE: a withdrawal waits) or one of the three exceptions.
import { PolicyDenied } from '../../errors/app-error.ts'
import { definePolicy } from '../../policy/define.ts'
import { requireRoom } from '../../shared/caps.ts'
import { lockAsParticipant } from '../engagements/policy.ts'
import { lockConsentForDisclosure, type ConsentRow } from '../consents/repository.ts'
import { designatedContactOf } from './repository.ts'
import { requireOpen, sameName } from '../consents/policy.ts'
import type { RecordDisclosureBody } from './schemas.ts'

const consentRequired = (en: string, fr: string, errors?: Array<{ path: string; message: string }>) =>
  new PolicyDenied('consent-required', { en, fr }, errors ? { errors } : {})


/** CNS-2: the consent is active and covers the recipient, the direction and every category. */
export function checkCoverage(consent: ConsentRow | undefined, d: Pick<RecordDisclosureBody, 'direction' | 'recipient' | 'infoCategories'>) {
  if (!consent) throw consentRequired('No consent of this engagement has this id.', 'Aucun consentement de ce jumelage ne porte cet identifiant.', [{ path: '/body/consentId', message: 'unknown consent' }])
  if (consent.status === 'pending') throw consentRequired('The consent awaits the manager’s grant.', 'Le consentement attend l’autorisation du gestionnaire.')
  if (consent.status === 'withdrawn') throw consentRequired('The manager withdrew this consent.', 'Le gestionnaire a retiré ce consentement.')
  if (consent.status === 'expired') throw consentRequired('This consent has expired.', 'Ce consentement est expiré.')
  const errors: Array<{ path: string; message: string }> = []
  if (consent.recipientKind !== d.recipient.kind || !sameName(consent.recipientName, d.recipient.name)) errors.push({ path: '/body/recipient', message: 'not the recipient the consent names' })
  if (consent.direction !== 'both' && consent.direction !== d.direction) errors.push({ path: '/body/direction', message: `the consent covers ${consent.direction} only` })
  const missing = d.infoCategories.filter((c) => !consent.infoCategories.includes(c))
  if (missing.length) errors.push({ path: '/body/infoCategories', message: `not covered: ${missing.join(', ')}` })
  if (errors.length) throw consentRequired('The consent does not cover this disclosure.', 'Le consentement ne couvre pas cette communication.', errors)
}

export const disclosurePolicies = {
  'disclosure.create': definePolicy({
    summary: 'The assigned Ambassador records a release or receipt of information: an active covering consent, or one of the three exceptions with a justification (CNS-2, CNS-3).',
    auditAs: 'ambassador',
    async check(trx, actor, target: { engagementId: string; body: RecordDisclosureBody }) {
      const { engagement, side } = await lockAsParticipant(trx, actor, target.engagementId)
      if (side !== 'ambassador') {
        throw new PolicyDenied('forbidden', { en: 'Disclosures are recorded by the assigned Ambassador.', fr: 'Les communications de renseignements sont consignées par l’ambassadeur assigné.' })
      }
      requireOpen(engagement)
      const { body } = target
      if (body.basis === 'consent') {
        if (body.justification !== undefined) {
          throw new PolicyDenied('rule-violated', { en: 'A justification belongs only to a confidentiality exception.', fr: 'Une justification n’accompagne qu’une exception à la confidentialité.' }, { errors: [{ path: '/body/justification', message: 'only with an exception' }] })
        }
        if (!body.consentId) throw consentRequired('Name the manager’s consent that covers this disclosure.', 'Indiquez le consentement du gestionnaire qui couvre cette communication.', [{ path: '/body/consentId', message: 'required' }])
        const consent = await lockConsentForDisclosure(trx, body.consentId, engagement)
        checkCoverage(consent, body)
        await requireRoom(trx, engagement.id, 'disclosures')
        return { engagement, side, consent: consent!, designatedContactRef: null }
      }
      if (body.consentId !== undefined) {
        throw new PolicyDenied('rule-violated', { en: 'An exception disclosure names no consent.', fr: 'Une communication faite en vertu d’une exception ne renvoie à aucun consentement.' }, { errors: [{ path: '/body/consentId', message: 'only with basis consent' }] })
      }
      if (!body.justification || !body.justification.trim()) {
        throw new PolicyDenied('justification-required', { en: 'A confidentiality exception requires a justification.', fr: 'Une exception à la confidentialité exige une justification.' }, { errors: [{ path: '/body/justification', message: 'required' }] })
      }
      await requireRoom(trx, engagement.id, 'disclosures')
      return { engagement, side, consent: undefined, designatedContactRef: await designatedContactOf(trx, engagement.ambassadorId) }
    },
  }),
}
