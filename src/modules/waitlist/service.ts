// Waitlist use cases (#16 item 2): one transaction per write; the manager sees only their own entry.
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { AppError, NotFound } from '../../errors/app-error.ts'
import type { Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { assertCapacity } from '../engagements/policy.ts'
import { insertEngagement } from '../engagements/repository.ts'
import { toManagerView } from '../engagements/service.ts'
import { cellKeyOf, perturbCount } from '../stats/perturbation.ts'
import { figure, suppressLine } from '../stats/suppression.ts'
import { countWaiting, deleteEntry, findOwn, insertEntry, listOwn, offerSlotsFreedBy, type EntryRow } from './repository.ts'
import type { JoinWaitlistBody, WaitlistEntry } from './schemas.ts'

export function toEntryView(e: EntryRow): WaitlistEntry {
  const offered = e.status === 'offered' && !e.lapsed && e.offerAmbassadorId
  return {
    id: e.id, language: e.language, modes: e.modes, topics: e.topics, urgency: e.urgency,
    status: e.lapsed ? 'lapsed' : e.status,
    offer: offered ? { ambassador: { id: e.offerAmbassadorId!, displayName: e.offerDisplayName ?? '' }, expiresAt: e.offerExpiresAt! } : null,
    createdAt: e.createdAt, version: e.version,
  } as WaitlistEntry
}

export async function joinWaitlist(db: Db, actor: Actor, body: JoinWaitlistBody) {
  const id = await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'waitlist.join', body)
    return (await insertEntry(auth, body)).id
  }).catch((err: unknown) => {
    // The unique index backs the one-entry rule should two joins ever slip past the lock.
    if ((err as { code?: unknown } | null)?.code === '23505') throw new AppError('already-exists', { en: 'You are already on the waitlist.', fr: 'Vous êtes déjà sur la liste d’attente.' })
    throw err
  })
  const row = await findOwn(db, id, actor.sub)
  if (!row) throw new NotFound()
  return toEntryView(row)
}

export async function listWaitlist(db: Db, actor: Actor) {
  return { items: (await listOwn(db, actor.sub)).map(toEntryView), nextCursor: null }
}

export async function withdrawFromWaitlist(db: Db, actor: Actor, id: string) {
  await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'waitlist.withdraw', { id })
    const { entry } = auth.facts
    await deleteEntry(auth, entry.id)
    // A slot the offer held is free again: the next waiting manager it fits is offered it.
    if (entry.offerAmbassadorId) await offerSlotsFreedBy(auth, entry.offerAmbassadorId)
  })
}

/** The request to the offered Ambassador (ENG-2 under their row lock); the entry ends. */
export async function acceptOffer(db: Db, actor: Actor, entryId: string) {
  const row = await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'engagement.accept-offer', { entryId })
    const { entry } = auth.facts
    const created = await insertEngagement(auth, {
      ambassadorId: auth.facts.ambassador.id, managerRef: actor.sub, language: entry.language, preferredModes: entry.modes,
      urgency: entry.urgency, topics: entry.topics,
    })
    await deleteEntry(auth, entry.id)
    await assertCapacity(trx, auth.facts.ambassador.id)
    return created
  })
  return toManagerView(row)
}

/** nmno: managers waiting now, by language and topic; small counts suppressed, every count perturbed (RPT-4 machinery). */
export async function waitlistDemand(db: Db, threshold: number) {
  const rows = await countWaiting(db)
  const total = perturbCount(rows.total.n, cellKeyOf(rows.total.keys))
  const line = <K extends string>(name: K, cells: { key: string; n: number; keys: string }[], groups?: string[]) => {
    const p = cells.map((c) => perturbCount(c.n, cellKeyOf(c.keys)))
    const s = suppressLine(p, total, threshold, groups)
    return { cells: cells.map((c, i) => ({ [name]: c.key, ...figure(p[i], s.cells[i]) }) as { [k in K]: string } & { count: number | null; suppressed: boolean }), total: s.total }
  }
  const byLanguage = line('language', rows.byLanguage)
  // An entry counts once per topic it names: topics do not add up to the total (a multi-valued
  // dimension, as the statistics' topics: each cell is its own group for complementary suppression).
  const byTopic = line('topic', rows.byTopic, rows.byTopic.map((c) => c.key))
  return { threshold, byLanguage: byLanguage.cells, byTopic: byTopic.cells, total: figure(total, byLanguage.total) }
}
