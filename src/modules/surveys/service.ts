// RPT-2, RPT-3 use cases: one transaction each.
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import type { Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { alreadyEvaluated, invalidToken } from './policy.ts'
import { randomUUID } from 'node:crypto'
import { receiptAndHold, spendTokenAndHold } from './repository.ts'
import type { AmbassadorSurveyBody, ManagerSurveyBody } from './schemas.ts'

const uniqueViolation = (err: unknown) => (err as { code?: unknown } | null)?.code === '23505'

/** The month an answer is given (UTC): the only time it keeps. */
const thisMonth = () => new Date().toISOString().slice(0, 7)

/**
 * #11 finding 4: the answer is held back, sealed, in the token's transaction; it reaches the
 * response table later, shuffled with others, in a transaction of its own (release.ts). Its id is
 * chosen now so the answer to the manager is the same as before.
 */
export async function submitManagerSurvey(db: Db, actor: Actor, body: ManagerSurveyBody) {
  try {
    const held = { id: randomUUID(), period: thisMonth(), answers: body.answers }
    await inTransaction(db, async (trx) => {
      const auth = await authorize(trx, actor, 'survey.submit-manager', { token: body.token })
      await spendTokenAndHold(auth, held)
    })
    return held
  } catch (err) {
    // A hash already spent (the token reissued or replayed) is the same neutral answer.
    if (uniqueViolation(err)) throw invalidToken()
    throw err
  }
}

export async function submitAmbassadorSurvey(db: Db, actor: Actor, body: AmbassadorSurveyBody) {
  try {
    const held = { id: randomUUID(), period: thisMonth(), answers: body.answers }
    await inTransaction(db, async (trx) => {
      const auth = await authorize(trx, actor, 'survey.submit-ambassador', { evaluated: body.engagementId })
      await receiptAndHold(auth, held)
    })
    return held
  } catch (err) {
    if (uniqueViolation(err)) throw alreadyEvaluated()
    throw err
  }
}
