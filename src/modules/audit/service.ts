// The audit trail's reads: the office's event search and verification (AUD-1, AUD-2), and the
// manager's access log of their own engagement (AUD-3).
import type { Db } from '../../db/database.ts'
import { AppError, NotFound } from '../../errors/app-error.ts'
import type { Actor } from '../../policy/actor.ts'
import { managerPseudonym } from '../../policy/audit.ts'
import { decodeCursor, encodeCursor } from '../../shared/cursor.ts'
import type { Lang } from '../../shared/i18n.ts'
import { LIMIT_DEFAULT } from '../../shared/schemas.ts'
import { listAccess, listEvents, verifyChains } from './repository.ts'
import type { ListAuditEventsQuery } from './schemas.ts'

function page<R extends { id: string; atText: string }, V>(rows: R[], limit: number, view: (r: R) => V) {
  const more = rows.length > limit
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return { items: items.map(view), nextCursor: more && last ? encodeCursor([last.atText, last.id]) : null }
}

const EXACT_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/

/** A cursor of (instant to the microsecond, event id), as page() issues them. */
function decodeEventCursor(cursor: string | undefined): [string, string] | undefined {
  if (!cursor) return undefined
  const key = decodeCursor(cursor, ['string', 'uuid']) as [string, string]
  if (!EXACT_INSTANT.test(key[0])) throw new AppError('invalid-cursor', { en: 'The cursor is not one this API issued.', fr: 'Ce curseur n’a pas été émis par cette API.' })
  return key
}

export async function listAuditEvents(db: Db, q: ListAuditEventsQuery) {
  const limit = q.limit ?? LIMIT_DEFAULT
  const before = decodeEventCursor(q.cursor)
  const rows = await listEvents(db, { ...q, before, limit })
  return page(rows, limit, ({ atText: _t, seq, ...e }) => ({ ...e, seq: Number(seq) }))
}

export const verifyAudit = (db: Db) => verifyChains(db)

const OFFICE = { en: 'National M2M Network Office', fr: 'Bureau national du Réseau M2M' }
const WHO: Record<string, { en: string; fr: string }> = {
  nmno: OFFICE,
  governance: { en: 'Governance body', fr: 'Comité de gouvernance' },
  manager: { en: 'Another manager', fr: 'Un autre gestionnaire' },
  ambassador: { en: 'An Ambassador', fr: 'Un ambassadeur' },
  hr_analyst: { en: 'Human resources analyst', fr: 'Analyste des ressources humaines' },
  iservice: { en: 'Intranet service', fr: 'Service intranet' },
  anonymous: { en: 'Anonymous', fr: 'Anonyme' },
  system: { en: 'The system', fr: 'Le système' },
}
const YOU = { en: 'You', fr: 'Vous' }

/** The manager's own engagement only; everyone else (and a missing engagement) gets 404. */
export async function accessLog(db: Db, actor: Actor, engagementId: string, q: { limit?: number; cursor?: string }, lang: Lang) {
  const own = await db.selectFrom('engagements').select('id')
    .where('id', '=', engagementId).where('managerRef', '=', actor.sub).executeTakeFirst()
  if (!own || !actor.roles.has('manager')) throw new NotFound()
  const limit = q.limit ?? LIMIT_DEFAULT
  const before = decodeEventCursor(q.cursor)
  const rows = await listAccess(db, engagementId, before, limit)
  // The manager's pseudonym in this engagement (AUD-1): their own actions read "You".
  const you = managerPseudonym(actor.sub, engagementId)
  return page(rows, limit, (r) => ({
    at: r.at,
    who: r.role === 'manager' && r.actorRef === you ? YOU[lang] : (r.role === 'ambassador' && r.displayName) || WHO[r.role][lang],
    role: r.role,
    action: r.action,
    outcome: r.outcome,
  }))
}
