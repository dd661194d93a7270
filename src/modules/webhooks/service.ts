// Webhook subscriptions (#16 part 3): one transaction per write (authorize, then write); the signing
// secret is made here, sealed under DATA_KEY for the delivery job, and answered once.
import { randomBytes } from 'node:crypto'
import { isIP } from 'node:net'
import type { Config } from '../../config.ts'
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { AppError, forbidden } from '../../errors/app-error.ts'
import type { Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { openServer, sealServer } from '../../shared/crypto.ts'
import { afterOf, limitOf, pageOf, type PageQuery } from '../../shared/pagination.ts'
import { ownerRoleOf } from './policy.ts'
import { deleteSubscription, insertSubscription, listDeliveries, listSubscriptions, type Scope } from './repository.ts'
import type { CreateWebhookBody, Delivery, ListDeliveriesQuery } from './schemas.ts'

/** What the sealed secret is bound to (crypto.ts sealServer's purpose). */
const SECRET_PURPOSE = 'webhook-secret'
const SECRET_BYTES = 32

const badUrl = (en: string, fr: string) => new AppError('validation-failed', { en, fr }, { errors: [{ path: '/body/url', message: en }] })

/** A literal loopback, private or link-local address (a receiver inside the service's own network). */
function internalAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (isIP(h) === 4) return /^(127\.|10\.|0\.|169\.254\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(h)
  if (isIP(h) === 6) return h === '::1' || h === '::' || /^(fc|fd|fe8|fe9|fea|feb)/.test(h) || h.startsWith('::ffff:')
  return false
}

/**
 * The receiver's URL: https (http only outside production), a host, no user or password (they would
 * sit in logs and backups), no fragment; in production, no literal internal address either.
 */
export function checkReceiverUrl(raw: string, env: Config['env']): string {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    throw badUrl('The URL is not valid.', 'L’URL n’est pas valide.')
  }
  const production = env === 'production'
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && !production)) {
    throw badUrl('The receiver must use https.', 'Le récepteur doit utiliser https.')
  }
  if (!u.hostname) throw badUrl('The URL names no host.', 'L’URL ne nomme aucun hôte.')
  if (u.username || u.password) throw badUrl('The URL must not carry credentials.', 'L’URL ne doit pas contenir d’identifiants.')
  if (u.hash || raw.includes('#')) throw badUrl('The URL must not have a fragment.', 'L’URL ne doit pas avoir de fragment.')
  if (production && internalAddress(u.hostname)) throw badUrl('The receiver must not be an internal address.', 'Le récepteur ne doit pas être une adresse interne.')
  return u.toString()
}

/** A new signing secret: the `whsec_` form (Standard Webhooks) and its sealed form (the only one stored). */
export function newSecret(): { secret: string; sealed: string } {
  const key = randomBytes(SECRET_BYTES).toString('base64')
  return { secret: `whsec_${key}`, sealed: sealServer(SECRET_PURPOSE, key) }
}

/** The signing secret of a subscription, for the delivery job only. */
export const secretOf = (sealed: string) => `whsec_${openServer(SECRET_PURPOSE, sealed)}`

export async function createWebhook(db: Db, actor: Actor, body: CreateWebhookBody, env: Config['env']) {
  const url = checkReceiverUrl(body.url, env)
  const events = body.events.includes('*') ? ['*'] : [...body.events].sort()
  const { secret, sealed } = newSecret()
  const row = await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'webhook.create', { url, events })
    return insertSubscription(auth, { url, events, sealedSecret: sealed })
  })
  return { ...row, secret }
}

export function removeWebhook(db: Db, actor: Actor, id: string) {
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'webhook.delete', { id })
    await deleteSubscription(auth)
  })
}

function scopeOf(actor: Actor): Scope {
  const role = ownerRoleOf(actor)
  if (!role) throw forbidden()
  return role === 'nmno' ? { all: true } : { all: false, ownerRef: actor.sub }
}

export async function listWebhooks(db: Db, actor: Actor, q: PageQuery) {
  const limit = limitOf(q)
  return pageOf(await listSubscriptions(db, scopeOf(actor), afterOf(q), limit + 1), limit)
}

const dateOnly = (d: Date | string) => new Date(d).toISOString().slice(0, 10)

export async function listWebhookDeliveries(db: Db, actor: Actor, q: ListDeliveriesQuery) {
  const scope = scopeOf(actor)
  const limit = limitOf(q)
  const page = pageOf(await listDeliveries(db, scope, q.status, afterOf(q), limit + 1), limit)
  const items = page.items.map((d): Delivery => {
    const office: Delivery = {
      id: d.id, subscriptionId: d.subscriptionId, kind: d.kind, status: d.status, attempts: d.attempts,
      lastStatusCode: d.lastStatusCode, lastError: d.lastError, createdOn: dateOnly(d.createdAt),
    }
    if (scope.all) return office
    return { ...office, notificationId: d.notificationId, createdAt: d.createdAt, nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : null, deliveredAt: d.deliveredAt }
  })
  return { items, nextCursor: page.nextCursor }
}
