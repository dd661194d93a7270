// The survey release job (#11 finding 4). Submitted answers wait in survey_answers_pending, sealed;
// this job moves them into the response tables:
// - in a transaction of its own that touches nothing else of the service (no engagement, token or
//   receipt), so a response shares its transaction id with other responses only;
// - every pending answer at once, in random order (physical order says nothing of submission order);
// - once RELEASE_BATCH answers wait, or when one has waited past its random release time (12 to 72
//   hours after it was given, see repository.ts), so timing says little; a quiet month may release a
//   batch smaller than RELEASE_BATCH: the anonymity set is then the answers of those hours.
// Statistics count an answer from its release: at most 72 hours (plus one run of the job) after it
// was given. The anonymous audit event of each submission is appended with the release, naming
// nothing, in a transaction of its own just after it: the trail can place it neither next to the
// engagement's update nor next to the responses.
// In-process and periodic; safe with several replicas (an advisory lock: one releases, the others
// skip their turn).
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { systemActor } from '../../policy/actor.ts'
import { appendAuditEvents } from '../../policy/audit.ts'
import { authorize } from '../../policy/authorize.ts'
import { openServer } from '../../shared/crypto.ts'
import { PENDING_PURPOSE, insertReleased, shuffle, takePending, type HeldAnswer } from './repository.ts'
import type { AmbassadorAnswers, ManagerAnswers } from './schemas.ts'

export { RELEASE_BATCH } from '../../jobs/policy.ts'

/** Releases the pending answers if it is time (or `force`); returns how many were released. */
export async function releaseSurveyAnswers(db: Db, opts: { force?: boolean } = {}): Promise<number> {
  const { kinds, event } = await inTransaction(db, async (trx) => {
    // The release job's principal takes the lock and decides whether it is time
    // (src/jobs/policy.ts job.release-surveys); audited, naming nothing, when it releases (#13).
    const auth = await authorize(trx, systemActor('survey-release'), 'job.release-surveys', { force: opts.force })
    if (!auth.facts.locked || !auth.facts.due) return { kinds: [] as ('manager' | 'ambassador')[], event: undefined }
    const taken = shuffle(await takePending(trx))
    const manager: HeldAnswer<ManagerAnswers>[] = []
    const ambassador: HeldAnswer<AmbassadorAnswers>[] = []
    for (const row of taken) {
      const held: unknown = JSON.parse(openServer(PENDING_PURPOSE, row.sealed))
      // Sealed by this server from a validated answer of that kind.
      if (row.kind === 'manager') manager.push(held as HeldAnswer<ManagerAnswers>)
      else ambassador.push(held as HeldAnswer<AmbassadorAnswers>)
    }
    await insertReleased(trx, manager, ambassador)
    return { kinds: taken.map((row) => row.kind), event: auth.auditEvent }
  })
  if (event) {
    await appendAuditEvents(db, [event, ...kinds.map((kind) => ({
      role: 'anonymous' as const, actorRef: null, action: kind === 'manager' ? 'survey.submit-manager' : 'survey.submit-ambassador',
      resourceType: 'survey', resourceId: null, engagementId: null, outcome: 'success' as const, requestId: null,
    }))])
  }
  return kinds.length
}
