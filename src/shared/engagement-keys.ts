// Per-engagement data keys (see crypto.ts): created on first use, read back wrapped, and deleted
// with the engagement (ON DELETE CASCADE), which is what makes a purge final for every copy of
// its sealed fields (RET-1, crypto-shredding).
import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import type { Trx } from '../db/tx.ts'
import { newDataKey, unwrapDataKey } from './crypto.ts'

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
  const r = await sql<{ wrapped_key: string }>`SELECT wrapped_key FROM engagement_keys WHERE engagement_id = ${engagementId}`.execute(db)
  return r.rows[0] ? unwrapDataKey(r.rows[0].wrapped_key) : undefined
}

/** Several engagements' keys at once (lists). */
export async function readKeys(db: Db | Trx, engagementIds: readonly string[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>()
  if (engagementIds.length === 0) return out
  const r = await sql<{ engagement_id: string; wrapped_key: string }>`
    SELECT engagement_id, wrapped_key FROM engagement_keys WHERE engagement_id = ANY (${[...new Set(engagementIds)]}::uuid[])`.execute(db)
  for (const row of r.rows) out.set(row.engagement_id, unwrapDataKey(row.wrapped_key))
  return out
}
