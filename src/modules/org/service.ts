// The organisation snapshot (COI-2): replaced whole, in one transaction.
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { AppError } from '../../errors/app-error.ts'
import type { Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { requireTransferOfConflicted } from '../engagements/repository.ts'
import { replaceReportingLines } from './repository.ts'
import type { ReplaceReportingLinesBody } from './schemas.ts'

export async function importReportingLines(db: Db, actor: Actor, body: ReplaceReportingLinesBody) {
  const seen = new Set<string>()
  const errors: { path: string; message: string }[] = []
  body.items.forEach((item, i) => {
    if (seen.has(item.employeeRef)) errors.push({ path: `/body/items/${i}/employeeRef`, message: 'appears more than once' })
    seen.add(item.employeeRef)
  })
  if (errors.length) {
    throw new AppError('validation-failed', { en: 'Each employee has one line in the snapshot.', fr: 'Chaque employé n’a qu’une ligne dans l’instantané.' }, { errors: errors.slice(0, 100) })
  }
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'reporting-lines.replace', { count: body.items.length })
    const result = await replaceReportingLines(auth, body.items)
    // COI-4: an open engagement whose pair the new snapshot puts in one supervisory chain must move.
    await requireTransferOfConflicted(auth, { all: true })
    return result
  })
}
