// Policy actions of retention (RET-1, RET-2): the scheduled purge, run by the system only and by one
// purger at a time; and the manager's purge of their own ended engagement.
import { sql } from 'kysely'
import { NotFound, PolicyDenied } from '../../errors/app-error.ts'
import { forbidden } from '../../plugins/auth.ts'
import type { Actor, Role } from '../../policy/actor.ts'
import { definePolicy } from '../../policy/define.ts'
import { engagementIfMatch } from '../engagements/policy.ts'
import { expireOverdueRequests, lockEngagement } from '../engagements/repository.ts'

/** The purge job's principal: never a token's, so no request can act as it. */
export const RETENTION_JOB: Actor = Object.freeze({ sub: 'system:retention', roles: new Set<Role>() })

/** Only one purge at a time, across every replica and `npm run purge` (a transaction-level lock). */
const PURGE_LOCK = 7_300_730

const OPEN = new Set(['requested', 'accepted', 'active', 'transfer_required'])

export const retentionPolicies = {
  'retention.purge': definePolicy({
    summary: 'The retention job removes what identifies an engagement RETENTION_DAYS after it ended; one purger at a time (RET-1).',
    auditAs: 'system',
    async check(trx, actor, _target: { retentionDays: number }) {
      if (actor !== RETENTION_JOB) throw forbidden()
      const r = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${PURGE_LOCK}) AS locked`.execute(trx)
      return { locked: r.rows[0].locked }
    },
  }),

  'engagement.purge': definePolicy({
    summary: 'The manager has their ended engagement purged at once: their consent to disposal (RET-2).',
    auditAs: 'manager',
    async check(trx, actor, target: { id: string; ifMatch?: string }) {
      const e = await lockEngagement(trx, target.id)
      if (!e || !actor.roles.has('manager') || e.managerRef !== actor.sub) throw new NotFound()
      engagementIfMatch(e, target.ifMatch)
      // A request that went unanswered is expired at query time; end it properly (its slot) first.
      if (e.status === 'expired' && e.rawStatus === 'requested') await expireOverdueRequests(trx, e.ambassadorId)
      else if (OPEN.has(e.rawStatus)) {
        throw new PolicyDenied('engagement-open', {
          en: 'This engagement is still open. Withdraw or close it first; its data can then be purged.',
          fr: 'Ce jumelage est encore ouvert. Retirez-le ou clôturez-le d’abord; ses données pourront ensuite être purgées.',
        }, { extensions: { from: e.status } })
      }
      return { engagement: e }
    },
  }),
}
