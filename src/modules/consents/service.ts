// Consents and disclosures: one transaction per write (authorize, then write, then notify).
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { AppError, NotFound } from '../../errors/app-error.ts'
import { actingAmbassadorId, type Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { requireParticipant } from '../engagements/repository.ts'
import { notifyPrincipals } from '../notifications/repository.ts'
import {
  findConsent, findStatement, insertConsent, listConsents, markGranted, markWithdrawn, toConsentView,
} from './repository.ts'
import { afterOf, limitOf, pageOf, type PageQuery } from '../../shared/pagination.ts'
import { CONSENT_MAX_DAYS, type DraftConsentBody, type GrantConsentBody } from './schemas.ts'

const DAY = 86400_000

function invalid(path: string, message: string, en: string, fr: string): never {
  throw new AppError('validation-failed', { en, fr }, { errors: [{ path, message }] })
}

/** expiresAt: in the future and at most 365 days away (CNS-1); the default (90 days) is set in SQL. */
function checkExpiry(iso: string | undefined) {
  if (iso === undefined) return undefined
  const t = Date.parse(iso)
  const now = Date.now()
  if (!Number.isFinite(t) || t <= now + 60_000 || t > now + CONSENT_MAX_DAYS * DAY) {
    invalid('/body/expiresAt', `must be in the future and at most ${CONSENT_MAX_DAYS} days away`,
      `A consent expires in the future, at most ${CONSENT_MAX_DAYS} days from now.`, `Un consentement expire dans l’avenir, au plus ${CONSENT_MAX_DAYS} jours à compter d’aujourd’hui.`)
  }
  return new Date(t).toISOString()
}

/**
 * The typed name is the manager's signature. The token carries only `sub`, so the service cannot
 * compare it to a legal name; it checks what can be checked — a plausible personal name: 2–200
 * characters once trimmed, at least two letters, no control characters, not the employee id — and
 * stores it as typed (trimmed, inner whitespace collapsed), with the time, the statement version,
 * its language and its hash.
 */
export function normalizeTypedName(raw: string, sub: string) {
  const name = raw.normalize('NFC').trim().replace(/\s+/g, ' ')
  const letters = name.match(/\p{L}/gu)?.length ?? 0
  if (name.length < 2 || name.length > 200 || letters < 2 || /[\p{Cc}\p{Cf}]/u.test(name) || name === sub) {
    invalid('/body/typedName', 'must be your full name', 'Type your full name to sign the consent.', 'Tapez votre nom complet pour signer le consentement.')
  }
  return name
}

export function draftConsent(db: Db, actor: Actor, engagementId: string, body: DraftConsentBody) {
  const expiresAt = checkExpiry(body.expiresAt)
  if (!body.recipient.name.trim() || !body.purpose.trim()) {
    invalid(!body.purpose.trim() ? '/body/purpose' : '/body/recipient/name', 'must not be blank', 'Name the recipient and the purpose.', 'Indiquez le destinataire et le but.')
  }
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'consent.create', { engagementId })
    const row = await insertConsent(auth, body, expiresAt)
    // The consent awaits the manager: it appears in their own inbox (CNS-1).
    await notifyPrincipals(auth, [auth.facts.engagement.managerRef], { kind: 'consent_awaiting_manager', subjectType: 'consent', subjectId: row.id, data: { engagementId } })
    return toConsentView(row)
  })
}

export function grantConsent(db: Db, actor: Actor, id: string, body: GrantConsentBody, ifMatch?: string) {
  const typedName = normalizeTypedName(body.typedName, actor.sub)
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'consent.grant', { id, body, ifMatch })
    const row = await markGranted(auth, typedName)
    await notifyPrincipals(auth, [auth.facts.consent.ambassadorEmployeeRef], { kind: 'consent_granted', subjectType: 'consent', subjectId: row.id, data: { engagementId: row.engagementId } })
    return toConsentView(row)
  })
}

export function withdrawConsent(db: Db, actor: Actor, id: string, ifMatch?: string) {
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'consent.withdraw', { id, ifMatch })
    const row = await markWithdrawn(auth)
    // The Ambassador must stop relying on it at once.
    await notifyPrincipals(auth, [auth.facts.consent.ambassadorEmployeeRef], { kind: 'consent_withdrawn', subjectType: 'consent', subjectId: row.id, data: { engagementId: row.engagementId } })
    return toConsentView(row)
  })
}

/** One consent, for the participants only (its ETag: SPEC §4). */
export async function consentOf(db: Db, actor: Actor, engagementId: string, consentId: string) {
  await requireParticipant(db, actor, engagementId, await actingAmbassadorId(db, actor))
  const row = await findConsent(db, engagementId, consentId)
  if (!row) throw new NotFound()
  return toConsentView(row)
}

/** Oldest first, a page at a time (#12 item 4). */
export async function consentsOf(db: Db, actor: Actor, engagementId: string, q: PageQuery = {}) {
  const after = afterOf(q)
  const limit = limitOf(q)
  await requireParticipant(db, actor, engagementId, await actingAmbassadorId(db, actor))
  const { items, nextCursor } = pageOf(await listConsents(db, engagementId, { after, limit: limit + 1 }), limit)
  return { items: items.map(toConsentView), nextCursor }
}

export async function consentStatement(db: Db, language: 'en' | 'fr' = 'en', version?: number) {
  const s = await findStatement(db, language, version)
  if (!s) throw new NotFound()
  return { version: s.version, language: s.language, text: s.text, hash: s.textHash, publishedAt: s.publishedAt }
}


