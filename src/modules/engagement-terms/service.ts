import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import type { Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { currentTerms, recordTermsAcceptance } from './repository.ts'

export async function getCurrentTerms(db: Db) {
  const t = await currentTerms(db)
  return { version: t.version, text: { en: t.textEn, fr: t.textFr }, hash: t.textHash, publishedAt: t.publishedAt }
}

export function acceptEngagementTerms(db: Db, actor: Actor, version: number) {
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'engagement-terms.accept', { version })
    return recordTermsAcceptance(auth)
  })
}
