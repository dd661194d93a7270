// Opaque keyset cursors: base64url(JSON of the last row's sort key).
import { AppError } from '../errors/app-error.ts'

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url')
}

export function decodeCursor(cursor: string, shape: readonly ('string' | 'number' | 'uuid')[]): (string | number)[] {
  let key: unknown
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    key = undefined
  }
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
  const ok = Array.isArray(key) && key.length === shape.length &&
    key.every((v, i) => (shape[i] === 'number' ? Number.isFinite(v) : typeof v === 'string' && v.length <= 256 && (shape[i] !== 'uuid' || UUID.test(v))))
  if (!ok) throw new AppError('invalid-cursor', { en: 'The cursor is not one this API issued.', fr: 'Ce curseur n’a pas été émis par cette API.' })
  return key as (string | number)[]
}
