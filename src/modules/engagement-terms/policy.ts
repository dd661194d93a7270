// Policy actions for the managers' terms (#14 item 4).
import { PolicyDenied, forbidden } from '../../errors/app-error.ts'
import { definePolicy } from '../../policy/define.ts'
import { termsFactsFor } from './repository.ts'

export const engagementTermsPolicies = {
  'engagement-terms.accept': definePolicy({
    summary: 'A manager acknowledges the current version of the network’s terms before their first request under it.',
    auditAs: 'manager',
    async check(trx, actor, target: { version: number }) {
      if (!actor.roles.has('manager')) throw forbidden()
      const { currentVersion } = await termsFactsFor(trx, actor.sub)
      if (target.version !== currentVersion) {
        throw new PolicyDenied('rule-violated', { en: `Version ${target.version} is not the current version (${currentVersion}).`, fr: `La version ${target.version} n’est pas la version en vigueur (${currentVersion}).` }, { extensions: { currentVersion } })
      }
      return { version: currentVersion }
    },
  }),
}

/** For the request's policy (ENG-1): refused with 422 `terms-not-accepted` until the manager accepts the current version. */
export function termsNotAccepted(currentVersion: number) {
  return new PolicyDenied('terms-not-accepted', {
    en: `Before requesting an Ambassador, read and accept the network’s terms (version ${currentVersion}): GET /v1/engagement-terms/current, then POST /v1/me/engagement-terms-acceptance.`,
    fr: `Avant de demander un ambassadeur, lisez et acceptez les conditions du réseau (version ${currentVersion}) : GET /v1/engagement-terms/current, puis POST /v1/me/engagement-terms-acceptance.`,
  }, { extensions: { currentVersion } })
}
