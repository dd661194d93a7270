// All SQL for the managers' terms. An acceptance is the manager's own (manager_ref = their sub):
// nobody but the service reads it, and only to let the manager's own request through.
import type { Db } from '../../db/database.ts'
import type { Trx } from '../../db/tx.ts'
import type { Authorized } from '../../policy/authorize.ts'

export const currentTerms = (db: Db | Trx) =>
  db.selectFrom('engagementTerms').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirstOrThrow()

/** The current version, shared-locked (a publication waits), and whether this manager accepted it. */
export async function termsFactsFor(trx: Trx, managerRef: string) {
  const cur = await trx.selectFrom('engagementTerms').select('version').orderBy('version', 'desc').limit(1).forShare().executeTakeFirstOrThrow()
  const accepted = await trx.selectFrom('engagementTermsAcceptances').select('version')
    .where('managerRef', '=', managerRef).where('version', '=', cur.version).executeTakeFirst()
  return { currentVersion: cur.version, accepted: Boolean(accepted) }
}

export const recordTermsAcceptance = (auth: Authorized<'engagement-terms.accept'>) =>
  auth.trx.insertInto('engagementTermsAcceptances').values({ managerRef: auth.actor.sub, version: auth.facts.version })
    .onConflict((oc) => oc.columns(['managerRef', 'version']).doUpdateSet({ version: auth.facts.version }))
    .returning(['version', 'acceptedAt']).executeTakeFirstOrThrow()
