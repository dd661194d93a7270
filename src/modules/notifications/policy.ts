import { NotFound, PolicyDenied } from '../../errors/app-error.ts'
import { forbidden } from '../../errors/app-error.ts'
import { definePolicy } from '../../policy/define.ts'
import { checkIfMatch, etagOf } from '../../shared/etag.ts'

export const notificationPolicies = {
  'notification.read-own': definePolicy({
    summary: 'A principal marks a notification of their own inbox as read.',
    auditAs: 'self-or-staff',
    async check(trx, actor, target: { id: string; ifMatch?: string }) {
      const row = await trx.selectFrom('notifications').select(['id', 'version']).where('id', '=', target.id)
        .where('audience', '=', 'principal').where('recipientRef', '=', actor.sub).forUpdate().executeTakeFirst()
      if (!row) throw new NotFound()
      checkIfMatch(etagOf('notification', row.version), target.ifMatch)
      return { notification: row }
    },
  }),
  'notification.resolve': definePolicy({
    summary: 'nmno resolves a notification of the office inbox; a crisis debrief is closed with the decision whether a clinician is offered (CRS-2).',
    auditAs: 'staff',
    async check(trx, actor, target: { id: string; clinicianOffered?: boolean; ifMatch?: string }) {
      if (!actor.roles.has('nmno')) throw forbidden()
      const row = await trx.selectFrom('notifications').select(['id', 'kind', 'resolvedAt', 'version']).where('id', '=', target.id)
        .where('audience', '=', 'nmno').forUpdate().executeTakeFirst()
      if (!row) throw new NotFound()
      checkIfMatch(etagOf('notification', row.version), target.ifMatch)
      const debrief = row.kind === 'crisis_debrief'
      if (debrief && !row.resolvedAt && target.clinicianOffered === undefined) {
        throw new PolicyDenied('rule-violated', { en: 'Close a crisis debrief with your decision: whether a clinician is offered to the Ambassador.', fr: 'Fermez un débreffage de crise avec votre décision : offrir ou non un clinicien à l’ambassadeur.' }, { errors: [{ path: '/body/clinicianOffered', message: 'required for a crisis debrief' }] })
      }
      if (!debrief && target.clinicianOffered !== undefined) {
        throw new PolicyDenied('rule-violated', { en: 'Only a crisis debrief records a decision on a clinician.', fr: 'Seul un débreffage de crise consigne une décision au sujet d’un clinicien.' }, { errors: [{ path: '/body/clinicianOffered', message: 'only for a crisis debrief' }] })
      }
      return { notification: row, resolution: debrief && target.clinicianOffered !== undefined ? { clinicianOffered: target.clinicianOffered } : undefined }
    },
  }),
}
