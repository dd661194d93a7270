// Policy action for self-care check-ins (#14 item 5).
import { NotFound, forbidden } from '../../errors/app-error.ts'
import { actingAmbassadorId } from '../../policy/actor.ts'
import { definePolicy } from '../../policy/define.ts'

export const selfCarePolicies = {
  'self-care.check-in': definePolicy({
    summary: 'An active Ambassador records a self-care check-in, private to them; asking to be contacted tells the office that, and only that.',
    auditAs: 'ambassador',
    async check(trx, actor, _target: Record<string, never>) {
      if (!actor.roles.has('manager')) throw forbidden()
      const ambassadorId = await actingAmbassadorId(trx, actor)
      if (!ambassadorId) throw new NotFound()
      const amb = await trx.selectFrom('ambassadors').select(['id', 'designatedContactRef']).where('id', '=', ambassadorId).forShare().executeTakeFirstOrThrow()
      return { ambassadorId: amb.id, designatedContactRef: amb.designatedContactRef }
    },
  }),
}
