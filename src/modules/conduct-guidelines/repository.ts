import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { Trx } from '../../db/tx.ts'
import { ACTIVE_IN_TERM } from '../../policy/actor.ts'
import type { Authorized } from '../../policy/authorize.ts'

export const guidelinesHash = (en: string, fr: string) => createHash('sha256').update(`${en}\n\n${fr}`).digest('hex')

export const currentGuidelines = (db: Db | Trx) =>
  db.selectFrom('conductGuidelines').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirstOrThrow()

export async function insertGuidelines(auth: Authorized<'guidelines.publish'>, text: { en: string; fr: string }) {
  // The office's lock on the current version (facts) makes the next number race-free.
  const version = auth.facts.currentVersion + 1
  return auth.trx.insertInto('conductGuidelines').values({
    version, textEn: text.en, textFr: text.fr, textHash: guidelinesHash(text.en, text.fr), publishedBy: auth.actor.sub,
  }).returningAll().executeTakeFirstOrThrow()
}

/** Active, in-term Ambassadors (employee refs) who have not accepted this version (AMB-10). */
export const ambassadorsPendingAcceptance = (db: Db | Trx, version: number) =>
  db.selectFrom('ambassadors').select(['id as ambassadorId', 'displayName', 'guidelinesVersion as acceptedVersion', 'employeeRef'])
    .where(ACTIVE_IN_TERM).where((eb) => eb.or([eb('guidelinesVersion', 'is', null), eb('guidelinesVersion', '<', version)]))
    .orderBy('displayName').orderBy('id').execute()

/** One page of them for nmno, by name then id (#12 item 4); `limit` rows after `after`. */
export function pagePendingAcceptance(db: Db, version: number, f: { after?: [string, string]; limit: number }) {
  let q = db.selectFrom('ambassadors').select(['id as ambassadorId', 'displayName', 'guidelinesVersion as acceptedVersion'])
    .where(ACTIVE_IN_TERM).where((eb) => eb.or([eb('guidelinesVersion', 'is', null), eb('guidelinesVersion', '<', version)]))
  if (f.after) q = q.where(sql<boolean>`(display_name, id) > (${f.after[0]}, ${f.after[1]}::uuid)`)
  return q.orderBy('displayName').orderBy('id').limit(f.limit).execute()
}

export async function recordAcceptance(auth: Authorized<'guidelines.accept'>, version: number) {
  const { ambassadorId } = auth.facts
  await auth.trx.updateTable('ambassadors').set({ guidelinesVersion: version, guidelinesAcceptedAt: sql`now()` }).where('id', '=', ambassadorId).execute()
  return auth.trx.insertInto('guidelinesAcceptances').values({ ambassadorId, version })
    .onConflict((oc) => oc.columns(['ambassadorId', 'version']).doUpdateSet({ version }))
    .returning(['ambassadorId', 'version', 'acceptedAt']).executeTakeFirstOrThrow()
}
