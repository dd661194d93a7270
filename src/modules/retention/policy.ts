// Policy actions of retention (RET-1, RET-2): the scheduled purge, run by the system only and by one
// purger at a time; and the manager's purge of their own ended engagement.
import { sql } from 'kysely'
import { NotFound, PolicyDenied } from '../../errors/app-error.ts'
import { forbidden } from '../../errors/app-error.ts'
import { isJob, systemActor } from '../../policy/actor.ts'
import { definePolicy } from '../../policy/define.ts'
import { engagementIfMatch } from '../engagements/policy.ts'
import { lockEngagement } from '../engagements/repository.ts'
import { anythingDue } from './repository.ts'

/** The purge job's principal (src/jobs/retention-purge.ts): never a token's, so no request can act as it. */
export const RETENTION_JOB = systemActor('retention')

/** Only one purge at a time, across every replica and `npm run purge` (a transaction-level lock). */
const PURGE_LOCK = 7_300_730

const OPEN = new Set(['requested', 'accepted', 'active', 'transfer_required'])

export const retentionPolicies = {
  'retention.purge': definePolicy({
    summary: 'The retention job removes what identifies an engagement RETENTION_DAYS after it ended; one purger at a time (RET-1).',
    auditAs: 'system',
    async check(trx, actor, target: { retentionDays: number }) {
      if (!isJob(actor, 'retention')) throw forbidden()
      const r = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${PURGE_LOCK}) AS locked`.execute(trx)
      const locked = r.rows[0].locked
      return { locked, due: locked && (await anythingDue(trx, target.retentionDays, { engagements: true })) }
    },
    // Another purger holds the lock, or nothing is due: no audit event (#13 item 3).
    idleWhen: (facts) => !facts.locked || !facts.due,
  }),

  'engagement.purge': definePolicy({
    summary: 'The manager has their ended engagement purged at once: their consent to disposal (RET-2).',
    auditAs: 'manager',
    async check(trx, actor, target: { id: string; ifMatch?: string }) {
      // A request still counted in its Ambassador's slots (an overdue one the expiry job has not
      // reached) frees that slot: lock the Ambassador row first, in the order the expiry job takes
      // (Ambassador, then its requests), so the two cannot deadlock on this request.
      const peek = await trx.selectFrom('engagements').select(['ambassadorId', 'managerRef', 'status']).where('id', '=', target.id).executeTakeFirst()
      if (peek && peek.status === 'requested' && peek.managerRef === actor.sub) await trx.selectFrom('ambassadors').select('id').where('id', '=', peek.ambassadorId).forUpdate().execute()
      const e = await lockEngagement(trx, target.id)
      if (!e || !actor.roles.has('manager') || e.managerRef !== actor.sub) throw new NotFound()
      engagementIfMatch(e, target.ifMatch)
      // An overdue request is expired at query time: it can be purged. The check writes nothing;
      // the purge ends it first, freeing its slot (retention/service.ts); nobody else's request is touched (#13).
      if (OPEN.has(e.rawStatus) && !(e.status === 'expired' && e.rawStatus === 'requested')) {
        throw new PolicyDenied('engagement-open', {
          en: 'This engagement is still open. Withdraw or close it first; its data can then be purged.',
          fr: 'Ce jumelage est encore ouvert. Retirez-le ou clôturez-le d’abord; ses données pourront ensuite être purgées.',
        }, { extensions: { from: e.status } })
      }
      return { engagement: e }
    },
  }),
}
