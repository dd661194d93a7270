// RPT-1: only the engagement's assigned, active Ambassador reports on it (404 for everyone else,
// CONF-1), and only on an engagement where an interaction could have happened.
import { PolicyDenied } from '../../errors/app-error.ts'
import { forbidden } from '../../errors/app-error.ts'
import { definePolicy } from '../../policy/define.ts'
import { lockAsParticipant } from '../engagements/policy.ts'
import type { CreateReportBody } from './schemas.ts'

const INTERACTED = new Set(['accepted', 'active', 'closed', 'transfer_required', 'transferred'])

export const reportPolicies = {
  'report.create': definePolicy({
    summary: 'The assigned Ambassador submits the statistical report of an interaction (RPT-1).',
    auditAs: 'ambassador',
    async check(trx, actor, target: CreateReportBody) {
      if (!actor.roles.has('manager')) throw forbidden()
      const { engagement } = await lockAsParticipant(trx, actor, target.engagementId, ['ambassador'])
      if (!INTERACTED.has(engagement.status)) {
        throw new PolicyDenied('invalid-transition', { en: `No interaction can have taken place in an engagement that is ${engagement.status}.`, fr: `Aucune interaction n’a pu avoir lieu dans un jumelage à l’état ${engagement.status}.` }, { extensions: { from: engagement.status } })
      }
      const requestedOn = new Date(engagement.requestedAt).toISOString().slice(0, 10)
      const today = new Date().toISOString().slice(0, 10)
      if (target.occurredOn < requestedOn || target.occurredOn > today) {
        throw new PolicyDenied('rule-violated', { en: 'The interaction date must fall between the request and today.', fr: 'La date de l’interaction doit se situer entre la demande et aujourd’hui.' }, { errors: [{ path: '/occurredOn', message: 'out of range' }] })
      }
      return { engagement: { id: engagement.id, ambassadorId: engagement.ambassadorId } }
    },
  }),
}
