// RPT-2, RPT-3 use cases: one transaction each.
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import type { Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { alreadyEvaluated, invalidToken } from './policy.ts'
import { recordEvaluation, spendTokenAndRecord } from './repository.ts'
import type { AmbassadorSurveyBody, ManagerSurveyBody } from './schemas.ts'

const uniqueViolation = (err: any) => err?.code === '23505'

export async function submitManagerSurvey(db: Db, actor: Actor, body: ManagerSurveyBody) {
  try {
    const row = await inTransaction(db, async (trx) => {
      const auth = await authorize(trx, actor, 'survey.submit-manager', { token: body.token })
      return spendTokenAndRecord(auth, body.answers)
    })
    return { id: row.id, period: row.period, answers: body.answers }
  } catch (err) {
    // A hash already spent (the token reissued or replayed) is the same neutral answer.
    if (uniqueViolation(err)) throw invalidToken()
    throw err
  }
}

export async function submitAmbassadorSurvey(db: Db, actor: Actor, body: AmbassadorSurveyBody) {
  try {
    const row = await inTransaction(db, async (trx) => {
      const auth = await authorize(trx, actor, 'survey.submit-ambassador', { evaluated: body.engagementId })
      return recordEvaluation(auth, body.answers)
    })
    return { id: row.id, period: row.period, answers: body.answers }
  } catch (err) {
    if (uniqueViolation(err)) throw alreadyEvaluated()
    throw err
  }
}
