// Policy actions for revocation cases and reinstatement (REV-1…REV-5). Each check runs in the
// write's transaction and locks, in this order, the case, the Ambassador's open engagements and the
// Ambassador row: a request for the Ambassador (engagement.create) holds that same row lock, so a
// suspension and a request are serialised (REV-4) and the lock order matches the engagement writes.
import type { Trx } from '../../db/tx.ts'
import { AppError, NotFound, PolicyDenied } from '../../errors/app-error.ts'
import { forbidden } from '../../errors/app-error.ts'
import { hasRole } from '../../policy/actor.ts'
import { definePolicy } from '../../policy/define.ts'
import { lockAmbassador } from '../ambassadors/repository.ts'
import { findOpenCaseOf, identifyingToken, lockCase, lockOpenEngagementsOf } from './repository.ts'
import type { CreateRevocationCaseBody, DecisionBody } from './schemas.ts'
import { checkIfMatch, etagOf } from '../../shared/etag.ts'

/** Clock tolerance for an `effectiveAt` given as "now" by another machine. */
const EFFECTIVE_AT_SKEW_MS = 5 * 60_000

const invalidTransition = (en: string, fr: string, extensions: Record<string, unknown> = {}) =>
  new PolicyDenied('invalid-transition', { en, fr }, { extensions })

async function refuseIdentifyingText(trx: Trx, field: 'summary' | 'findings', text: string, subjectRef: string) {
  if (await identifyingToken(trx, text, subjectRef)) {
    throw new PolicyDenied('identifying-text', {
      en: `The ${field} names an employee. Describe the facts without identifying managers or other employees.`,
      fr: `Le champ ${field} nomme un employé. Décrivez les faits sans identifier de gestionnaire ni d’autre employé.`,
    }, { extensions: { field } })
  }
}

/** The Ambassador row, locked after their open engagements (see the header). */
async function lockForExit(trx: Trx, ambassadorId: string) {
  await lockOpenEngagementsOf(trx, ambassadorId)
  const amb = await lockAmbassador(trx, ambassadorId)
  if (!amb) throw new NotFound()
  return amb
}

export const revocationCasePolicies = {
  'revocation-case.open': definePolicy({
    summary: 'nmno opens a revocation case on an active or suspended Ambassador, optionally suspending them at once (REV-1, REV-2).',
    auditAs: 'staff',
    async check(trx, actor, target: CreateRevocationCaseBody) {
      if (!hasRole(actor, 'nmno')) throw forbidden()
      const amb = target.interimSuspension ? await lockForExit(trx, target.ambassadorId) : await lockAmbassador(trx, target.ambassadorId)
      if (!amb) throw new NotFound()
      // `active` includes an Ambassador past their term (effective status `expired`).
      if (amb.status !== 'active' && amb.status !== 'suspended') {
        throw invalidTransition(`A case can only be opened on an active or suspended Ambassador (this record is ${amb.effectiveStatus}).`,
          `Un dossier ne peut être ouvert que pour un ambassadeur actif ou suspendu (ce dossier est à l’état ${amb.effectiveStatus}).`, { from: amb.effectiveStatus })
      }
      const open = await findOpenCaseOf(trx, amb.id)
      if (open) {
        throw new AppError('already-exists', { en: 'A case about this Ambassador is already open.', fr: 'Un dossier sur cet ambassadeur est déjà ouvert.' }, { extensions: { caseId: open.id } })
      }
      if (target.interimSuspension && amb.status !== 'active') {
        throw invalidTransition('The Ambassador is already suspended.', 'L’ambassadeur est déjà suspendu.', { from: amb.status })
      }
      await refuseIdentifyingText(trx, 'summary', target.summary, amb.employeeRef)
      // #14 item 1: a case may be opened on a manager's ambassador_conduct concern about this Ambassador.
      if (target.concernId) {
        const concern = await trx.selectFrom('concerns').select(['id', 'kind', 'ambassadorId']).where('id', '=', target.concernId).forShare().executeTakeFirst()
        if (!concern) throw new NotFound()
        if (concern.kind !== 'ambassador_conduct' || concern.ambassadorId !== amb.id) {
          throw new PolicyDenied('rule-violated', { en: 'Only a concern about this Ambassador’s conduct can be linked to the case.', fr: 'Seule une préoccupation sur la conduite de cet ambassadeur peut être liée au dossier.' }, { errors: [{ path: '/body/concernId', message: 'must be an ambassador_conduct concern about this Ambassador' }] })
        }
      }
      return { ambassador: amb, concernId: target.concernId ?? null }
    },
  }),

  'revocation-case.present-findings': definePolicy({
    summary: 'nmno presents the investigation’s findings to governance: investigating → findings_presented (REV-2).',
    auditAs: 'staff',
    async check(trx, actor, target: { id: string; findings: string; ifMatch?: string }) {
      if (!hasRole(actor, 'nmno')) throw forbidden()
      const c = await lockCase(trx, target.id)
      if (!c) throw new NotFound()
      checkIfMatch(etagOf('revocation-case', c.version), target.ifMatch)
      if (c.status !== 'investigating') {
        throw invalidTransition(`Findings were already presented (the case is ${c.status}).`, `Les constatations ont déjà été présentées (le dossier est à l’état ${c.status}).`, { from: c.status, to: 'findings_presented' })
      }
      await refuseIdentifyingText(trx, 'findings', target.findings, c.subjectRef)
      return { case: c }
    },
  }),

  'revocation-case.decide': definePolicy({
    summary: 'Governance decides a case whose findings were presented: revoke, suspend or no_action; personal health alone never revokes (REV-2, REV-3).',
    auditAs: 'staff',
    async check(trx, actor, target: { id: string; ifMatch?: string } & DecisionBody) {
      if (!hasRole(actor, 'governance')) throw forbidden()
      const c = await lockCase(trx, target.id)
      if (!c) throw new NotFound()
      checkIfMatch(etagOf('revocation-case', c.version), target.ifMatch)
      if (c.status !== 'findings_presented') {
        throw invalidTransition(
          c.status === 'investigating' ? 'nmno presents the findings before governance decides.' : 'The case is already decided.',
          c.status === 'investigating' ? 'Le BNRG présente ses constatations avant la décision de la gouvernance.' : 'Le dossier est déjà tranché.',
          { from: c.status, to: 'decided' })
      }
      if (target.decision === 'revoke' && c.grounds.every((g) => g === 'personal_health')) {
        throw new PolicyDenied('revocation-not-permitted', {
          en: 'Personal health issues permit only a temporary suspension: the Ambassador may serve again once wellness is re-established.',
          fr: 'Des problèmes de santé personnelle ne permettent qu’une suspension temporaire : l’ambassadeur pourra reprendre ses fonctions une fois son bien-être rétabli.',
        })
      }
      let effectiveAt = new Date()
      if (target.effectiveAt !== undefined) {
        effectiveAt = new Date(target.effectiveAt)
        const tooLate = effectiveAt.getTime() > Date.now() + EFFECTIVE_AT_SKEW_MS
        const tooEarly = c.findingsPresentedAt !== null && effectiveAt.getTime() < new Date(c.findingsPresentedAt).getTime()
        if (tooLate || tooEarly) {
          throw new PolicyDenied('rule-violated', {
            en: 'effectiveAt is when the decision took effect: not before the findings were presented, not in the future.',
            fr: 'effectiveAt est le moment où la décision a pris effet : ni avant la présentation des constatations, ni dans le futur.',
          }, { extensions: { findingsPresentedAt: c.findingsPresentedAt } })
        }
      }
      const ambassador = await lockForExit(trx, c.ambassadorId)
      return { case: c, ambassador, effectiveAt }
    },
  }),

  'ambassador.reinstate': definePolicy({
    summary: 'nmno reinstates a suspended Ambassador once wellness is re-established: active again, same term (REV-5).',
    auditAs: 'staff',
    async check(trx, actor, target: { id: string; ifMatch?: string }) {
      if (!hasRole(actor, 'nmno')) throw forbidden()
      const amb = await lockAmbassador(trx, target.id)
      if (!amb) throw new NotFound()
      checkIfMatch(etagOf('ambassador', amb.version), target.ifMatch)
      if (amb.status !== 'suspended') {
        throw invalidTransition(`Only a suspended Ambassador can be reinstated (this record is ${amb.effectiveStatus}).`,
          `Seul un ambassadeur suspendu peut être réintégré (ce dossier est à l’état ${amb.effectiveStatus}).`, { from: amb.effectiveStatus, to: 'active' })
      }
      return { ambassador: amb }
    },
  }),
}
