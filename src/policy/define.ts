// The shape of one write action's policy. A module's policy.ts defines its actions with
// definePolicy; policy/actions.ts gathers them into the one registry.
import type { Trx } from '../db/tx.ts'
import type { Actor } from './actor.ts'

/**
 * Whom the audit trail names for the action (AUD-1), see policy/audit.ts:
 * - `manager`: the caller acts as a manager: only a keyed pseudonym is stored;
 * - `ambassador`: the caller acts as an Ambassador: their Ambassador id;
 * - `staff`: nmno, governance (by their id);
 * - `participant`: the side the facts name (`facts.side`, or the engagement's manager/Ambassador);
 * - `self-or-staff`: staff when the caller holds a staff role, else the Ambassador, else pseudonym;
 * - `anonymous`: nobody (an anonymous survey): the event carries no actor at all;
 * - `system`: a scheduled job of the service (src/jobs), by its name (`system:<job>`).
 * When in doubt (a denied attempt, no facts), the pseudonym is used: never a manager's identity.
 */
export type AuditAs = 'manager' | 'ambassador' | 'staff' | 'participant' | 'self-or-staff' | 'anonymous' | 'system'

export interface ActionPolicy<Target, Facts> {
  /** What the action is, for the reader (and the boot-time guard's messages). */
  readonly summary: string
  /** Whom the audit event names (AUD-1). */
  readonly auditAs: AuditAs
  /**
   * Loads the facts the rules need inside the write's transaction (locking with FOR UPDATE what a
   * concurrent write could change) and throws PolicyDenied / NotFound when a rule refuses.
   * Returns the facts, handed to the write through the Authorized token.
   */
  check(trx: Trx, actor: Actor, target: Target): Promise<Facts>
  /**
   * A system job's check that found nothing to do (another replica holds the work, nothing is
   * due): no audit event (#13 item 3). Only for auditAs 'system'.
   */
  readonly idleWhen?: (facts: Facts) => boolean
  /**
   * The event is not queued in the write's transaction: the caller appends `auth.auditEvent` apart,
   * after the commit (the survey release: nothing else may share the responses' transaction).
   */
  readonly auditApart?: true
}

export const definePolicy = <Target, Facts>(p: ActionPolicy<Target, Facts>) => p
