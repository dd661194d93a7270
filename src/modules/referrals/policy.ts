// Referrals (ENG-7, Annex H): the assigned Ambassador refers to a resource of the catalogue and
// follows up (default 14 days); the manager reads them.
import { sql } from 'kysely'
import { NotFound, PolicyDenied } from '../../errors/app-error.ts'
import { definePolicy } from '../../policy/define.ts'
import { checkIfMatch, etagOf } from '../../shared/etag.ts'
import { requireRoom } from '../../shared/caps.ts'
import { lockAsParticipant, requireRunning } from '../engagements/policy.ts'

const ambassadorOnly = () => new PolicyDenied('forbidden', { en: 'Referrals are made and followed up by the assigned Ambassador.', fr: 'Les aiguillages sont faits et suivis par l’ambassadeur assigné.' })

export const referralPolicies = {
  'referral.create': definePolicy({
    summary: 'The assigned Ambassador refers the manager to a resource of the catalogue (ENG-7).',
    auditAs: 'ambassador',
    async check(trx, actor, target: { engagementId: string; resourceId: string }) {
      const { engagement, side } = await lockAsParticipant(trx, actor, target.engagementId)
      if (side !== 'ambassador') throw ambassadorOnly()
      requireRunning(engagement)
      const resource = await sql<{ id: string }>`SELECT id FROM resources WHERE id = ${target.resourceId}`.execute(trx)
      if (!resource.rows.length) {
        throw new PolicyDenied('rule-violated', { en: 'Refer to a resource of the catalogue (GET /v1/resources).', fr: 'Aiguillez vers une ressource du catalogue (GET /v1/resources).' }, { errors: [{ path: '/body/resourceId', message: 'unknown resource' }] })
      }
      await requireRoom(trx, engagement.id, 'openReferrals', 'referrals')
      return { engagement }
    },
  }),
  'referral.update': definePolicy({
    summary: 'The assigned Ambassador records the follow-up and whether it helped (ENG-7).',
    auditAs: 'participant',
    async check(trx, actor, target: { engagementId: string; referralId: string; ifMatch?: string }) {
      const { engagement, side } = await lockAsParticipant(trx, actor, target.engagementId)
      if (side !== 'ambassador') throw ambassadorOnly()
      if (!['accepted', 'active', 'closed'].includes(engagement.status)) requireRunning(engagement)
      const referral = await trx.selectFrom('referrals').select(['id', 'version']).where('id', '=', target.referralId).where('engagementId', '=', engagement.id).forUpdate().executeTakeFirst()
      if (!referral) throw new NotFound()
      checkIfMatch(etagOf('referral', referral.version), target.ifMatch)
      return { engagement, referral }
    },
  }),
}
