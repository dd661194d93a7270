// RPT-1 use cases: the assigned Ambassador submits; nmno lists every report, an Ambassador their own.
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { AppError } from '../../errors/app-error.ts'
import { actingAmbassadorId, type Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { decodeCursor, encodeCursor } from '../../shared/cursor.ts'
import { LIMIT_DEFAULT } from '../../shared/schemas.ts'
import { insertReport, listReports } from './repository.ts'
import type { CreateReportBody, ListReportsQuery, Report } from './schemas.ts'

export async function submitReport(db: Db, actor: Actor, body: CreateReportBody): Promise<Report> {
  try {
    return await inTransaction(db, async (trx) => {
      const auth = await authorize(trx, actor, 'report.create', body)
      // #11 finding 7: the audit event names the engagement (the manager's access log shows that
      // a report was filed, AUD-3) but not the report: after a purge, nothing in the immutable
      // trail re-links the de-identified report to the engagement it came from.
      return insertReport(auth, body)
    })
  } catch (err: unknown) {
    if ((err as { code?: unknown } | null)?.code === '23505') {
      throw new AppError('already-exists', { en: 'This interaction was already reported.', fr: 'Cette interaction a déjà fait l’objet d’un rapport.' })
    }
    throw err
  }
}

/** nmno: every report (optionally one Ambassador's); an acting Ambassador: their own; others: none. */
export async function listReportsFor(db: Db, actor: Actor, q: ListReportsQuery) {
  const limit = q.limit ?? LIMIT_DEFAULT
  const after = q.cursor ? (decodeCursor(q.cursor, ['string', 'uuid']) as [string, string]) : undefined
  let ambassadorId: string | undefined
  if (actor.roles.has('nmno')) {
    ambassadorId = q.ambassadorId
  } else {
    const me = await actingAmbassadorId(db, actor)
    if (!me || (q.ambassadorId && q.ambassadorId !== me)) return { items: [], nextCursor: null }
    ambassadorId = me
  }
  const rows = await listReports(db, { ambassadorId, from: q.from, to: q.to, after, limit: limit + 1 })
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return { items: page, nextCursor: rows.length > limit && last ? encodeCursor([last.occurredOn, last.id]) : null }
}
