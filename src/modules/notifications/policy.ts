import { NotFound } from '../../errors/app-error.ts'
import { forbidden } from '../../plugins/auth.ts'
import { definePolicy } from '../../policy/define.ts'

export const notificationPolicies = {
  'notification.read-own': definePolicy({
    summary: 'A principal marks a notification of their own inbox as read.',
    async check(trx, actor, target: { id: string }) {
      const row = await trx.selectFrom('notifications').select('id').where('id', '=', target.id)
        .where('audience', '=', 'principal').where('recipientRef', '=', actor.sub).forUpdate().executeTakeFirst()
      if (!row) throw new NotFound()
      return {}
    },
  }),
  'notification.resolve': definePolicy({
    summary: 'nmno resolves a notification of the office inbox.',
    async check(trx, actor, target: { id: string }) {
      if (!actor.roles.has('nmno')) throw forbidden()
      const row = await trx.selectFrom('notifications').select('id').where('id', '=', target.id)
        .where('audience', '=', 'nmno').forUpdate().executeTakeFirst()
      if (!row) throw new NotFound()
      return {}
    },
  }),
}
