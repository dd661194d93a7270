// The organisation snapshot (COI-2): replaced whole, in one transaction.
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { AppError } from '../../errors/app-error.ts'
import type { Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
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
    // COI-4: an import blocks new pairings at once (COI-3) but moves no engagement and looks at
    // none, so nothing nmno reads depends on who has one; the Ambassador of an engagement the new
    // snapshot puts in conflict sees a conflict_review task (me/tasks) and acts.
    return replaceReportingLines(auth, body.items)
  })
}
