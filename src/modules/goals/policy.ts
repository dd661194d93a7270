// Goals (ENG-6, Annex G checklist): owned by the manager; the assigned Ambassador reads them and
// proposes edits, which the manager accepts or not.
import { NotFound, PolicyDenied } from '../../errors/app-error.ts'
import { definePolicy } from '../../policy/define.ts'
import { requireRoom } from '../../shared/caps.ts'
import { checkIfMatch, etagOf } from '../../shared/etag.ts'
import { lockAsParticipant, requireRunning } from '../engagements/policy.ts'
import type { UpdateGoalBody } from './schemas.ts'
import { columns } from './repository.ts'

export const goalPolicies = {
  'goal.create': definePolicy({
    summary: 'The manager writes a goal of their checklist (ENG-6).',
    auditAs: 'participant',
    async check(trx, actor, target: { engagementId: string }) {
      const { engagement } = await lockAsParticipant(trx, actor, target.engagementId)
        .then((r) => {
          if (r.side !== 'manager') throw new PolicyDenied('forbidden', { en: 'Goals belong to the manager; propose edits to an existing goal instead.', fr: 'Les objectifs appartiennent au gestionnaire; proposez plutôt des modifications à un objectif existant.' })
          return r
        })
      requireRunning(engagement)
      await requireRoom(trx, engagement.id, 'goals')
      return { engagement }
    },
  }),
  'goal.update': definePolicy({
    summary: 'The manager edits a goal or settles a proposal; the assigned Ambassador proposes edits (ENG-6).',
    auditAs: 'participant',
    async check(trx, actor, target: { engagementId: string; goalId: string; body: UpdateGoalBody; ifMatch?: string }) {
      const { engagement, side } = await lockAsParticipant(trx, actor, target.engagementId)
      requireRunning(engagement)
      const goal = await trx.selectFrom('goals').select(columns).where('id', '=', target.goalId).where('engagementId', '=', engagement.id).forUpdate().executeTakeFirst()
      if (!goal) throw new NotFound()
      checkIfMatch(etagOf('goal', goal.version), target.ifMatch)
      if (side === 'ambassador' && target.body.acceptProposal !== undefined) {
        throw new PolicyDenied('forbidden', { en: 'Only the manager accepts a proposal.', fr: 'Seul le gestionnaire accepte une proposition.' })
      }
      if (target.body.acceptProposal && !goal.proposal) {
        throw new PolicyDenied('invalid-transition', { en: 'There is no proposal to accept.', fr: 'Il n’y a aucune proposition à accepter.' })
      }
      return { engagement, side, goal }
    },
  }),
}
