// The shape of one write action's policy. A module's policy.ts defines its actions with
// definePolicy; policy/actions.ts gathers them into the one registry.
import type { Trx } from '../db/tx.ts'
import type { Actor } from './actor.ts'

export interface ActionPolicy<Target, Facts> {
  /** What the action is, for the reader (and the boot-time guard's messages). */
  readonly summary: string
  /**
   * Loads the facts the rules need inside the write's transaction (locking with FOR UPDATE what a
   * concurrent write could change) and throws PolicyDenied / NotFound when a rule refuses.
   * Returns the facts, handed to the write through the Authorized token.
   */
  check(trx: Trx, actor: Actor, target: Target): Promise<Facts>
}

export const definePolicy = <Target, Facts>(p: ActionPolicy<Target, Facts>) => p
