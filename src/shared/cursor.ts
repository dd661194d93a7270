// Opaque keyset cursors: the last row's sort key, sealed with a server key (AES-256-GCM, see
// crypto.ts). A cursor carries sort keys such as an engagement's request time or a notification's
// creation time, which nmno's lists show only as dates (CONF-2, #11): sealed, a cursor tells its
// holder nothing, and one this API did not issue is refused.
import { AppError } from '../errors/app-error.ts'
import { openServer, sealServer } from './crypto.ts'

const PURPOSE = 'cursor'
const SEALED_PREFIX = 'v1:'

export function encodeCursor(key: readonly (string | number)[]): string {
  return sealServer(PURPOSE, JSON.stringify(key)).slice(SEALED_PREFIX.length)
}

export function decodeCursor(cursor: string, shape: readonly ('string' | 'number' | 'uuid')[]): (string | number)[] {
  let key: unknown
  try {
    key = cursor.length <= 2048 && /^[A-Za-z0-9_-]+$/.test(cursor) ? JSON.parse(openServer(PURPOSE, SEALED_PREFIX + cursor)) : undefined
  } catch {
    key = undefined
  }
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
  const ok = Array.isArray(key) && key.length === shape.length &&
    key.every((v, i) => (shape[i] === 'number' ? Number.isFinite(v) : typeof v === 'string' && v.length <= 256 && (shape[i] !== 'uuid' || UUID.test(v))))
  if (!ok) throw new AppError('invalid-cursor', { en: 'The cursor is not one this API issued.', fr: 'Ce curseur n’a pas été émis par cette API.' })
  return key as (string | number)[]
}
