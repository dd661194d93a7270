// Optimistic concurrency (SPEC §4): every single resource carries an ETag; every state-changing
// request on it may send If-Match and gets 412 `precondition-failed` when it does not match.
//
// The tag is opaque and carries nothing confidential: a one-letter kind and the row's version, a
// counter the database bumps on every update (a trigger per table). The comparison runs in the
// policy check, inside the write's transaction, after the row is locked FOR UPDATE: of two
// concurrent writers sending the same tag, the second reads the version the first wrote and gets 412.
import { createHash } from 'node:crypto'
import { Type } from 'typebox'
import { AppError } from '../errors/app-error.ts'

export const ETAG_KINDS = {
  ambassador: 'a',
  engagement: 'e',
  meeting: 'm',
  goal: 'g',
  referral: 'r',
  consent: 'c',
  'revocation-case': 'v',
  resource: 's',
  notification: 'n',
  concern: 'k',
  review: 'w',
  recommendation: 'd',
  milestone: 'p',
} as const
export type EtagKind = keyof typeof ETAG_KINDS

/** The strong ETag of a row at a version, e.g. `"e7"`. */
export const etagOf = (kind: EtagKind, version: number) => `"${ETAG_KINDS[kind]}${version}"`

/**
 * A weak tag of a view that carries no version (the Ambassador's public view, nmno's de-identified
 * engagement): a hash of exactly what is sent, so it tells nothing the view does not show and does
 * not move with changes the viewer cannot see. Never matches an If-Match (writes compare versions).
 */
export const viewEtag = (kind: EtagKind, view: unknown) =>
  `W/"${ETAG_KINDS[kind]}.${createHash('sha256').update(JSON.stringify(view)).digest('base64url').slice(0, 27)}"`

// RFC 9110 §8.8.3 and §13.1.1: If-Match = "*" / #entity-tag; entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE.
const ENTITY_TAG = String.raw`(?:W/)?"[\x21\x23-\x7E]*"`
export const IF_MATCH_PATTERN = String.raw`^[ \t]*(?:\*|${ENTITY_TAG}(?:[ \t]*,[ \t]*${ENTITY_TAG})*)[ \t]*$`
const IF_MATCH_RE = new RegExp(IF_MATCH_PATTERN)

/** The request header, as route schemas declare it (a malformed value is a 400 before any work). */
export const IfMatchHeader = Type.String({
  maxLength: 1024, pattern: IF_MATCH_PATTERN,
  description: 'Optimistic concurrency: the ETag you read (a list, or `*`). 412 `precondition-failed` when the resource changed since.',
})

/**
 * The If-Match header as `*` or the list of opaque tags it names. A weak tag (`W/"e7"`) counts as
 * its opaque value: a proxy that weakens our tags (compression) must not make every write fail, and
 * the value alone names the exact row version. undefined when the header is absent.
 */
export function parseIfMatch(header: string | undefined): '*' | string[] | undefined {
  if (header === undefined) return undefined
  if (!IF_MATCH_RE.test(header)) throw malformed()
  if (header.trim() === '*') return '*'
  return header.split(',').map((t) => t.trim().replace(/^W\//, ''))
}

/**
 * Refuses with 412 unless the If-Match header (if any) names the current tag. Call it in the policy
 * check, after locking the row and after the visibility check (a caller who may not see the row gets
 * 404, never 412).
 */
export function checkIfMatch(current: string, ifMatch: string | undefined): void {
  const tags = parseIfMatch(ifMatch)
  if (tags === undefined || tags === '*') return
  if (!tags.includes(current.replace(/^W\//, ''))) throw preconditionFailed()
}

export const preconditionFailed = () =>
  new AppError('precondition-failed', {
    en: 'The resource changed since you read it (If-Match does not match its ETag): read it again.',
    fr: 'La ressource a changé depuis votre lecture (If-Match ne correspond pas à son ETag) : relisez-la.',
  })

const malformed = () =>
  new AppError('invalid-header', { en: 'If-Match must be * or a list of entity tags.', fr: 'If-Match doit être * ou une liste d’étiquettes d’entité.' }, { errors: [{ path: '/headers/if-match', message: 'malformed' }] })
