// authorize() is the only way to obtain an Authorized<A>, and every repository write demands one:
// a write that skipped the policy does not compile. It is also where the audit trail (AUD-1) sees
// every write: an allowed action queues its event in the write's transaction; a refused one
// carries its event on the error, appended after the rollback (plugins/audit.ts).
import { permitWrites, withinTransaction } from '../db/boundary.ts'
import type { Db } from '../db/database.ts'
import type { Trx } from '../db/tx.ts'
import { AppError } from '../errors/app-error.ts'
import type { Action, Policies } from './actions.ts'
import type { Actor } from './actor.ts'
import { auditActor, auditTarget, managerPseudonym, queueAuditEvent, type AuditEvent } from './audit.ts'
import type { AuditAs } from './define.ts'
import { policyOf } from './registry.ts'

export type TargetOf<A extends Action> = Parameters<Policies[A]['check']>[2]
export type FactsOf<A extends Action> = Awaited<ReturnType<Policies[A]['check']>>

declare const authorizedBrand: unique symbol

export interface Authorized<A extends Action> {
  readonly trx: Trx
  readonly actor: Actor
  readonly action: A
  readonly facts: FactsOf<A>
  /** The audit event queued for this write (appended just before commit). */
  readonly auditEvent: AuditEvent
  readonly [authorizedBrand]: A
}

export const isAction = (name: unknown): name is Action => policyOf(name) !== undefined

const DENIAL = Symbol('audit denial')

/** The audit event of a refused action, carried by the error it threw. */
export const deniedAuditEventOf = (err: unknown): AuditEvent | undefined =>
  err && typeof err === 'object' ? (err as { [DENIAL]?: AuditEvent })[DENIAL] : undefined

export async function authorize<A extends Action>(trx: Trx, actor: Actor, action: A, target: TargetOf<A>): Promise<Authorized<A>> {
  // An unknown action denies (defence in depth: the type system already refuses it).
  const policy = policyOf(action) as { auditAs: AuditAs; check(trx: Trx, actor: Actor, target: unknown): Promise<unknown>; idleWhen?: (facts: unknown) => boolean; auditApart?: true } | undefined
  if (!policy) throw new AppError('forbidden')
  const as = policy.auditAs
  let facts: unknown
  try {
    facts = await policy.check(trx, actor, target)
  } catch (err) {
    if (err instanceof AppError) Object.defineProperty(err, DENIAL, { value: await auditEvent(trx, actor, action, as, target, undefined, 'denied') })
    throw err
  }
  // Inside a request, only the route's own action opens the transaction to writes (db/boundary.ts).
  permitWrites(trx, action)
  const event = await auditEvent(trx, actor, action, as, target, facts, 'success')
  // An anonymous action's event is appended by its module apart from the write (the survey release
  // job, #11 finding 4): in the write's transaction it would sit next to what it must not name.
  // A system job with nothing to do leaves no event (#13 item 3).
  const idle = as === 'system' && policy.idleWhen?.(facts) === true
  if (as !== 'anonymous' && !idle && !policy.auditApart) await queueAuditEvent(trx, event)
  return { trx, actor, action, facts, auditEvent: event } as unknown as Authorized<A>
}

async function auditEvent(trx: Trx, actor: Actor, action: string, as: AuditAs, target: unknown, facts: unknown, outcome: AuditEvent['outcome']): Promise<AuditEvent> {
  const { resourceType, resourceId, engagementId } = auditTarget(action, target, facts)
  // An anonymous action (a survey answer, RPT-2) names nothing that could be joined back.
  if (as === 'anonymous') return { role: 'anonymous', actorRef: null, action, resourceType, resourceId: null, engagementId: null, outcome, requestId: null }
  let who: Awaited<ReturnType<typeof auditActor>>
  try {
    who = await auditActor(trx, actor, as, facts, engagementId)
  } catch {
    // A transaction the refusal left unusable: the pseudonym, never an identity.
    who = { role: 'manager', actorRef: managerPseudonym(actor.sub, engagementId) }
  }
  return { ...who, action, resourceType, resourceId, engagementId, outcome, requestId: actor.requestId ?? null }
}

/** Names the row a create action made in its queued audit event (and the engagement, if it is one). */
export function recordCreated<T extends { id: string } | undefined>(auth: Authorized<Action>, row: T): T {
  if (!row) return row
  const e = auth.auditEvent
  e.resourceId = row.id
  if (e.resourceType === 'engagement') {
    e.engagementId = row.id
    // The manager's pseudonym is scoped to the engagement just made (AUD-1).
    if (e.role === 'manager') e.actorRef = managerPseudonym(auth.actor.sub, row.id)
  }
  return row
}

/**
 * #18: the policy decided in TypeScript on facts read outside a transaction, for a write carried out
 * by one guarded statement (the engagements' optimistic writes, src/modules/engagements/README.md).
 * `decide` throws what the policy's check would throw for the same facts; a refusal carries its
 * denied event as with authorize(). Allowed: the facts, the success event (which the write appends
 * itself, in its statement) and `write`, which runs its statement inside the request's policy
 * boundary as the action's own write.
 */
export async function authorizeOptimistic<A extends Action, F>(db: Db, actor: Actor, action: A, target: TargetOf<A>, decide: () => F) {
  const as = (policyOf(action) as { auditAs: AuditAs } | undefined)?.auditAs
  if (!as || as === 'anonymous' || as === 'system') throw new AppError('forbidden')
  const trx = db as unknown as Trx // auditActor reads nothing for a manager's action
  let facts: F
  try {
    facts = decide()
  } catch (err) {
    if (err instanceof AppError) Object.defineProperty(err, DENIAL, { value: await auditEvent(trx, actor, action, as, target, undefined, 'denied') })
    throw err
  }
  const auditEventOf = (f: unknown) => auditEvent(trx, actor, action, as, target, f, 'success')
  const token = {}
  return {
    facts,
    auditEvent: await auditEventOf(facts),
    write: <T>(fn: () => Promise<T>): Promise<T> => withinTransaction(token, () => { permitWrites(token, action); return fn() }),
  }
}
