// authorize() is the only way to obtain an Authorized<A>, and every repository write demands one:
// a write that skipped the policy does not compile.
import type { Trx } from '../db/tx.ts'
import { AppError } from '../errors/app-error.ts'
import { actions, type Action } from './actions.ts'
import type { Actor } from './actor.ts'

type Policies = typeof actions
export type TargetOf<A extends Action> = Parameters<Policies[A]['check']>[2]
export type FactsOf<A extends Action> = Awaited<ReturnType<Policies[A]['check']>>

declare const authorizedBrand: unique symbol

export interface Authorized<A extends Action> {
  readonly trx: Trx
  readonly actor: Actor
  readonly action: A
  readonly facts: FactsOf<A>
  readonly [authorizedBrand]: A
}

export const isAction = (name: unknown): name is Action =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(actions, name)

export async function authorize<A extends Action>(trx: Trx, actor: Actor, action: A, target: TargetOf<A>): Promise<Authorized<A>> {
  // An unknown action denies (defence in depth: the type system already refuses it).
  if (!isAction(action)) throw new AppError('forbidden')
  const policy = actions[action] as { check(trx: Trx, actor: Actor, target: unknown): Promise<unknown> }
  const facts = await policy.check(trx, actor, target)
  return { trx, actor, action, facts } as unknown as Authorized<A>
}
