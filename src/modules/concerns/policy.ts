// Policy actions for concerns (#14 item 1; FAQ Q10, Q12; Confidentiality; Supervisor / Ambassador
// Conflict; Revocation). Who may raise what is decided here, in the write's transaction. The
// target never carries the engagement id under a name the audit trail reads (`engagementRef`),
// and the facts carry no `engagement`: the audit event of a concern links it to no engagement,
// so nmno cannot connect the two through the audit log either.
import { AppError, NotFound, PolicyDenied, forbidden } from '../../errors/app-error.ts'
import { actingAmbassadorId } from '../../policy/actor.ts'
import { definePolicy } from '../../policy/define.ts'
import { checkIfMatch, etagOf } from '../../shared/etag.ts'
import { identifyingToken } from '../revocation-cases/repository.ts'
import type { Trx } from '../../db/tx.ts'
import { lockConcern, supervises } from './repository.ts'
import type { ConcernKind, ConcernStatus } from './schemas.ts'

/** open → acknowledged → resolved {outcome}; open or acknowledged → escalated (to governance) → resolved. */
export const CONCERN_TRANSITIONS: Record<ConcernStatus, readonly ConcernStatus[]> = {
  open: ['acknowledged', 'escalated'],
  acknowledged: ['resolved', 'escalated'],
  escalated: ['resolved'],
  resolved: [],
}

const fold = (text: string) => text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^a-z0-9]/g, '')

/**
 * REV-1's rule (a known employee reference), plus the managers the Ambassador concerned supports or
 * supported: a concern is exactly where an Ambassador might be tempted to name one.
 */
export async function refuseIdentifyingConcernText(trx: Trx, field: string, text: string, subjectRef: string, ambassadorId?: string | null) {
  let named = await identifyingToken(trx, text, subjectRef)
  if (!named && ambassadorId) {
    const managers = await trx.selectFrom('engagements').select('managerRef').distinct().where('ambassadorId', '=', ambassadorId).execute()
    const words = new Set(text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().split(/[^a-z0-9]+/))
    const compact = fold(text)
    named = managers.some(({ managerRef }) => {
      const n = fold(managerRef)
      return n !== '' && (words.has(n) || ((n.length >= 8 || (n.length >= 4 && /[0-9]/.test(n))) && compact.includes(n)))
    })
  }
  if (named) {
    throw new PolicyDenied('identifying-text', {
      en: `The ${field} names an employee. Describe the facts without identifying managers or other employees.`,
      fr: `Le champ ${field} nomme un employé. Décrivez les faits sans identifier de gestionnaire ni d’autre employé.`,
    }, { extensions: { field } })
  }
}

const who = () => new PolicyDenied('forbidden', {
  en: 'An Ambassador raises any concern but one about an Ambassador’s conduct; a manager raises one about the conduct of their own engagement’s Ambassador; a supervisor raises a supervisor conflict about an Ambassador they supervise.',
  fr: 'Un ambassadeur soulève toute préoccupation sauf une sur la conduite d’un ambassadeur; un gestionnaire en soulève une sur la conduite de l’ambassadeur de son propre jumelage; un superviseur soulève un conflit de supervision au sujet d’un ambassadeur qu’il supervise.',
})

const required = (field: string) => new AppError('validation-failed', { en: `${field} is required for this kind of concern.`, fr: `${field} est requis pour ce type de préoccupation.` }, { errors: [{ path: `/body/${field}`, message: 'is required' }] })

interface RaiseTarget { kind: ConcernKind; engagementRef?: string; ambassadorRef?: string; summary: string }

async function ambassadorRow(trx: Trx, id: string) {
  return trx.selectFrom('ambassadors').select(['id', 'employeeRef', 'designatedContactRef']).where('id', '=', id).executeTakeFirst()
}

export const concernPolicies = {
  'concern.raise': definePolicy({
    summary: 'An Ambassador, a manager (about their Ambassador’s conduct) or a supervisor (about an Ambassador they supervise) raises a concern with the office (#14 item 1).',
    auditAs: 'self-or-staff',
    async check(trx, actor, target: RaiseTarget) {
      const acting = actor.roles.has('manager') ? await actingAmbassadorId(trx, actor) : undefined
      let raisedAs: 'ambassador' | 'manager' | 'employee'
      let ambassadorId: string
      let engagementId: string | null = null
      if (target.kind === 'ambassador_conduct') {
        // A manager, about the Ambassador of their own engagement (Revocation: conduct).
        if (!actor.roles.has('manager')) throw who()
        if (!target.engagementRef) throw required('engagementId')
        const e = await trx.selectFrom('engagements').select(['id', 'ambassadorId', 'managerRef']).where('id', '=', target.engagementRef).executeTakeFirst()
        if (!e || e.managerRef !== actor.sub) throw new NotFound()
        if (target.ambassadorRef && target.ambassadorRef !== e.ambassadorId) throw new NotFound()
        raisedAs = 'manager'
        ambassadorId = e.ambassadorId
        engagementId = e.id
      } else if (acting) {
        // An Ambassador, any other kind; about their own engagement when it names one (FAQ Q10, Q12).
        if (target.ambassadorRef && target.ambassadorRef !== acting) throw who()
        if (target.engagementRef) {
          const e = await trx.selectFrom('engagements').select(['id', 'ambassadorId']).where('id', '=', target.engagementRef).executeTakeFirst()
          if (!e || e.ambassadorId !== acting) throw new NotFound()
          engagementId = e.id
        }
        raisedAs = 'ambassador'
        ambassadorId = acting
      } else if (target.kind === 'supervisor_conflict') {
        // Any employee who supervises the Ambassador (Supervisor / Ambassador Conflict).
        if (target.engagementRef) throw who()
        if (!target.ambassadorRef) throw required('ambassadorId')
        const amb = await ambassadorRow(trx, target.ambassadorRef)
        if (!amb || !(await supervises(trx, actor.sub, amb.employeeRef))) throw new NotFound()
        raisedAs = 'employee'
        ambassadorId = amb.id
      } else {
        throw who()
      }
      const amb = ambassadorId ? await ambassadorRow(trx, ambassadorId) : undefined
      await refuseIdentifyingConcernText(trx, 'summary', target.summary, amb?.employeeRef ?? '', ambassadorId)
      return { raisedAs, ambassadorId, engagementId, designatedContactRef: amb?.designatedContactRef ?? null }
    },
  }),

  'concern.transition': definePolicy({
    summary: 'nmno acknowledges, resolves (with an outcome) or escalates a concern to governance (#14 item 1).',
    auditAs: 'staff',
    async check(trx, actor, target: { id: string; to: ConcernStatus; outcome?: string; ifMatch?: string }) {
      if (!actor.roles.has('nmno')) throw forbidden()
      const concern = await lockConcern(trx, target.id)
      if (!concern) throw new NotFound()
      checkIfMatch(etagOf('concern', concern.version), target.ifMatch)
      const from = concern.status
      if (!CONCERN_TRANSITIONS[from].includes(target.to)) {
        throw new PolicyDenied('invalid-transition', { en: `A concern cannot go from ${from} to ${target.to}.`, fr: `Une préoccupation ne peut passer de ${from} à ${target.to}.` }, { extensions: { from, to: target.to, allowed: CONCERN_TRANSITIONS[from] } })
      }
      if ((target.to === 'resolved') !== (target.outcome !== undefined)) {
        throw new AppError('validation-failed', { en: 'outcome is required to resolve a concern, and only then.', fr: 'outcome est requis pour résoudre une préoccupation, et seulement alors.' }, { errors: [{ path: '/body/outcome', message: 'required exactly when to is resolved' }] })
      }
      if (target.outcome) {
        const amb = concern.ambassadorId ? await ambassadorRow(trx, concern.ambassadorId) : undefined
        await refuseIdentifyingConcernText(trx, 'outcome', target.outcome, amb?.employeeRef ?? '', concern.ambassadorId)
      }
      return { concern, from }
    },
  }),

  'concern.message': definePolicy({
    summary: 'The raiser or the office adds a message to the concern’s private thread (#14 item 1).',
    auditAs: 'self-or-staff',
    async check(trx, actor, target: { id: string; text: string }) {
      const concern = await lockConcern(trx, target.id)
      const nmno = actor.roles.has('nmno')
      if (!concern || (!nmno && concern.raiserRef !== actor.sub)) throw new NotFound()
      if (concern.status === 'resolved') {
        throw new PolicyDenied('invalid-transition', { en: 'The concern is resolved: its thread is closed.', fr: 'La préoccupation est résolue : son fil est fermé.' }, { extensions: { from: 'resolved' } })
      }
      const amb = concern.ambassadorId ? await ambassadorRow(trx, concern.ambassadorId) : undefined
      await refuseIdentifyingConcernText(trx, 'text', target.text, amb?.employeeRef ?? '', concern.ambassadorId)
      // The raiser writes as the raiser even when they also hold the nmno role.
      return { concern, authorRole: concern.raiserRef === actor.sub ? 'raiser' as const : 'nmno' as const }
    },
  }),
}
