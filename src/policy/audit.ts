// The audit trail's writer (AUD-1, AUD-2). Every authorized write appends one event in the write's
// own transaction (queued by authorize(), appended just before commit, so a rolled-back write
// leaves no event and a created row's id can be named); a denied attempt is appended in a
// transaction of its own, a read of identified engagement data as one statement of its own
// (appendAuditEvent), both before the answer leaves (plugins/audit.ts).
//
// Events hold ids only. Who acted is stored as: a keyed pseudonym for a manager acting as a manager
// (nmno must never learn who used the network from the log), the Ambassador's record id, or the
// staff member's sub. A manager's pseudonym is scoped to one engagement (HMAC over AUDIT_KEY, the
// sub and the engagement id), so two engagements of one manager cannot be linked through it; an
// event outside any engagement (a declaration, an application) gets a fresh random one, so a
// pseudonym that nmno could resolve through the resource it names matches nothing else.
// Chaining: see the migration 20261123T150000-create-audit-events.
import { createHmac, randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { memoInRequest } from '../db/boundary.ts'
import { preparedStatement, type Db } from '../db/database.ts'
import { beforeCommit, holdsCommit, inTransaction, isRetryable, type Trx } from '../db/tx.ts'
import { actingAmbassadorId, type Actor, type Role } from './actor.ts'
import type { AuditAs } from './define.ts'
import { auditKey } from '../shared/crypto.ts'

export type AuditRole = 'manager' | 'ambassador' | 'nmno' | 'governance' | 'hr_analyst' | 'iservice' | 'anonymous' | 'system'

export interface AuditEvent {
  actorRef: string | null
  role: AuditRole
  action: string
  resourceType: string
  resourceId: string | null
  engagementId: string | null
  outcome: 'success' | 'denied'
  requestId: string | null
}

const STAFF: readonly Role[] = ['nmno', 'governance', 'hr_analyst', 'iservice']
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * A manager's pseudonym (AUD-1): within an engagement, HMAC-SHA256 under AUDIT_KEY of the sub and
 * the engagement id (stable there, so the access log can say "You", AUD-3); outside one, 128 random
 * bits of the same shape, used once.
 */
export function managerPseudonym(sub: string, engagementId: string | null | undefined): string {
  if (!engagementId || !UUID.test(engagementId)) return `p-${randomBytes(16).toString('hex')}`
  const h = createHmac('sha256', auditKey()).update('m2m-audit-pseudonym:')
  for (const part of [sub, engagementId.toLowerCase()]) h.update(`${Buffer.byteLength(part)}:`).update(part)
  return `p-${h.digest('hex').slice(0, 32)}`
}

const asManager = (actor: Actor, engagementId: string | null) => ({ role: 'manager' as const, actorRef: managerPseudonym(actor.sub, engagementId) })
const staffRole = (actor: Actor) => STAFF.find((r) => actor.roles.has(r))

interface Who { role: AuditRole; actorRef: string | null }

/**
 * Whom an event names. Whatever cannot be established (a denied attempt, no facts) falls back to
 * the pseudonym: the trail never names a manager by their sub.
 */
export async function auditActor(trx: Trx | Db, actor: Actor, as: AuditAs, anyFacts: unknown, engagementId: string | null): Promise<Who> {
  const facts = anyFacts as AuditedFacts | null | undefined
  switch (as) {
    case 'anonymous':
      return { role: 'anonymous', actorRef: null }
    case 'system':
      return { role: 'system', actorRef: actor.sub }
    case 'manager':
      return asManager(actor, engagementId)
    case 'staff': {
      const role = staffRole(actor)
      return role ? { role, actorRef: actor.sub } : asManager(actor, engagementId)
    }
    case 'ambassador': {
      const id = facts?.engagement?.ambassadorId ?? (await actingAmbassadorId(trx, actor))
      return id ? { role: 'ambassador', actorRef: id } : asManager(actor, engagementId)
    }
    case 'self-or-staff': {
      const role = staffRole(actor)
      if (role) return { role, actorRef: actor.sub }
      const id = await actingAmbassadorId(trx, actor)
      return id ? { role: 'ambassador', actorRef: id } : asManager(actor, engagementId)
    }
    case 'participant':
      if (facts?.side === 'manager') return asManager(actor, engagementId)
      if (facts?.side === 'ambassador' && facts?.engagement?.ambassadorId) return { role: 'ambassador', actorRef: facts.engagement.ambassadorId }
      return sideOf(trx, actor, engagementId)
  }
}

/** The caller's side of an engagement, read from the database (reads and denied attempts). */
async function sideOf(trx: Trx | Db, actor: Actor, engagementId: string | null): Promise<Who> {
  if (engagementId && UUID.test(engagementId)) {
    const read = () => trx.selectFrom('engagements').select(['managerRef', 'ambassadorId']).where('id', '=', engagementId).executeTakeFirst()
    // The read this event audits has usually resolved the engagement already (requireParticipant).
    const e = trx.isTransaction ? await read() : await memoInRequest(`engagement-parties:${engagementId}`, read)
    if (e && e.managerRef === actor.sub && actor.roles.has('manager')) return asManager(actor, engagementId)
    const acting = await actingAmbassadorId(trx, actor)
    if (e && acting && e.ambassadorId === acting) return { role: 'ambassador', actorRef: acting }
  }
  const role = staffRole(actor)
  return role ? { role, actorRef: actor.sub } : asManager(actor, engagementId)
}

/** What an event reads of an action's facts (each action has its own; these fields, when present, mean this). */
type AuditedFacts = { engagement?: { id?: unknown; ambassadorId?: string }; side?: unknown }

/** The resource an action's target names: `<type>Id`, else `id`; and the engagement it belongs to. */
export function auditTarget(action: string, anyTarget: unknown, anyFacts: unknown) {
  const target = anyTarget as Record<string, unknown> | null | undefined
  const facts = anyFacts as AuditedFacts | null | undefined
  const resourceType = action.slice(0, action.indexOf('.'))
  const key = `${resourceType.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())}Id`
  const pick = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null)
  const resourceId = pick(target?.[key]) ?? pick(target?.id) ?? null
  const engagementId = pick(target?.engagementId) ?? (resourceType === 'engagement' ? resourceId : null) ?? pick(facts?.engagement?.id)
  return { resourceType, resourceId, engagementId: engagementId && UUID.test(engagementId) ? engagementId : null }
}

const queues = new WeakMap<Trx, AuditEvent[]>()

/**
 * Queues an event to be appended just before the transaction commits (at once in a transaction
 * inTransaction did not open). The event stays mutable until then: see recordCreated.
 */
export async function queueAuditEvent(trx: Trx, event: AuditEvent): Promise<void> {
  let queue = queues.get(trx)
  if (!queue) {
    const q: AuditEvent[] = []
    if (!beforeCommit(trx, () => appendEvents(trx, q.splice(0)))) return appendEvents(trx, [event])
    queues.set(trx, q)
    queue = q
  }
  queue.push(event)
}

/** Appends events in a transaction of their own (denied attempts, reads). */
export function appendAuditEvents(db: Db, events: AuditEvent[]): Promise<void> {
  return inTransaction(db, (trx) => appendEvents(trx, events))
}

/**
 * One event as one statement of its own (#18: the event of an identified read, plugins/audit.ts):
 * the chain-head statement below is atomic on its own and, outside a transaction, committed when
 * it returns, so BEGIN and COMMIT would only add two round trips. Within a request that holds its
 * commit (an Idempotency-Key), the event joins that transaction as before.
 */
export async function appendAuditEvent(db: Db, event: AuditEvent): Promise<void> {
  if (holdsCommit()) return appendAuditEvents(db, [event])
  for (let attempt = 1; ; attempt++) {
    try {
      if (!(await appendOn(db, event, FREE_CHAIN_HEAD))) await appendOn(db, event, WAIT_FOR_ONE_HEAD)
      return
    } catch (err) {
      // As inTransaction: a deadlock or serialization failure rolled the statement back; run it again.
      if (attempt >= 3 || !isRetryable(err)) throw err
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt))
    }
  }
}

// Any chain head no other transaction holds, in a fixed order per backend: no write of the service
// waits on another's audit event. Only when every head is taken does an event wait for one (its
// own, by backend pid). Both follow a WHERE (auditAppendCtes); the first is also the head of the
// writes that carry their own event (the engagements' optimistic writes).
export const FREE_CHAIN_HEAD = sql`ORDER BY (id + pg_backend_pid()) % 16, id LIMIT 1 FOR UPDATE SKIP LOCKED`
const WAIT_FOR_ONE_HEAD = sql`AND id = (SELECT min(id) + pg_backend_pid() % count(*) FROM audit_chains) FOR UPDATE`
const prepared = new Set<unknown>()

async function appendEvents(trx: Trx, events: AuditEvent[]) {
  for (const e of events) {
    const appended = await appendOn(trx, e, FREE_CHAIN_HEAD)
    if (!appended) await appendOn(trx, e, WAIT_FOR_ONE_HEAD)
  }
}

/** Appends e on the head pickHead selects and locks, in one statement; false when it selected none. */
async function appendOn(trx: Trx | Db, e: AuditEvent, pickHead: ReturnType<typeof sql>): Promise<boolean> {
  const query = sql<{ id: number }>`WITH ${auditAppendCtes(e, pickHead)} SELECT id FROM audit_appended`
  // #18: one text per way of picking the head (every value a parameter): named prepared statements on PostgreSQL.
  if (!prepared.has(pickHead)) {
    preparedStatement(pickHead === FREE_CHAIN_HEAD ? 'm2m_audit_append' : 'm2m_audit_append_wait', query.compile(trx).sql)
    prepared.add(pickHead)
  }
  return (await query.execute(trx)).rows.length > 0
}

/**
 * The append of one event as common table expressions, for appendEvents and for a write that
 * carries its own event in its one statement (#18, the engagements' optimistic writes):
 * `audit_head` (the chain head picked by `pickHead`, which follows a WHERE: FREE_CHAIN_HEAD or `AND …`; `gate`, a condition
 * the head is picked under: no head, no event), then the event and the head moved
 * (`audit_appended`: one row, the chain's id, when the event was appended).
 */
export function auditAppendCtes(e: AuditEvent, pickHead: ReturnType<typeof sql>, gate: ReturnType<typeof sql> = sql`TRUE`) {
  return sql`audit_head AS (SELECT id, seq, head_hash FROM audit_chains WHERE ${gate} ${pickHead}),
    audit_ev AS (
      SELECT id AS chain_id, seq + 1 AS seq, now() AS at, head_hash AS prev_hash,
        ${e.actorRef}::text AS actor_ref, ${e.role}::text AS role, ${e.action}::text AS action,
        ${e.resourceType}::text AS resource_type, ${e.resourceId}::text AS resource_id, ${e.engagementId}::uuid AS engagement_id,
        ${e.outcome}::text AS outcome, ${e.requestId}::text AS request_id
      FROM audit_head
    ),
    audit_ins AS (
      INSERT INTO audit_events (chain_id, seq, at, actor_ref, role, action, resource_type, resource_id, engagement_id, outcome, request_id, prev_hash, hash)
      SELECT chain_id, seq, at, actor_ref, role, action, resource_type, resource_id, engagement_id, outcome, request_id, prev_hash,
        audit_hash(prev_hash, audit_canonical(chain_id, seq, at, actor_ref, role, action, resource_type, resource_id, engagement_id, outcome, request_id))
      FROM audit_ev
      RETURNING chain_id, seq, hash
    ),
    audit_appended AS (UPDATE audit_chains c SET seq = audit_ins.seq, head_hash = audit_ins.hash FROM audit_ins WHERE c.id = audit_ins.chain_id RETURNING c.id)`
}
