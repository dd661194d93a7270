// Policy actions for conflict-of-interest declarations (COI-1). Nobody but the declarer and nmno
// learns that a declaration exists: refusals never depend on declarations made by others.
import { AppError, NotFound, PolicyDenied } from '../../errors/app-error.ts'
import { forbidden } from '../../errors/app-error.ts'
import { actingAmbassadorId, hasRole } from '../../policy/actor.ts'
import { definePolicy } from '../../policy/define.ts'
import { requireDeclarationRoom } from '../../shared/caps.ts'
import { findAmbassadorForDeclaration, findOwnDuplicate, lockVisibleDeclaration } from './repository.ts'
import type { CreateConflictDeclarationBody } from './schemas.ts'

const aboutThemself = () =>
  new PolicyDenied('rule-violated', { en: 'A declaration names an Ambassador and another employee.', fr: 'Une déclaration nomme un ambassadeur et un autre employé.' })

export const conflictDeclarationPolicies = {
  'conflict-declaration.create': definePolicy({
    summary: 'An active Ambassador declares about any employee; a manager about an Ambassador; nmno either way (COI-1).',
    auditAs: 'self-or-staff',
    async check(trx, actor, target: CreateConflictDeclarationBody) {
      let declarerRole: 'ambassador' | 'manager' | 'nmno'
      if (hasRole(actor, 'nmno')) {
        const amb = await findAmbassadorForDeclaration(trx, target.ambassadorId, { anyStatus: true })
        if (!amb) throw new NotFound()
        if (amb.employeeRef === target.employeeRef) throw aboutThemself()
        declarerRole = 'nmno'
      } else {
        if (!actor.roles.has('manager')) throw forbidden()
        const acting = await actingAmbassadorId(trx, actor)
        if (acting !== undefined && acting === target.ambassadorId) {
          if (target.employeeRef === actor.sub) throw aboutThemself()
          declarerRole = 'ambassador'
        } else if (target.employeeRef === actor.sub) {
          // Only an Ambassador the directory shows: other records are not the manager's to see.
          const amb = await findAmbassadorForDeclaration(trx, target.ambassadorId, { anyStatus: false })
          if (!amb) throw new NotFound()
          if (amb.employeeRef === actor.sub) throw aboutThemself()
          declarerRole = 'manager'
        } else {
          throw new PolicyDenied('forbidden', {
            en: 'Declare as the Ambassador you are (your own ambassadorId), or as a manager about an Ambassador (your own employeeRef).',
            fr: 'Déclarez à titre d’ambassadeur (votre propre ambassadorId) ou à titre de gestionnaire au sujet d’un ambassadeur (votre propre employeeRef).',
          })
        }
      }
      const dup = await findOwnDuplicate(trx, { ambassadorId: target.ambassadorId, employeeRef: target.employeeRef, declarerRef: actor.sub })
      if (dup) throw alreadyDeclared(dup.id)
      if (declarerRole !== 'nmno') await requireDeclarationRoom(trx, actor.sub)
      return { declarerRole }
    },
  }),

  'conflict-declaration.delete': definePolicy({
    summary: 'The declarer or nmno withdraws a declaration; anyone else gets 404 (COI-1).',
    auditAs: 'self-or-staff',
    async check(trx, actor, target: { id: string }) {
      const row = await lockVisibleDeclaration(trx, target.id, { all: hasRole(actor, 'nmno'), declarerRef: actor.sub })
      if (!row) throw new NotFound()
      return { row }
    },
  }),
}

/** Only ever about the caller's own declaration (the uniqueness is per declarer). */
export const alreadyDeclared = (id?: string) =>
  new AppError('already-exists', { en: 'You already declared this.', fr: 'Vous avez déjà fait cette déclaration.' }, id ? { extensions: { declarationId: id } } : {})
