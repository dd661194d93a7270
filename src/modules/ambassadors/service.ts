// Ambassador use cases: one transaction per write (authorize, then write), views per audience.
import { createHash } from 'node:crypto'
import type { Db } from '../../db/database.ts'
import { inTransaction } from '../../db/tx.ts'
import { AppError, NotFound } from '../../errors/app-error.ts'
import { ACTIVE_IN_TERM, hasRole, type Actor } from '../../policy/actor.ts'
import { authorize } from '../../policy/authorize.ts'
import { decodeCursor, encodeCursor } from '../../shared/cursor.ts'
import type { Lang } from '../../shared/i18n.ts'
import { LIMIT_DEFAULT } from '../../shared/schemas.ts'
import { etagOf } from '../../shared/etag.ts'
import { requireTransferOfAllOf } from '../engagements/repository.ts'
import { hasOpenNmnoNotification, notifyNmno } from '../notifications/repository.ts'
import { offerSlotsFreedBy } from '../waitlist/repository.ts'
import { failingCompetencies } from './policy.ts'
import {
  currentGuidelinesVersion, directoryStamp, findRecord, insertAmbassador, insertReferenceCheck, insertTrainingRecord, listDirectory, referenceChecks,
  orientationPartsAttended, recentSessions, recordTransition, renewTerm, selectAmbassador, setCompetencies, statusHistory,
  trainingRecords, updateAmbassadorProfile, suggestAmbassadors, type AmbassadorWithStatus, type DirectoryRow,
} from './repository.ts'
import type {
  AmbassadorPublic, AmbassadorRecord, CompetenciesBody, CreateAmbassadorBody, DirectoryEntry, ListAmbassadorsQuery,
  ReferenceCheckBody, Suggestion, SuggestionsQuery, TrainingRecordBody, TransitionBody, UpdateAmbassadorBody,
} from './schemas.ts'

/** Missed sessions in a row that raise the absenteeism notification (AMB-9). */
export const ABSENTEEISM_STREAK = 3

const isStaffReader = (actor: Actor) => hasRole(actor, 'nmno', 'governance')

function localizedBio(row: { bioEn: string | null; bioFr: string | null }, lang: Lang) {
  const [first, second]: Lang[] = lang === 'fr' ? ['fr', 'en'] : ['en', 'fr']
  const pick = (l: Lang) => (l === 'en' ? row.bioEn : row.bioFr)
  if (pick(first)) return { bio: pick(first), bioLanguage: first }
  if (pick(second)) return { bio: pick(second), bioLanguage: second }
  return { bio: null, bioLanguage: null }
}

function toDirectoryEntry(row: DirectoryRow, lang: Lang): DirectoryEntry {
  const entry: DirectoryEntry = {
    id: row.id, displayName: row.displayName, ...localizedBio(row, lang),
    languages: row.languages, modes: row.modes, topics: row.topics, available: row.available,
  }
  if (row.status !== undefined) {
    Object.assign(entry, { status: row.status, employeeRef: row.employeeRef, capacity: row.capacity, openEngagements: row.openEngagements, termEnd: row.termEnd ?? null })
  }
  return entry
}

export function toPublicView(row: AmbassadorWithStatus, lang: Lang): AmbassadorPublic {
  return {
    view: 'public', id: row.id, displayName: row.displayName, ...localizedBio(row, lang),
    languages: row.languages, modes: row.modes, topics: row.topics, available: row.openEngagements < row.capacity,
  }
}

async function toRecordView(db: Db, row: AmbassadorWithStatus): Promise<AmbassadorRecord> {
  const [history, training, parts, currentVersion, references] = await Promise.all([
    statusHistory(db, row.id), trainingRecords(db, row.id), orientationPartsAttended(db, row.id), currentGuidelinesVersion(db), referenceChecks(db, row.id),
  ])
  const c = row.competencies
  return {
    view: 'record',
    id: row.id, employeeRef: row.employeeRef, displayName: row.displayName,
    bio: { en: row.bioEn, fr: row.bioFr },
    languages: row.languages, modes: row.modes, topics: row.topics,
    capacity: row.capacity, openEngagements: row.openEngagements,
    status: row.effectiveStatus,
    termStart: row.termStart, termEnd: row.termEnd,
    designatedContactRef: row.designatedContactRef,
    competencies: c ? { ...c, meetsRequirements: failingCompetencies(c).length === 0 } : null,
    guidelines: { acceptedVersion: row.guidelinesVersion, acceptedAt: row.guidelinesAcceptedAt, currentVersion },
    supervisorArrangementOn: row.supervisorArrangementOn ? dateOnly(row.supervisorArrangementOn) : null,
    referenceChecks: references.map((r) => ({ ...r, checkedOn: dateOnly(r.checkedOn) })),
    orientationPartsAttended: parts,
    statusHistory: history.map((h) => ({ from: h.fromStatus, to: h.toStatus, reason: h.reason, actorRole: h.actorRole, at: h.at })),
    trainingRecords: training.map((t) => ({ id: t.id, kind: t.kind, part: t.part, on: t.heldOn, attended: t.attended, language: t.language, recordedBy: t.recordedBy, createdAt: t.createdAt })),
    version: row.version, createdAt: row.createdAt, updatedAt: row.updatedAt,
  }
}

export const recordEtag = (version: number) => etagOf('ambassador', version)

/**
 * The public view's ETag hashes what is sent (CONF-5, #11): it moves when the public view does,
 * never with the Ambassador's caseload (the row version moves on every request, decline, close).
 */
export const publicEtag = (view: AmbassadorPublic) => `W/"p${createHash('sha1').update(JSON.stringify(view)).digest('base64url')}"`

// ---- Directory (AMB-7) ----

export interface DirectoryRequest { actor: Actor; lang: Lang; query: ListAmbassadorsQuery }

/** The directory's ETag, from the cheap stamp query alone: no listing runs for a 304. */
export async function directoryEtag(db: Db, request: DirectoryRequest): Promise<string> {
  return etagFor(await directoryStamp(db, Boolean(request.query.eligibleForMe)), request)
}

function etagFor(stamp: string, { actor, lang, query }: DirectoryRequest): string {
  const who = query.eligibleForMe ? actor.sub : ''
  const key = JSON.stringify([stamp, lang, who, query.language, query.mode, query.topic, query.available, query.eligibleForMe, query.status, query.limit, query.cursor])
  return `W/"d${createHash('sha1').update(key).digest('base64url')}"`
}

// #18: the directory's pages are the same for every manager, so are their cursors: a sealed cursor
// (AES-GCM, a random nonce) is made once per sort key and handed out again, instead of once per
// request. It carries only the public display name and id of the page's last entry, which its
// holder has just been shown; equal cursors only say that two holders were shown the same page.
const CURSOR_CACHE_MAX = 1024
const cursorCache = new Map<string, string>()
function directoryCursor(displayName: string, id: string): string {
  const key = `${id}|${displayName}`
  let c = cursorCache.get(key)
  if (c === undefined) {
    c = encodeCursor([displayName, id])
    if (cursorCache.size >= CURSOR_CACHE_MAX) cursorCache.delete(cursorCache.keys().next().value!)
    cursorCache.set(key, c)
  }
  return c
}

export async function listAmbassadors(db: Db, { actor, lang, query }: DirectoryRequest) {
  if (query.status && !actor.roles.has('nmno')) {
    throw new AppError('forbidden', { en: 'Only the National M2M Network Office lists Ambassadors by status.', fr: 'Seul le Bureau national du Réseau G2G peut lister les ambassadeurs par statut.' })
  }
  const limit = query.limit ?? LIMIT_DEFAULT
  const after = query.cursor ? (decodeCursor(query.cursor, ['string', 'uuid']) as [string, string]) : undefined
  const { rows, stamp } = await listDirectory(db, {
    language: query.language, mode: query.mode, topic: query.topic, available: query.available,
    excludeEmployeeRef: query.eligibleForMe ? actor.sub : undefined,
    status: query.status, after, limit: limit + 1,
  })
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return {
    page: {
      items: page.map((r) => toDirectoryEntry(r, lang)),
      nextCursor: rows.length > limit && last ? directoryCursor(last.displayName, last.id) : null,
    },
    // The ETag of the snapshot the page was read from (an empty page reads the stamp alone).
    etag: stamp ? etagFor(stamp, { actor, lang, query }) : await directoryEtag(db, { actor, lang, query }),
  }
}

// ---- One Ambassador ----

/** The record view for the person themself, nmno and governance; the public view for everyone else (in-term active only). */
export async function getAmbassador(db: Db, actor: Actor, id: string, lang: Lang) {
  const staff = isStaffReader(actor)
  const record = await findRecord(db, id, { staff, sub: actor.roles.has('manager') ? actor.sub : undefined })
  if (record) return { view: await toRecordView(db, record), version: record.version }
  const row = await selectAmbassador(db).where('id', '=', id).where(ACTIVE_IN_TERM).executeTakeFirst()
  if (!row) throw new NotFound()
  return { view: toPublicView(row, lang), version: row.version }
}

async function readBack(db: Db, actor: Actor, id: string) {
  const row = await findRecord(db, id, { staff: true, sub: actor.sub })
  if (!row) throw new NotFound()
  return { view: await toRecordView(db, row), version: row.version }
}

export async function applyAsAmbassador(db: Db, actor: Actor, body: CreateAmbassadorBody) {
  const id = await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'ambassador.apply', body)
    const { id } = await insertAmbassador(auth, {
      employeeRef: auth.facts.employeeRef,
      displayName: body.displayName.trim(),
      bioEn: body.bio?.en ?? null,
      bioFr: body.bio?.fr ?? null,
      languages: body.languages ?? [],
      modes: body.modes ?? [],
      topics: body.topics ?? [],
      capacity: body.capacity ?? 3,
      status: 'applicant',
    })
    return id
  }).catch(uniqueToConflict)
  return readBack(db, actor, id)
}

function uniqueToConflict(err: unknown): never {
  if ((err as { code?: unknown } | null)?.code === '23505') throw new AppError('already-exists', { en: 'An application or Ambassador record already exists for this employee.', fr: 'Une candidature ou un dossier d’ambassadeur existe déjà pour cet employé.' })
  throw err
}

export async function updateAmbassador(db: Db, actor: Actor, id: string, patch: UpdateAmbassadorBody, ifMatch?: string) {
  if (patch.supervisorArrangementOn) pastDate(patch.supervisorArrangementOn, '/body/supervisorArrangementOn')
  await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'ambassador.update', { id, patch, ifMatch })
    const set: Record<string, unknown> = {}
    if (patch.displayName !== undefined) set.displayName = patch.displayName.trim()
    if (patch.bio && 'en' in patch.bio) set.bioEn = patch.bio.en
    if (patch.bio && 'fr' in patch.bio) set.bioFr = patch.bio.fr
    for (const k of ['languages', 'modes', 'topics', 'capacity', 'designatedContactRef', 'supervisorArrangementOn'] as const) {
      if (patch[k] !== undefined) set[k] = patch[k]
    }
    await updateAmbassadorProfile(auth, set)
    // #16: more capacity, or a profile that now fits someone waiting: the waitlist is offered the room.
    if (['capacity', 'languages', 'modes', 'topics'].some((k) => k in set)) await offerSlotsFreedBy(auth, id)
  })
  return readBack(db, actor, id)
}

export async function transitionAmbassador(db: Db, actor: Actor, id: string, body: TransitionBody, ifMatch?: string) {
  await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'ambassador.transition', { id, to: body.to, acceptGuidelines: body.acceptGuidelines, ifMatch })
    const { guidelinesVersion } = auth.facts
    await recordTransition(auth, {
      to: body.to, reason: body.reason,
      activate: body.to === 'active' && guidelinesVersion ? { guidelinesVersion } : undefined,
    })
    // AMB-6, REV-4: an Ambassador who steps down leaves no open engagement behind (row locked by the policy).
    if (body.to === 'withdrawn') await requireTransferOfAllOf(auth, id)
    // #16: a new Ambassador's room goes to the waitlist first.
    if (body.to === 'active') await offerSlotsFreedBy(auth, id)
  })
  return readBack(db, actor, id)
}

export async function assessCompetencies(db: Db, actor: Actor, id: string, body: CompetenciesBody, ifMatch?: string) {
  await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'ambassador.assess', { id, ifMatch })
    await setCompetencies(auth, { ...body, assessedAt: new Date().toISOString(), assessedBy: actor.sub })
  })
  return readBack(db, actor, id)
}

export async function recordTraining(db: Db, actor: Actor, id: string, body: TrainingRecordBody, ifMatch?: string) {
  const today = new Date().toISOString().slice(0, 10)
  if (body.on > today || body.on < '2000-01-01') {
    throw new AppError('validation-failed', { en: 'on must be a past date (attendance is recorded after the session).', fr: 'on doit être une date passée (la présence est consignée après la séance).' }, { errors: [{ path: '/body/on', message: 'must be between 2000-01-01 and today' }] })
  }
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'ambassador.record-training', { id, body, ifMatch })
    const rec = await insertTrainingRecord(auth, { kind: body.kind, part: body.part ?? null, heldOn: body.on, attended: body.attended, language: body.language ?? null })
    if (body.kind !== 'orientation_part' && !body.attended) {
      const recent = await recentSessions(trx, id, ABSENTEEISM_STREAK)
      const streak = recent.length === ABSENTEEISM_STREAK && recent.every((r) => !r.attended)
      if (streak && !(await hasOpenNmnoNotification(auth, 'absenteeism', id))) {
        await notifyNmno(auth, {
          kind: 'absenteeism', subjectType: 'ambassador', subjectId: id,
          designatedContactRef: auth.facts.row.designatedContactRef,
          data: { missedInARow: ABSENTEEISM_STREAK },
        })
      }
    }
    return { id: rec.id, kind: rec.kind, part: rec.part, on: rec.heldOn, attended: rec.attended, language: rec.language, recordedBy: rec.recordedBy, createdAt: rec.createdAt }
  })
}

/** Annex F: nmno records a reference check (#14 item 5). */
export async function recordReferenceCheck(db: Db, actor: Actor, id: string, body: ReferenceCheckBody) {
  pastDate(body.checkedOn, '/body/checkedOn')
  return inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'ambassador.record-reference', { id })
    const r = await insertReferenceCheck(auth, body)
    return { ...r, checkedOn: dateOnly(r.checkedOn) }
  })
}

const dateOnly = (d: Date | string) => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10))

/** A date that already happened (from 2000), or a 400 problem. */
function pastDate(on: string, path: string) {
  const today = new Date().toISOString().slice(0, 10)
  if (on > today || on < '2000-01-01') {
    throw new AppError('validation-failed', { en: 'The date must be between 2000-01-01 and today.', fr: 'La date doit être comprise entre le 2000-01-01 et aujourd’hui.' }, { errors: [{ path, message: 'must be between 2000-01-01 and today' }] })
  }
}

export async function renewAmbassador(db: Db, actor: Actor, id: string, ifMatch?: string) {
  await inTransaction(db, async (trx) => {
    const auth = await authorize(trx, actor, 'ambassador.renew', { id, ifMatch })
    await renewTerm(auth)
    await offerSlotsFreedBy(auth, id) // #16: a term renewed after it ran out brings room back
  })
  return readBack(db, actor, id)
}

// ---- Suggestions (#16 item 1) ----

/**
 * Up to 10 Ambassadors who could take the caller's request now, best first, each with what
 * matched. One SQL statement (repository: suggestAmbassadors). Whoever is missing (the caller
 * themself, a conflict, no room, out of term) is simply not there: nothing says why.
 */
export async function suggest(db: Db, actor: Actor, lang: Lang, q: SuggestionsQuery): Promise<{ items: Suggestion[] }> {
  const rows = await suggestAmbassadors(db, {
    language: q.language, modes: q.modes ?? [], topics: q.topics ?? [], managerRef: actor.sub, urgent: q.urgency === 'urgent',
  })
  return {
    items: rows.map((r) => ({
      id: r.id, displayName: r.displayName, ...localizedBio(r, lang), languages: r.languages, modes: r.modes, topics: r.topics,
      score: Number(r.score),
      match: { topics: r.matchedTopics, language: r.languageMatch, modes: r.matchedModes, lightLoad: r.lightLoad },
    }) as Suggestion),
  }
}
