// #15 item 1: nmno and governance keep the pilot's milestones (Annex C).
import { NotFound, forbidden } from '../../errors/app-error.ts'
import { hasRole } from '../../policy/actor.ts'
import { definePolicy } from '../../policy/define.ts'
import { checkIfMatch, etagOf } from '../../shared/etag.ts'
import { refuseIdentifyingText } from '../governance/policy.ts'
import type { CreateMilestoneBody, UpdateMilestoneBody } from './schemas.ts'

export const programPolicies = {
  'milestone.create': definePolicy({
    summary: 'nmno or governance adds a milestone of the pilot (Annex C).',
    auditAs: 'staff',
    async check(trx, actor, target: CreateMilestoneBody) {
      if (!hasRole(actor, 'nmno', 'governance')) throw forbidden()
      if (target.note) await refuseIdentifyingText(trx, 'note', target.note)
      return {}
    },
  }),
  'milestone.update': definePolicy({
    summary: 'nmno or governance changes a milestone: title, due date, status, note.',
    auditAs: 'staff',
    async check(trx, actor, target: { id: string; ifMatch?: string } & UpdateMilestoneBody) {
      if (!hasRole(actor, 'nmno', 'governance')) throw forbidden()
      const m = await trx.selectFrom('programMilestones').selectAll().where('id', '=', target.id).forUpdate().executeTakeFirst()
      if (!m) throw new NotFound()
      checkIfMatch(etagOf('milestone', m.version), target.ifMatch)
      if (target.note) await refuseIdentifyingText(trx, 'note', target.note)
      return { milestone: m }
    },
  }),
}
