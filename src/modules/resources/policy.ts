// Policy actions for the resource catalogue (ENG-7): nmno curates it.
import { AppError, NotFound } from '../../errors/app-error.ts'
import { forbidden } from '../../errors/app-error.ts'
import { definePolicy } from '../../policy/define.ts'
import { checkIfMatch, etagOf } from '../../shared/etag.ts'
import { findResourceBySlug, lockResource } from './repository.ts'

export const resourcePolicies = {
  'resource.create': definePolicy({
    summary: 'nmno adds a resource to the catalogue (ENG-7).',
    auditAs: 'staff',
    async check(trx, actor, target: { slug: string }) {
      if (!actor.roles.has('nmno')) throw forbidden()
      if (await findResourceBySlug(trx, target.slug)) throw slugTaken()
      return {}
    },
  }),
  'resource.update': definePolicy({
    summary: 'nmno edits or retires a resource (ENG-7); the slug never changes.',
    auditAs: 'staff',
    async check(trx, actor, target: { id: string; ifMatch?: string }) {
      if (!actor.roles.has('nmno')) throw forbidden()
      const row = await lockResource(trx, target.id)
      if (!row) throw new NotFound()
      checkIfMatch(etagOf('resource', row.version), target.ifMatch)
      return { row }
    },
  }),
}

export const slugTaken = () =>
  new AppError('already-exists', { en: 'A resource with this slug already exists.', fr: 'Une ressource avec cet identifiant existe déjà.' })
