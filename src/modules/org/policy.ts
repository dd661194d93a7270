// Policy actions for the organisation snapshot (COI-2).
import { forbidden } from '../../errors/app-error.ts'
import { definePolicy } from '../../policy/define.ts'

export const orgPolicies = {
  'reporting-lines.replace': definePolicy({
    summary: 'nmno (or an HR feed holding the nmno role) replaces the reporting-lines snapshot (COI-2).',
    auditAs: 'staff',
    async check(_trx, actor, _target: { count: number }) {
      if (!actor.roles.has('nmno')) throw forbidden()
      return {}
    },
  }),
}
