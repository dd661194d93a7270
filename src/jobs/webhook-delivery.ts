// #16 part 3: the webhook delivery job (`webhook-delivery`, action `job.deliver-webhooks`).
//
// The outbox (webhook_deliveries) is written by a trigger in the transaction that inserts a
// principal's notification (migration 20261208T120000), so a rolled-back write sends nothing. This
// job sends what is due, at least once:
//   1. claim: in one short transaction, up to BATCH due rows (pending, next_attempt_at passed) are
//      taken with FOR UPDATE SKIP LOCKED (two replicas never take the same row), their attempt
//      counted and next_attempt_at moved a lease ahead, so a replica that dies while sending leaves
//      them to be sent again once the lease is over (at-least-once; the receiver dedupes on
//      `webhook-id`, the delivery's id, the same on every attempt);
//   2. send: outside any transaction, each POSTed with the Standard Webhooks signature
//      (`standardwebhooks`: webhook-id, webhook-timestamp, webhook-signature), within timeoutMs,
//      redirects not followed;
//   3. record: a 2xx is `delivered`; anything else (status, network error, timeout) is retried after
//      backoffBaseMs × 2^(attempts-1) (capped at a day), and after maxAttempts the delivery is `dead`
//      (nmno sees it: GET /v1/webhooks/deliveries?status=dead).
// The payload names the recipient's id, the notification id and its kind only:
//   {type: 'notification.created', timestamp, data: {recipient, notificationId, kind}}.
// What is kept of a failure is its class (`HTTP 500`, `timeout`, `network error`), never a body.
import { sql } from 'kysely'
import { Webhook } from 'standardwebhooks'
import type { Config } from '../config.ts'
import type { Db } from '../db/database.ts'
import { inTransaction } from '../db/tx.ts'
import { systemActor } from '../policy/actor.ts'
import { authorize, type Authorized } from '../policy/authorize.ts'
import { secretOf } from '../modules/webhooks/service.ts'

export const WEBHOOK_DELIVERY = systemActor('webhook-delivery')
export const BATCH = 20
const DAY_MS = 86_400_000

export type DeliveryOptions = Config['webhooks'] & { batch?: number }

interface Claimed {
  id: string
  attempts: number
  url: string
  sealedSecret: string
  notificationId: string
  recipientRef: string
  kind: string
  createdAt: Date | string
}

interface Outcome { id: string; attempts: number; ok: boolean; statusCode: number | null; error: string | null }

/** The delay before the next attempt after `attempts` failed ones. */
export const backoffMs = (base: number, attempts: number) => Math.min(base * 2 ** Math.max(0, attempts - 1), DAY_MS)

export async function webhooksDue(trx: Authorized<'job.deliver-webhooks'>['trx']) {
  const r = await sql<{ due: boolean }>`SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()) AS due`.execute(trx)
  return Boolean(r.rows[0]?.due)
}

async function claim(auth: Authorized<'job.deliver-webhooks'>, batch: number, leaseMs: number): Promise<Claimed[]> {
  const r = await sql<Claimed>`
    WITH due AS (
      SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
      ORDER BY next_attempt_at, id LIMIT ${batch} FOR UPDATE SKIP LOCKED
    )
    UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000})
    FROM due, webhook_subscriptions s, notifications n
    WHERE d.id = due.id AND s.id = d.subscription_id AND n.id = d.notification_id
    RETURNING d.id, d.attempts, s.url, s.sealed_secret, n.id AS notification_id, n.recipient_ref, n.kind, n.created_at`.execute(auth.trx)
  return r.rows
}

/** The body of one delivery: ids and kind, nothing else. */
export function payloadOf(c: Pick<Claimed, 'notificationId' | 'recipientRef' | 'kind' | 'createdAt'>): string {
  return JSON.stringify({
    type: 'notification.created',
    timestamp: new Date(c.createdAt).toISOString(),
    data: { recipient: c.recipientRef, notificationId: c.notificationId, kind: c.kind },
  })
}

async function send(c: Claimed, timeoutMs: number): Promise<Outcome> {
  const base = { id: c.id, attempts: c.attempts }
  const body = payloadOf(c)
  const now = new Date()
  let signature: string
  try {
    signature = new Webhook(secretOf(c.sealedSecret)).sign(c.id, now, body)
  } catch {
    return { ...base, ok: false, statusCode: null, error: 'secret unusable' }
  }
  try {
    const res = await fetch(c.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'm2m-network-webhooks/1',
        'webhook-id': c.id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
    })
    // The answer's body is never read into anything kept; drained so the connection is freed.
    await res.arrayBuffer().catch(() => undefined)
    const ok = res.status >= 200 && res.status < 300
    return { ...base, ok, statusCode: res.status, error: ok ? null : res.status >= 300 && res.status < 400 ? `HTTP ${res.status} (redirects are not followed)` : `HTTP ${res.status}` }
  } catch (err) {
    const name = (err as { name?: string } | null)?.name
    return { ...base, ok: false, statusCode: null, error: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network error' }
  }
}

async function record(auth: Authorized<'job.deliver-webhooks'>, outcomes: Outcome[], opts: DeliveryOptions) {
  let delivered = 0
  let retried = 0
  let dead = 0
  for (const o of outcomes) {
    // Only the attempt this run claimed: a lease that ran out and was claimed again is the later one's.
    const mine = sql<boolean>`id = ${o.id} AND status = 'pending' AND attempts = ${o.attempts}`
    if (o.ok) {
      const r = await sql`UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), last_status_code = ${o.statusCode}, last_error = NULL WHERE ${mine}`.execute(auth.trx)
      delivered += Number(r.numAffectedRows ?? 0)
    } else if (o.attempts >= opts.maxAttempts) {
      const r = await sql`UPDATE webhook_deliveries SET status = 'dead', last_status_code = ${o.statusCode}, last_error = ${o.error} WHERE ${mine}`.execute(auth.trx)
      dead += Number(r.numAffectedRows ?? 0)
    } else {
      const delay = backoffMs(opts.backoffBaseMs, o.attempts)
      const r = await sql`UPDATE webhook_deliveries SET next_attempt_at = now() + make_interval(secs => ${delay / 1000}),
        last_status_code = ${o.statusCode}, last_error = ${o.error} WHERE ${mine}`.execute(auth.trx)
      retried += Number(r.numAffectedRows ?? 0)
    }
  }
  return { delivered, retried, dead }
}

/** One run: claims what is due, sends it, records each outcome. */
export async function deliverWebhooks(db: Db, opts: DeliveryOptions) {
  const batch = opts.batch ?? BATCH
  // A lease well past the sending time: no other replica re-sends a row still being sent.
  const leaseMs = opts.timeoutMs * 2 + 30_000
  const claimed = await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, WEBHOOK_DELIVERY, 'job.deliver-webhooks', { phase: 'claim' })
    return auth.facts.due ? claim(auth, batch, leaseMs) : []
  })
  if (claimed.length === 0) return { delivered: 0, retried: 0, dead: 0 }
  const outcomes = await Promise.all(claimed.map((c) => send(c, opts.timeoutMs)))
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, WEBHOOK_DELIVERY, 'job.deliver-webhooks', { phase: 'record' })
    return record(auth, outcomes, opts)
  })
}
