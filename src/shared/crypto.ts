// The service's secrets at work: keyed hashes and field encryption (CONF-5, RET-1).
//
// Two server keys come from the configuration: AUDIT_KEY (the audit trail's pseudonyms) and
// DATA_KEY (everything below). Outside production both may be derived from the JWT secret.
//
// - keyedHash(purpose, …parts): HMAC-SHA256 under a key derived from DATA_KEY for that purpose.
//   Used wherever a stored value must be matched but never recomputed by a database reader (spent
//   survey tokens, evaluation receipts, a token looked up at rest).
// - Field encryption: every engagement has its own data key (table engagement_keys, written by
//   src/shared/engagement-keys.ts), a random AES-256 key stored only wrapped by a key derived from
//   DATA_KEY. Free text and identifying fields of the engagement are sealed with it (AES-256-GCM,
//   a random 96-bit nonce each time, the column name as additional data so a sealed value cannot be
//   moved to another column). Purging the engagement deletes its key: what backups, WAL and dead
//   tuples still hold is ciphertext nobody can open (crypto-shredding).
//
// Keys are installed once per process by useKeys(config) (buildApp and the scripts' frame).
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import { auditKeyOf, dataKeyOf, type Config } from '../config.ts'

interface Keys {
  audit: string
  /** Root of every DATA_KEY-derived key, by purpose. */
  data: Buffer
  derived: Map<string, Buffer>
}

let keys: Keys | undefined

/** Installs the process's keys from the configuration (idempotent for the same configuration). */
export function useKeys(config: Readonly<Config>): void {
  keys = { audit: auditKeyOf(config), data: Buffer.from(dataKeyOf(config), 'utf8'), derived: new Map() }
}

function current(): Keys {
  if (!keys) throw new Error('crypto: keys are not installed (useKeys(config) was not called)')
  return keys
}

/** A 32-byte key derived from DATA_KEY for one purpose (HKDF-SHA256). */
function derivedKey(purpose: string): Buffer {
  const k = current()
  let key = k.derived.get(purpose)
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', k.data, Buffer.alloc(0), `m2m:${purpose}`, 32))
    k.derived.set(purpose, key)
  }
  return key
}

/** The AUDIT_KEY, for the audit trail's pseudonyms (policy/audit.ts). */
export function auditKey(): string {
  return current().audit
}

/** HMAC-SHA256 (hex) of the parts under the DATA_KEY-derived key of `purpose`. */
export function keyedHash(purpose: string, ...parts: string[]): string {
  const h = createHmac('sha256', derivedKey(`hash:${purpose}`))
  for (const p of parts) h.update(String(p.length)).update(':').update(p)
  return h.digest('hex')
}

const VERSION = 'v1'
const IV_BYTES = 12
const TAG_BYTES = 16

function sealWith(key: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(IV_BYTES)
  const c = createCipheriv('aes-256-gcm', key, iv)
  c.setAAD(Buffer.from(aad, 'utf8'))
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()])
  return `${VERSION}:${Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64url')}`
}

function openWith(key: Buffer, sealed: string, aad: string): string {
  if (!sealed.startsWith(`${VERSION}:`)) throw new Error('crypto: not a sealed value')
  const raw = Buffer.from(sealed.slice(VERSION.length + 1), 'base64url')
  if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('crypto: truncated sealed value')
  const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES))
  d.setAAD(Buffer.from(aad, 'utf8'))
  d.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
  return Buffer.concat([d.update(raw.subarray(IV_BYTES + TAG_BYTES)), d.final()]).toString('utf8')
}

/** True when a stored value is a sealed one (anything else was written before encryption). */
export const isSealed = (v: string | null | undefined): boolean => typeof v === 'string' && v.startsWith(`${VERSION}:`)

/** A new random data key, and its wrapped form (the only form ever stored). */
export function newDataKey(): { key: Buffer; wrapped: string } {
  const key = randomBytes(32)
  return { key, wrapped: sealWith(derivedKey('wrap'), key.toString('base64url'), 'data-key') }
}

/** The data key a wrapped value holds; throws if it was not wrapped under this DATA_KEY. */
export function unwrapDataKey(wrapped: string): Buffer {
  return Buffer.from(openWith(derivedKey('wrap'), wrapped, 'data-key'), 'base64url')
}

/** Seals one field's text with a data key; `field` (e.g. 'goals.title') binds it to its column. */
export function seal(key: Buffer, field: string, plaintext: string): string
export function seal(key: Buffer, field: string, plaintext: string | null): string | null
export function seal(key: Buffer, field: string, plaintext: string | null): string | null {
  return plaintext === null ? null : sealWith(key, plaintext, field)
}

/** Opens a sealed field (a value stored before encryption reads back as it is). */
export function open(key: Buffer, field: string, stored: string): string
export function open(key: Buffer, field: string, stored: string | null): string | null
export function open(key: Buffer, field: string, stored: string | null): string | null {
  if (stored === null) return null
  return isSealed(stored) ? openWith(key, stored, field) : stored
}

/** Seals with a DATA_KEY-derived key of its own (data not tied to one engagement). */
export function sealServer(purpose: string, plaintext: string): string {
  return sealWith(derivedKey(`seal:${purpose}`), plaintext, purpose)
}

export function openServer(purpose: string, stored: string): string {
  return isSealed(stored) ? openWith(derivedKey(`seal:${purpose}`), stored, purpose) : stored
}

/** How a stored idempotency answer names an id it mentions (so a purge finds the answers to delete) without holding it. */
export const mentionOf = (id: string) => keyedHash('idempotency-mention', id.toLowerCase())
