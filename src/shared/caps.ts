// Per-engagement caps (#12 item 4): what one engagement may hold, so that no engagement grows
// without bound (one with 3,361 goals made each of its reads 1.2 MB). Each cap is checked by the
// write's policy in its transaction, after the engagement row is locked (FOR UPDATE), so parallel
// writes cannot both take the last slot; past it the write is a 409 `limit-reached` problem.
// Far above what the program's practice needs (two initial meetings, a short goal checklist).
import { sql } from 'kysely'
import type { Trx } from '../db/tx.ts'
import { PolicyDenied } from '../errors/app-error.ts'

export const ENGAGEMENT_CAPS = {
  /** Goals of the Annex G checklist, whatever their status (ENG-6). */
  goals: 50,
  /** Referrals not yet followed up (ENG-7). */
  openReferrals: 20,
  /** Referrals in all (ENG-7). */
  referrals: 100,
  /** Meetings scheduled and neither held nor cancelled (ENG-5 bounds the held ones). */
  scheduledMeetings: 10,
  /** Meetings in all, cancelled ones included. */
  meetings: 100,
  /** Consents awaiting the manager's grant (CNS-1). */
  pendingConsents: 10,
  /** Consents in all (CNS-1). */
  consents: 100,
  /** Disclosures recorded (CNS-2, CNS-3). */
  disclosures: 200,
  /** Crisis escalations recorded (CRS-2). */
  crisisEscalations: 50,
} as const
export type EngagementCap = keyof typeof ENGAGEMENT_CAPS

const WHAT: Record<EngagementCap, { table: string; where: string; en: string; fr: string }> = {
  goals: { table: 'goals', where: 'TRUE', en: 'goals', fr: 'objectifs' },
  openReferrals: { table: 'referrals', where: 'followed_up_at IS NULL', en: 'referrals awaiting their follow-up', fr: 'aiguillages en attente de suivi' },
  referrals: { table: 'referrals', where: 'TRUE', en: 'referrals', fr: 'aiguillages' },
  scheduledMeetings: { table: 'meetings', where: 'NOT held AND NOT cancelled', en: 'meetings scheduled and not yet held or cancelled', fr: 'rencontres prévues, ni tenues ni annulées' },
  meetings: { table: 'meetings', where: 'TRUE', en: 'meetings', fr: 'rencontres' },
  pendingConsents: { table: 'consents', where: `status = 'pending' AND expires_at > clock_timestamp()`, en: 'consents awaiting the manager', fr: 'consentements en attente du gestionnaire' },
  consents: { table: 'consents', where: 'TRUE', en: 'consents', fr: 'consentements' },
  disclosures: { table: 'disclosures', where: 'TRUE', en: 'disclosures', fr: 'communications de renseignements' },
  crisisEscalations: { table: 'crisis_escalations', where: 'TRUE', en: 'crisis escalations', fr: 'signalements de crise' },
}

/** Per principal: what one caller may accumulate outside any engagement. */
export const PRINCIPAL_CAPS = {
  /** Conflict-of-interest declarations by one Ambassador or manager (COI-1; nmno is not capped). */
  conflictDeclarations: 200,
} as const

/**
 * Refuses a new conflict declaration when its declarer already holds PRINCIPAL_CAPS of them. No row
 * stands for a principal, so a transaction-scoped advisory lock on the declarer serialises their
 * writes (parallel declarations cannot both take the last slot).
 */
export async function requireDeclarationRoom(trx: Trx, declarerRef: string) {
  const max = PRINCIPAL_CAPS.conflictDeclarations
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`conflict-declarations:${declarerRef}`}, 0))`.execute(trx)
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM conflict_declarations WHERE declarer_ref = ${declarerRef}`.execute(trx)
  if (Number(r.rows[0]?.n ?? 0) >= max) {
    throw new PolicyDenied('limit-reached', {
      en: `You already hold ${max} conflict-of-interest declarations, the most one person may hold; withdraw one that no longer applies, or ask the Office.`,
      fr: `Vous détenez déjà ${max} déclarations de conflit d’intérêts, le maximum permis par personne; retirez-en une qui ne s’applique plus, ou adressez-vous au Bureau.`,
    }, { extensions: { cap: 'conflictDeclarations', max } })
  }
}

/**
 * Refuses the write when the engagement already holds its cap of `caps`. Call it from a policy
 * check, after the engagement row is locked in the write's transaction.
 */
export async function requireRoom(trx: Trx, engagementId: string, ...caps: EngagementCap[]) {
  for (const cap of caps) {
    const w = WHAT[cap]
    const max = ENGAGEMENT_CAPS[cap]
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(w.table)} WHERE engagement_id = ${engagementId} AND ${sql.raw(w.where)}`.execute(trx)
    const n = Number(r.rows[0]?.n ?? 0)
    if (n >= max) {
      throw new PolicyDenied('limit-reached', {
        en: `This engagement already holds ${max} ${w.en}, the most it may hold.`,
        fr: `Ce jumelage compte déjà ${max} ${w.fr}, le maximum permis.`,
      }, { extensions: { cap, max } })
    }
  }
}
