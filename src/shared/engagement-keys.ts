// Per-engagement data keys (see crypto.ts): created on first use, read back wrapped, and deleted
// with the engagement (ON DELETE CASCADE), which is what makes a purge final for every copy of
// its sealed fields (RET-1, crypto-shredding).
import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import type { Trx } from '../db/tx.ts'
import { isSealed, newDataKey, open, seal, unwrapDataKey } from './crypto.ts'

/** The engagement's data key, created if it has none yet (race-free: one key per engagement). */
export async function engagementKey(trx: Trx, engagementId: string): Promise<Buffer> {
  const existing = await readKey(trx, engagementId)
  if (existing) return existing
  const { wrapped } = newDataKey()
  await sql`INSERT INTO engagement_keys (engagement_id, wrapped_key) VALUES (${engagementId}, ${wrapped}) ON CONFLICT (engagement_id) DO NOTHING`.execute(trx)
  const key = await readKey(trx, engagementId)
  if (!key) throw new Error('engagement-keys: the key could not be created')
  return key
}

/** The engagement's data key if it has one (none: nothing of it was ever sealed, or it was purged). */
export async function readKey(db: Db | Trx, engagementId: string): Promise<Buffer | undefined> {
  // Rows come back camelCased (the database's CamelCasePlugin).
  const r = await sql<{ wrappedKey: string }>`SELECT wrapped_key FROM engagement_keys WHERE engagement_id = ${engagementId}`.execute(db)
  return r.rows[0] ? unwrapDataKey(r.rows[0].wrappedKey) : undefined
}

/** Several engagements' keys at once (lists). */
export async function readKeys(db: Db | Trx, engagementIds: readonly string[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>()
  if (engagementIds.length === 0) return out
  const r = await sql<{ engagementId: string; wrappedKey: string }>`
    SELECT engagement_id, wrapped_key FROM engagement_keys WHERE engagement_id = ANY (${[...new Set(engagementIds)]}::uuid[])`.execute(db)
  for (const row of r.rows) out.set(row.engagementId, unwrapDataKey(row.wrappedKey))
  return out
}

/**
 * The key of an engagement row read together with its wrapped key (lockEngagement reads it in the
 * same statement as the lock, so a sealed write costs no extra round trip); created if it has none
 * (an engagement from before #11).
 */
export async function keyOf(trx: Trx, e: { id: string; wrappedKey?: string | null }): Promise<Buffer> {
  return e.wrappedKey ? unwrapDataKey(e.wrappedKey) : engagementKey(trx, e.id)
}

/** A new engagement's key, wrapped, to be inserted with the engagement itself. */
export const wrappedKeyForNewEngagement = (): string => newDataKey().wrapped

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/** The row with `fields` sealed under the key, each bound to its column (`table.column`). */
export function sealFields<T extends Record<string, unknown>>(key: Buffer, table: string, row: T, fields: readonly (keyof T & string)[]): T {
  const out = { ...row } as Record<string, unknown>
  for (const f of fields) {
    const v = out[f]
    if (typeof v === 'string') out[f] = seal(key, `${table}.${snake(f)}`, v)
  }
  return out as T
}

/**
 * The row with `fields` opened (values stored before #11 read back as they are). A sealed value
 * without its key cannot happen (the key goes only with the engagement and its rows): it throws.
 */
export function openFields<T extends object>(key: Buffer | undefined, table: string, row: T, fields: readonly (keyof T & string)[]): T {
  const out = { ...row } as Record<string, unknown>
  for (const f of fields) {
    const v = out[f]
    if (typeof v !== 'string' || !isSealed(v)) continue
    if (!key) throw new Error(`engagement-keys: ${table}.${snake(f)} is sealed and its key is gone`)
    out[f] = open(key, `${table}.${snake(f)}`, v)
  }
  return out as T
}
