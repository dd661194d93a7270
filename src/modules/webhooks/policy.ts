// Who may subscribe a receiver and remove one (#16 part 3): the office (nmno) and the intranet
// service client (iservice); nobody else learns the subscriptions exist (403 by role).
import { sql } from 'kysely'
import { NotFound, PolicyDenied, forbidden } from '../../errors/app-error.ts'
import { hasRole, type Actor } from '../../policy/actor.ts'
import { definePolicy } from '../../policy/define.ts'

/** At most this many subscriptions in all (each notification writes one outbox row per match). */
export const MAX_SUBSCRIPTIONS = 20
/** Serialises the count check with concurrent creations. */
const SUBSCRIPTIONS_LOCK = 4_242_016

export const ownerRoleOf = (actor: Actor): 'nmno' | 'iservice' | undefined =>
  hasRole(actor, 'nmno') ? 'nmno' : hasRole(actor, 'iservice') ? 'iservice' : undefined

export const webhookPolicies = {
  'webhook.create': definePolicy({
    summary: 'nmno or the iservice client subscribes a receiver to the principals’ notifications (content-free: ids and kind only); at most 20 subscriptions.',
    auditAs: 'staff',
    async check(trx, actor, _target: { url: string; events: string[] }) {
      const ownerRole = ownerRoleOf(actor)
      if (!ownerRole) throw forbidden()
      await sql`SELECT pg_advisory_xact_lock(${SUBSCRIPTIONS_LOCK})`.execute(trx)
      const { n } = await trx.selectFrom('webhookSubscriptions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      if (Number(n) >= MAX_SUBSCRIPTIONS) {
        throw new PolicyDenied('limit-reached', { en: `At most ${MAX_SUBSCRIPTIONS} webhook subscriptions: remove one first.`, fr: `Au plus ${MAX_SUBSCRIPTIONS} abonnements webhook : supprimez-en un d’abord.` })
      }
      return { ownerRole }
    },
  }),
  'webhook.delete': definePolicy({
    summary: 'nmno removes any subscription, the iservice client its own; its pending deliveries go with it.',
    auditAs: 'staff',
    async check(trx, actor, target: { id: string }) {
      const ownerRole = ownerRoleOf(actor)
      if (!ownerRole) throw forbidden()
      let q = trx.selectFrom('webhookSubscriptions').select(['id']).where('id', '=', target.id)
      if (ownerRole !== 'nmno') q = q.where('ownerRef', '=', actor.sub)
      const row = await q.forUpdate().executeTakeFirst()
      if (!row) throw new NotFound()
      return { subscription: row }
    },
  }),
}
