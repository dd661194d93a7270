// SQL of webhook subscriptions and their deliveries (the outbox the notifications trigger writes).
import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import { recordCreated, type Authorized } from '../../policy/authorize.ts'
import { afterWhere, sortKeyOf, type After } from '../../shared/pagination.ts'

export const subscriptionColumns = ['id', 'url', 'events', 'createdAt'] as const

export async function insertSubscription(auth: Authorized<'webhook.create'>, row: { url: string; events: string[]; sealedSecret: string }) {
  const s = await auth.trx.insertInto('webhookSubscriptions')
    .values({ url: row.url, events: row.events, sealedSecret: row.sealedSecret, ownerRef: auth.actor.sub, ownerRole: auth.facts.ownerRole })
    .returning(subscriptionColumns).executeTakeFirstOrThrow()
  return recordCreated(auth, s)
}

export const deleteSubscription = (auth: Authorized<'webhook.delete'>) =>
  auth.trx.deleteFrom('webhookSubscriptions').where('id', '=', auth.facts.subscription.id).execute()

/** What a reader may list: nmno everything, the iservice client its own subscriptions. */
export type Scope = { all: true } | { all: false; ownerRef: string }

export function listSubscriptions(db: Db, scope: Scope, after: After | undefined, limit: number) {
  let q = db.selectFrom('webhookSubscriptions').select([...subscriptionColumns, sortKeyOf('created_at').as('sortKey')])
  if (!scope.all) q = q.where('ownerRef', '=', scope.ownerRef)
  if (after) q = q.where(afterWhere('created_at', 'id', after))
  return q.orderBy('createdAt').orderBy('id').limit(limit).execute()
}

export function listDeliveries(db: Db, scope: Scope, status: string | undefined, after: After | undefined, limit: number) {
  let q = db.selectFrom('webhookDeliveries as d')
    .innerJoin('webhookSubscriptions as s', 's.id', 'd.subscriptionId')
    .innerJoin('notifications as n', 'n.id', 'd.notificationId')
    .select(['d.id', 'd.subscriptionId', 'n.kind', 'd.status', 'd.attempts', 'd.lastStatusCode', 'd.lastError', 'd.notificationId',
      'd.createdAt', 'd.nextAttemptAt', 'd.deliveredAt', sortKeyOf('d.created_at').as('sortKey')])
  if (!scope.all) q = q.where('s.ownerRef', '=', scope.ownerRef)
  if (status) q = q.where('d.status', '=', status as 'pending')
  if (after) q = q.where(afterWhere('d.created_at', 'd.id', after))
  return q.orderBy('d.createdAt').orderBy('d.id').limit(limit).execute()
}

/** The outbox's backlog by status (metrics). */
export async function deliveryBacklog(db: Db): Promise<Record<'pending' | 'dead', number>> {
  const r = await sql<{ pending: number; dead: number }>`SELECT
    count(*) FILTER (WHERE status = 'pending')::int AS pending, count(*) FILTER (WHERE status = 'dead')::int AS dead
    FROM webhook_deliveries`.execute(db)
  return { pending: Number(r.rows[0]?.pending ?? 0), dead: Number(r.rows[0]?.dead ?? 0) }
}
