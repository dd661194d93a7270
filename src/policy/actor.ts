// Who is calling. Roles come from the token's `roles` claim; acting as an Ambassador is never a
// claim: it is read from the database on each request that needs it (AUTH-1).
import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import { memoInRequest } from '../db/boundary.ts'
import type { Trx } from '../db/tx.ts'

export const ROLES = ['manager', 'nmno', 'governance', 'hr_analyst', 'iservice'] as const
export type Role = (typeof ROLES)[number]

export interface Actor {
  /** The employee's stable id (the token's `sub`). */
  readonly sub: string
  readonly roles: ReadonlySet<Role>
  /** The request this actor made (audit events carry it, AUD-1). */
  readonly requestId?: string
  /** Set only on the system actors of src/jobs (systemActor): a scheduled job of the service. */
  readonly job?: JobName
}

/** The service's own scheduled jobs (src/jobs): each acts as a principal of its own (#13 item 3). */
export type JobName = 'request-expiry' | 'term-expiry' | 'retention' | 'stats-rollup' | 'survey-release' | 'housekeeping' | 'urgent-requests' | 'survey-reminders' | 'reminders' | 'webhook-delivery' | 'waitlist-offers'

const systemActors = new Map<JobName, Actor>()

/**
 * The principal of a system job: `system:<job>` in the audit trail. Never a token's (no role, and
 * the auth plugin never sets `job`); policies compare by identity (isJob), so no request can act as it.
 */
export function systemActor(job: JobName): Actor {
  let actor = systemActors.get(job)
  if (!actor) {
    actor = Object.freeze({ sub: `system:${job}`, roles: new Set<Role>(), job })
    systemActors.set(job, actor)
  }
  return actor
}

export const isJob = (actor: Actor, job: JobName) => actor === systemActors.get(job)

export const hasRole = (actor: Actor, ...roles: Role[]) => roles.some((r) => actor.roles.has(r))

/** The SQL condition "this Ambassador record is active and within its term" (AMB-5: at query time; the SQL function of migration 20261204T200000-derived-state). */
export const ACTIVE_IN_TERM = sql<boolean>`ambassador_in_term(status, term_end)`

/**
 * The id of the Ambassador record the caller acts as: active and within its term, checked against
 * the database every time, so a suspension or revocation takes effect at once (AUTH-1).
 */
export async function actingAmbassadorId(db: Db | Trx, actor: Actor): Promise<string | undefined> {
  if (!actor.roles.has('manager')) return undefined
  const read = async () => (await db.selectFrom('ambassadors').select('id').where('employeeRef', '=', actor.sub).where(ACTIVE_IN_TERM).executeTakeFirst())?.id
  // In a write's transaction: read there (and under its locks). A read request resolves it once.
  return db.isTransaction ? read() : memoInRequest(actingKey(actor), read)
}

const actingKey = (actor: Actor) => `acting-ambassador:${actor.sub}`

/** A read that resolved the caller's Ambassador record in its own SQL (the same condition) keeps it for the rest of the request. */
export function rememberActingAmbassadorId(actor: Actor, id: string | undefined): void {
  void memoInRequest(actingKey(actor), async () => id)
}
