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
import { findStatement, lockConsentForDecision } from './repository.ts'
import type { GrantConsentBody } from './schemas.ts'

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

export const sameName = (a: string, b: string) => a.trim().replace(/\s+/g, ' ').toLocaleLowerCase('en') === b.trim().replace(/\s+/g, ' ').toLocaleLowerCase('en')

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

