// Policy actions for consents and disclosures (CNS-1, CNS-2, CNS-3). Every check runs in the
// write's transaction: a disclosure reads its consent FOR SHARE, a grant or withdrawal locks the
// consent FOR UPDATE, so a withdrawal cannot slip between a disclosure's check and its insert.
import type { Trx } from '../../db/tx.ts'
import { NotFound, PolicyDenied } from '../../errors/app-error.ts'
import { actingAmbassadorId, type Actor } from '../../policy/actor.ts'
import { definePolicy } from '../../policy/define.ts'
import { checkIfMatch, etagOf } from '../../shared/etag.ts'
import { requireRoom } from '../../shared/caps.ts'
import { lockAsParticipant } from '../engagements/policy.ts'
import { designatedContactOf, findStatement, lockConsentForDecision, lockConsentForDisclosure, type ConsentRow } from './repository.ts'
import type { GrantConsentBody, RecordDisclosureBody } from './schemas.ts'

/** Consents are drafted, and disclosures and crises recorded, while the relationship is open. */
export const OPEN_STATUSES = ['requested', 'accepted', 'active', 'transfer_required'] as const

export function requireOpen(e: { status: string }) {
  if (!(OPEN_STATUSES as readonly string[]).includes(e.status)) {
    throw new PolicyDenied('invalid-transition', { en: `The engagement is ${e.status}.`, fr: `Le jumelage est à l’état ${e.status}.` }, { extensions: { from: e.status } })
  }
}

/**
 * The consent, locked, and the caller's side: the manager decides; the assigned Ambassador sees it
 * but may not decide (403); anyone else gets 404 (CONF-1).
 */
async function lockForManagerDecision(trx: Trx, actor: Actor, id: string, verb: { en: string; fr: string }, ifMatch: string | undefined) {
  const consent = await lockConsentForDecision(trx, id)
  if (!consent) throw new NotFound()
  if (actor.roles.has('manager') && consent.managerRef === actor.sub) {
    checkIfMatch(etagOf('consent', consent.version), ifMatch)
    return consent
  }
  const me = await actingAmbassadorId(trx, actor)
  if (me && me === consent.ambassadorId) {
    throw new PolicyDenied('forbidden', { en: `Only the manager can ${verb.en} a consent.`, fr: `Seul le gestionnaire peut ${verb.fr} un consentement.` })
  }
  throw new NotFound()
}

const notNow = (status: string, en: string, fr: string) =>
  new PolicyDenied('invalid-transition', { en, fr }, { extensions: { from: status } })

const consentRequired = (en: string, fr: string, errors?: Array<{ path: string; message: string }>) =>
  new PolicyDenied('consent-required', { en, fr }, errors ? { errors } : {})

const sameName = (a: string, b: string) => a.trim().replace(/\s+/g, ' ').toLocaleLowerCase('en') === b.trim().replace(/\s+/g, ' ').toLocaleLowerCase('en')

/** CNS-2: the consent is active and covers the recipient, the direction and every category. */
export function checkCoverage(consent: ConsentRow | undefined, d: Pick<RecordDisclosureBody, 'direction' | 'recipient' | 'infoCategories'>) {
  if (!consent) throw consentRequired('No consent of this engagement has this id.', 'Aucun consentement de ce jumelage ne porte cet identifiant.', [{ path: '/body/consentId', message: 'unknown consent' }])
  if (consent.status === 'pending') throw consentRequired('The consent awaits the manager’s grant.', 'Le consentement attend l’autorisation du gestionnaire.')
  if (consent.status === 'withdrawn') throw consentRequired('The manager withdrew this consent.', 'Le gestionnaire a retiré ce consentement.')
  if (consent.status === 'expired') throw consentRequired('This consent has expired.', 'Ce consentement est expiré.')
  const errors: Array<{ path: string; message: string }> = []
  if (consent.recipientKind !== d.recipient.kind || !sameName(consent.recipientName, d.recipient.name)) errors.push({ path: '/body/recipient', message: 'not the recipient the consent names' })
  if (consent.direction !== 'both' && consent.direction !== d.direction) errors.push({ path: '/body/direction', message: `the consent covers ${consent.direction} only` })
  const missing = d.infoCategories.filter((c) => !consent.infoCategories.includes(c))
  if (missing.length) errors.push({ path: '/body/infoCategories', message: `not covered: ${missing.join(', ')}` })
  if (errors.length) throw consentRequired('The consent does not cover this disclosure.', 'Le consentement ne couvre pas cette communication.', errors)
}

export const consentPolicies = {
  'consent.create': definePolicy({
    summary: 'The assigned Ambassador or the manager drafts a consent; it awaits the manager’s grant (CNS-1).',
    auditAs: 'participant',
    async check(trx, actor, target: { engagementId: string }) {
      const { engagement, side } = await lockAsParticipant(trx, actor, target.engagementId)
      requireOpen(engagement)
      await requireRoom(trx, engagement.id, 'pendingConsents', 'consents')
      return { engagement, side }
    },
  }),

  'consent.grant': definePolicy({
    summary: 'Only the manager grants a pending consent: typed name and explicit agreement to the versioned statement (CNS-1, CNS-4).',
    auditAs: 'manager',
    async check(trx, actor, target: { id: string; body: GrantConsentBody; ifMatch?: string }) {
      const consent = await lockForManagerDecision(trx, actor, target.id, { en: 'grant', fr: 'accorder' }, target.ifMatch)
      if (consent.status !== 'pending') {
        throw notNow(consent.status, `A consent that is ${consent.status} cannot be granted; ask for a new one.`, `Un consentement à l’état ${consent.status} ne peut pas être accordé; demandez-en un nouveau.`)
      }
      requireOpen({ status: consent.engagementStatus })
      const { body } = target
      if (body.agree !== true) {
        throw new PolicyDenied('rule-violated', { en: 'Granting requires your explicit agreement to the consent statement.', fr: 'L’autorisation exige votre accord explicite à l’énoncé de consentement.' }, { errors: [{ path: '/body/agree', message: 'must be true' }] })
      }
      const statement = await findStatement(trx, body.language, body.statementVersion)
      if (!statement || body.statementVersion !== consent.statementVersion) {
        throw new PolicyDenied('rule-violated', { en: `This consent uses statement version ${consent.statementVersion}: read and agree to that version.`, fr: `Ce consentement utilise la version ${consent.statementVersion} de l’énoncé : lisez et acceptez cette version.` }, { errors: [{ path: '/body/statementVersion', message: `must be ${consent.statementVersion}` }] })
      }
      if (body.statementHash !== undefined && body.statementHash !== statement.textHash) {
        throw new PolicyDenied('rule-violated', { en: 'The statement you read is not the published text of this version.', fr: 'L’énoncé que vous avez lu n’est pas le texte publié de cette version.' }, { errors: [{ path: '/body/statementHash', message: 'does not match the published text' }] })
      }
      return { consent, statement, engagement: { id: consent.engagementId, ambassadorId: consent.ambassadorId } }
    },
  }),

  'consent.withdraw': definePolicy({
    summary: 'Only the manager withdraws a pending or granted consent; it authorizes nothing from that instant (CNS-1).',
    auditAs: 'manager',
    async check(trx, actor, target: { id: string; ifMatch?: string }) {
      const consent = await lockForManagerDecision(trx, actor, target.id, { en: 'withdraw', fr: 'retirer' }, target.ifMatch)
      if (consent.status !== 'pending' && consent.status !== 'granted') {
        throw notNow(consent.status, `A consent that is ${consent.status} already authorizes nothing.`, `Un consentement à l’état ${consent.status} n’autorise déjà plus rien.`)
      }
      return { consent, engagement: { id: consent.engagementId, ambassadorId: consent.ambassadorId } }
    },
  }),
}

export const disclosurePolicies = {
  'disclosure.create': definePolicy({
    summary: 'The assigned Ambassador records a release or receipt of information: an active covering consent, or one of the three exceptions with a justification (CNS-2, CNS-3).',
    auditAs: 'ambassador',
    async check(trx, actor, target: { engagementId: string; body: RecordDisclosureBody }) {
      const { engagement, side } = await lockAsParticipant(trx, actor, target.engagementId)
      if (side !== 'ambassador') {
        throw new PolicyDenied('forbidden', { en: 'Disclosures are recorded by the assigned Ambassador.', fr: 'Les communications de renseignements sont consignées par l’ambassadeur assigné.' })
      }
      requireOpen(engagement)
      const { body } = target
      if (body.basis === 'consent') {
        if (body.justification !== undefined) {
          throw new PolicyDenied('rule-violated', { en: 'A justification belongs only to a confidentiality exception.', fr: 'Une justification n’accompagne qu’une exception à la confidentialité.' }, { errors: [{ path: '/body/justification', message: 'only with an exception' }] })
        }
        if (!body.consentId) throw consentRequired('Name the manager’s consent that covers this disclosure.', 'Indiquez le consentement du gestionnaire qui couvre cette communication.', [{ path: '/body/consentId', message: 'required' }])
        const consent = await lockConsentForDisclosure(trx, body.consentId, engagement)
        checkCoverage(consent, body)
        await requireRoom(trx, engagement.id, 'disclosures')
        return { engagement, side, consent: consent!, designatedContactRef: null }
      }
      if (body.consentId !== undefined) {
        throw new PolicyDenied('rule-violated', { en: 'An exception disclosure names no consent.', fr: 'Une communication faite en vertu d’une exception ne renvoie à aucun consentement.' }, { errors: [{ path: '/body/consentId', message: 'only with basis consent' }] })
      }
      if (!body.justification || !body.justification.trim()) {
        throw new PolicyDenied('justification-required', { en: 'A confidentiality exception requires a justification.', fr: 'Une exception à la confidentialité exige une justification.' }, { errors: [{ path: '/body/justification', message: 'required' }] })
      }
      await requireRoom(trx, engagement.id, 'disclosures')
      return { engagement, side, consent: undefined, designatedContactRef: await designatedContactOf(trx, engagement.ambassadorId) }
    },
  }),
}
