// Policy actions for Ambassadors (AMB-1…AMB-9). Each check runs inside the write's transaction,
// locks the Ambassador row it reads, and throws the refusal the SPEC names.
import { AppError, NotFound, PolicyDenied } from '../../errors/app-error.ts'
import { forbidden } from '../../errors/app-error.ts'
import { hasRole, isJob, type Actor } from '../../policy/actor.ts'
import { definePolicy } from '../../policy/define.ts'
import type { Trx } from '../../db/tx.ts'
import { checkIfMatch, etagOf } from '../../shared/etag.ts'
import { currentGuidelinesVersion, findLiveRecordOf, lockAmbassador, orientationPartsAttended, satisfactoryReferences, type AmbassadorWithStatus } from './repository.ts'
import type { CompetenciesBody, CreateAmbassadorBody, TrainingRecordBody, UpdateAmbassadorBody } from './schemas.ts'

/** Annex D required levels (AMB-2). */
export const REQUIRED_LEVELS: Record<keyof CompetenciesBody, number> = {
  empathyCompassion: 3,
  communication: 3,
  integrity: 2,
  learningDevelopment: 2,
  emotionalIntelligence: 2,
}

export function failingCompetencies(c: Partial<CompetenciesBody> | null | undefined) {
  return (Object.keys(REQUIRED_LEVELS) as (keyof CompetenciesBody)[])
    .filter((k) => !c || typeof c[k] !== 'number' || (c[k]) < REQUIRED_LEVELS[k])
    .map((k) => ({ competency: k, required: REQUIRED_LEVELS[k], actual: c?.[k] ?? null }))
}

/** The selection lifecycle (AMB-1) and the other exits (AMB-6). Keys are effective statuses. */
export const TRANSITIONS: Record<string, readonly string[]> = {
  applicant: ['screened', 'rejected', 'withdrawn'],
  screened: ['interviewed', 'rejected', 'withdrawn'],
  interviewed: ['references_checked', 'rejected', 'withdrawn'],
  references_checked: ['oriented', 'retraining', 'rejected', 'withdrawn'],
  retraining: ['references_checked', 'rejected', 'withdrawn'],
  oriented: ['active', 'retraining', 'rejected', 'withdrawn'],
  // suspended and revoked are decided through revocation cases (REV-2), not here.
  active: ['withdrawn'],
  expired: ['withdrawn'],
  suspended: ['withdrawn'],
  rejected: [],
  withdrawn: [],
  revoked: [],
}
/** Annex F: satisfactory reference checks needed before references_checked (#14 item 5). */
export const REFERENCES_NEEDED = 2
export const CLOSED_STATUSES = new Set(['rejected', 'withdrawn', 'revoked'])
const SELF_EDITABLE = new Set(['bio', 'languages', 'modes', 'topics', 'capacity', 'supervisorArrangementOn'])

const isStaff = (actor: Actor) => hasRole(actor, 'nmno')
const isSelf = (actor: Actor, row: { employeeRef: string }) => actor.roles.has('manager') && row.employeeRef === actor.sub

/** Locks the row; 404 unless the caller is nmno or (when allowed) the person themself. */
async function lockVisible(trx: Trx, actor: Actor, id: string, opts: { self: boolean }): Promise<AmbassadorWithStatus> {
  const row = await lockAmbassador(trx, id)
  if (!row) throw new NotFound()
  if (isStaff(actor)) return row
  if (opts.self && isSelf(actor, row)) return row
  // Visible to governance, or as a public directory entry, but not theirs to change.
  if (hasRole(actor, 'governance') || isSelf(actor, row)) throw forbidden()
  throw new NotFound()
}

/** If-Match on the Ambassador record (SPEC §4), compared with the locked row's version. */
export const ambassadorIfMatch = (row: { version: number }, ifMatch: string | undefined) => checkIfMatch(etagOf('ambassador', row.version), ifMatch)

const invalidTransition = (from: string, to: string) =>
  new PolicyDenied('invalid-transition', {
    en: `An Ambassador record cannot go from ${from} to ${to}.`,
    fr: `Un dossier d’ambassadeur ne peut passer de ${from} à ${to}.`,
  }, { extensions: { from, to, allowed: TRANSITIONS[from] ?? [] } })

const notWhileClosed = (status: string) =>
  new PolicyDenied('invalid-transition', { en: `The record is ${status}: it can no longer change.`, fr: `Le dossier est à l’état ${status} : il ne peut plus changer.` }, { extensions: { from: status } })


export const ambassadorPolicies = {
  'ambassador.apply': definePolicy({
    summary: 'A manager applies for themselves; nmno creates a candidate record for an employee (AMB-1).',
    auditAs: 'self-or-staff',
    async check(trx, actor, target: CreateAmbassadorBody) {
      const staff = isStaff(actor)
      if (!staff && !actor.roles.has('manager')) throw forbidden()
      const employeeRef = target.employeeRef ?? actor.sub
      if (!staff && employeeRef !== actor.sub) {
        throw new PolicyDenied('forbidden', { en: 'A manager can only apply for themselves.', fr: 'Un gestionnaire ne peut poser sa candidature que pour lui-même.' })
      }
      if (staff && !target.employeeRef && !actor.roles.has('manager')) {
        throw new AppError('validation-failed', { en: 'employeeRef is required.', fr: 'employeeRef est requis.' }, { errors: [{ path: '/body/employeeRef', message: 'is required' }] })
      }
      const existing = await findLiveRecordOf(trx, employeeRef)
      if (existing && existing.status === 'revoked') {
        throw new PolicyDenied('rule-violated', { en: 'This employee is not eligible to apply.', fr: 'Cet employé n’est pas admissible.' })
      }
      if (existing && !CLOSED_STATUSES.has(existing.status)) {
        throw new PolicyDenied('already-exists', { en: 'An application or Ambassador record already exists for this employee.', fr: 'Une candidature ou un dossier d’ambassadeur existe déjà pour cet employé.' }, { extensions: { ambassadorId: existing.id } })
      }
      return { employeeRef, asSelf: employeeRef === actor.sub }
    },
  }),

  'ambassador.update': definePolicy({
    summary: 'The Ambassador edits bio, languages, modes, topics and capacity; nmno edits all (AMB-8).',
    auditAs: 'self-or-staff',
    async check(trx, actor, target: { id: string; patch: UpdateAmbassadorBody; ifMatch?: string }) {
      const row = await lockVisible(trx, actor, target.id, { self: true })
      const staff = isStaff(actor)
      if (CLOSED_STATUSES.has(row.status)) throw notWhileClosed(row.status)
      if (!staff) {
        if (row.status === 'suspended') throw forbidden()
        const denied = Object.keys(target.patch).filter((k) => !SELF_EDITABLE.has(k))
        if (denied.length) {
          throw new PolicyDenied('forbidden', { en: `Only the National M2M Network Office can change: ${denied.join(', ')}.`, fr: `Seul le Bureau national du Réseau G2G peut modifier : ${denied.join(', ')}.` }, { extensions: { fields: denied } })
        }
      }
      ambassadorIfMatch(row, target.ifMatch)
      // An active Ambassador stays listable: both bios, at least one language and one mode (AMB-4, AMB-7).
      if (row.status === 'active') {
        const bioEn = target.patch.bio && 'en' in target.patch.bio ? target.patch.bio.en : row.bioEn
        const bioFr = target.patch.bio && 'fr' in target.patch.bio ? target.patch.bio.fr : row.bioFr
        if (!bioEn || !bioFr) throw bilingualBioRequired()
        if ((target.patch.languages ?? row.languages).length === 0 || (target.patch.modes ?? row.modes).length === 0) throw profileIncomplete()
      }
      return { row, asSelf: !staff }
    },
  }),

  'ambassador.transition': definePolicy({
    summary: 'Moves a record through the selection lifecycle; nmno drives it, the candidate confirms (AMB-1…AMB-4, AMB-6).',
    auditAs: 'self-or-staff',
    async check(trx, actor, target: { id: string; to: string; acceptGuidelines?: boolean; ifMatch?: string }) {
      const row = await lockVisible(trx, actor, target.id, { self: true })
      // A stale If-Match is a 412 before any rule that depends on the record's state (RFC 9110 §13.2.2).
      ambassadorIfMatch(row, target.ifMatch)
      const staff = isStaff(actor)
      const self = isSelf(actor, row)
      const from = row.effectiveStatus
      const { to } = target
      if (!(TRANSITIONS[from] ?? []).includes(to)) throw invalidTransition(from, to)
      if (to === 'active' && !self) {
        throw new PolicyDenied('forbidden', { en: 'Only the candidate can confirm their intention to become an Ambassador.', fr: 'Seul le candidat peut confirmer son intention de devenir ambassadeur.' })
      }
      if (to !== 'active' && to !== 'withdrawn' && !staff) throw forbidden()

      if (to === 'interviewed') {
        const failing = failingCompetencies(row.competencies)
        if (failing.length) {
          throw new PolicyDenied('competency-requirements-not-met', {
            en: `Required levels not met: ${failing.map((f) => f.competency).join(', ')}.`,
            fr: `Niveaux requis non atteints : ${failing.map((f) => f.competency).join(', ')}.`,
          }, { extensions: { failing } })
        }
      }
      if (to === 'references_checked' && from === 'interviewed') {
        const n = await satisfactoryReferences(trx, row.id)
        if (n < REFERENCES_NEEDED) {
          throw new PolicyDenied('references-incomplete', {
            en: `Record two satisfactory reference checks first (${n} so far).`,
            fr: `Consignez d’abord deux vérifications de références satisfaisantes (${n} jusqu’ici).`,
          }, { extensions: { satisfactory: n, required: REFERENCES_NEEDED } })
        }
      }
      if (to === 'oriented') {
        const attended = await orientationPartsAttended(trx, row.id)
        const missing = [1, 2, 3, 4, 5, 6].filter((p) => !attended.includes(p))
        if (missing.length) {
          throw new PolicyDenied('orientation-incomplete', {
            en: `Orientation parts not attended: ${missing.join(', ')}.`,
            fr: `Parties de l’orientation non suivies : ${missing.join(', ')}.`,
          }, { extensions: { missingParts: missing } })
        }
      }
      let guidelinesVersion: number | undefined
      if (to === 'active') {
        if (target.acceptGuidelines !== true) {
          throw new PolicyDenied('guidelines-not-accepted', { en: 'Confirm with acceptGuidelines: true to accept the current Guidelines of Conduct.', fr: 'Confirmez avec acceptGuidelines: true pour accepter les lignes directrices de conduite en vigueur.' })
        }
        if (!row.bioEn || !row.bioFr) throw bilingualBioRequired()
        if (row.languages.length === 0 || row.modes.length === 0) throw profileIncomplete()
        // Crisis: "an understanding with their supervisor ahead of time" (#14 item 5).
        if (!row.supervisorArrangementOn) {
          throw new PolicyDenied('supervisor-arrangement-required', {
            en: 'Record first that the understanding with your supervisor is in place: PATCH /v1/ambassadors/{id} {"supervisorArrangementOn": "YYYY-MM-DD"}.',
            fr: 'Consignez d’abord que l’entente avec votre superviseur est en place : PATCH /v1/ambassadors/{id} {"supervisorArrangementOn": "AAAA-MM-JJ"}.',
          })
        }
        guidelinesVersion = await currentGuidelinesVersion(trx)
      }
      return { row, from, asSelf: to === 'active' || !staff, guidelinesVersion }
    },
  }),

  'ambassador.assess': definePolicy({
    summary: 'nmno records the competency assessment (AMB-2).',
    auditAs: 'staff',
    async check(trx, actor, target: { id: string; ifMatch?: string }) {
      if (!isStaff(actor)) throw forbidden()
      const row = await lockVisible(trx, actor, target.id, { self: false })
      ambassadorIfMatch(row, target.ifMatch)
      if (CLOSED_STATUSES.has(row.status)) throw notWhileClosed(row.status)
      return { row }
    },
  }),

  'ambassador.record-training': definePolicy({
    summary: 'nmno records orientation parts, professional development sessions and network calls (AMB-3, AMB-9).',
    auditAs: 'staff',
    async check(trx, actor, target: { id: string; body: TrainingRecordBody; ifMatch?: string }) {
      if (!isStaff(actor)) throw forbidden()
      const { body } = target
      if ((body.kind === 'orientation_part') !== (body.part !== undefined)) {
        throw new AppError('validation-failed', { en: 'part (1–6) is required with kind orientation_part, and only then.', fr: 'part (1 à 6) est requis avec kind orientation_part, et seulement alors.' }, { errors: [{ path: '/body/part', message: 'required exactly when kind is orientation_part' }] })
      }
      if ((body.kind === 'orientation_part') !== (body.language !== undefined)) {
        throw new AppError('validation-failed', { en: 'language (en or fr) is required with kind orientation_part, and only then.', fr: 'language (en ou fr) est requis avec kind orientation_part, et seulement alors.' }, { errors: [{ path: '/body/language', message: 'required exactly when kind is orientation_part' }] })
      }
      const row = await lockVisible(trx, actor, target.id, { self: false })
      ambassadorIfMatch(row, target.ifMatch)
      if (CLOSED_STATUSES.has(row.status)) throw notWhileClosed(row.status)
      return { row }
    },
  }),

  'ambassador.record-reference': definePolicy({
    summary: 'nmno records a reference check of a candidate (Annex F); two satisfactory ones before references_checked.',
    auditAs: 'staff',
    async check(trx, actor, target: { id: string }) {
      if (!isStaff(actor)) throw forbidden()
      const row = await lockVisible(trx, actor, target.id, { self: false })
      if (CLOSED_STATUSES.has(row.status)) throw notWhileClosed(row.status)
      return { row }
    },
  }),

  'ambassador.end-term': definePolicy({
    summary: 'The term-expiry sweep: an Ambassador past termEnd serves no engagement any more; each open one becomes transfer_required (AMB-5, REV-4). One sweeper per Ambassador at a time.',
    auditAs: 'system',
    async check(trx, actor, target: { id: string }) {
      if (!isJob(actor, 'term-expiry')) throw forbidden()
      const row = await trx.selectFrom('ambassadorEffective').select('id').where('id', '=', target.id)
        .where('effectiveStatus', '=', 'expired').forUpdate().skipLocked().executeTakeFirst()
      return { ended: Boolean(row) }
    },
    idleWhen: (facts) => !facts.ended,
  }),

  'ambassador.renew': definePolicy({
    summary: 'nmno renews the term by 24 months, with the Ambassador’s agreement (AMB-5).',
    auditAs: 'staff',
    async check(trx, actor, target: { id: string; ifMatch?: string }) {
      if (!isStaff(actor)) throw forbidden()
      const row = await lockVisible(trx, actor, target.id, { self: false })
      ambassadorIfMatch(row, target.ifMatch)
      if (row.status !== 'active') throw invalidTransition(row.effectiveStatus, 'renewed')
      return { row }
    },
  }),
}

function bilingualBioRequired() {
  return new PolicyDenied('bilingual-bio-required', { en: 'An active Ambassador needs a bio in English and in French.', fr: 'Un ambassadeur actif doit avoir une biographie en anglais et en français.' })
}
function profileIncomplete() {
  return new PolicyDenied('profile-incomplete', { en: 'An active Ambassador offers at least one language and one meeting mode.', fr: 'Un ambassadeur actif offre au moins une langue et un mode de rencontre.' })
}
