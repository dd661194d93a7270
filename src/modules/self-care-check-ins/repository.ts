// All SQL for self-care check-ins. Only the Ambassador reads their own; nmno reads nothing here
// (a contact request reaches it as an inbox item; statistics count them, suppressed).
import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import { recordCreated, type Authorized } from '../../policy/authorize.ts'
import { afterWhere, sortKeyOf, type After } from '../../shared/pagination.ts'
import type { CreateCheckInBody } from './schemas.ts'

const COLUMNS = ['id', 'wellbeing', 'workloadImpact', 'wantsContact', 'createdAt'] as const

export async function insertCheckIn(auth: Authorized<'self-care.check-in'>, body: CreateCheckInBody) {
  const row = await auth.trx.insertInto('selfCareCheckIns').values({ ambassadorId: auth.facts.ambassadorId, ...body })
    .returning(COLUMNS).executeTakeFirstOrThrow()
  return recordCreated(auth, row)
}

export async function listCheckIns(db: Db, ambassadorId: string, f: { after?: After; limit: number }) {
  const r = await sql<{ id: string; wellbeing: number; workloadImpact: 'none' | 'some' | 'significant'; wantsContact: boolean; createdAt: Date; sortKey: string }>`
    SELECT c.id, c.wellbeing, c.workload_impact, c.wants_contact, c.created_at, ${sortKeyOf('c.created_at')} AS sort_key
    FROM self_care_check_ins c WHERE c.ambassador_id = ${ambassadorId}
      ${f.after ? sql`AND ${afterWhere('c.created_at', 'c.id', f.after)}` : sql``}
    ORDER BY c.created_at, c.id LIMIT ${f.limit}`.execute(db)
  return r.rows
}
