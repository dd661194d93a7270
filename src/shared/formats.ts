// JSON Schema formats `date` and `date-time`, bounded to the years 0001..9999: ajv-formats accepts
// 0000-01-01 (which PostgreSQL refuses, and which no calendar of ours means), and an offset can
// carry 9999-12-31T23:00:00-05:00 into the year 10000. A date outside is a 400, never a 500.
import { fullFormats } from 'ajv-formats/dist/formats.js'

const MIN_INSTANT = Date.parse('0001-01-01T00:00:00Z')
const MAX_INSTANT = Date.parse('9999-12-31T23:59:59.999Z')

const yearOk = (s: string) => /^\d{4}-/.test(s) && s.slice(0, 4) !== '0000'

const baseDate = fullFormats.date as { validate: (s: string) => boolean; compare?: (a: string, b: string) => number | undefined }
const baseDateTime = fullFormats['date-time'] as { validate: (s: string) => boolean; compare?: (a: string, b: string) => number | undefined }

export const boundedDate = {
  type: 'string' as const,
  validate: (s: string) => yearOk(s) && baseDate.validate(s),
  ...(baseDate.compare ? { compare: baseDate.compare } : {}),
}

export const boundedDateTime = {
  type: 'string' as const,
  validate: (s: string) => {
    if (!yearOk(s) || !baseDateTime.validate(s)) return false
    const t = Date.parse(s)
    return Number.isFinite(t) && t >= MIN_INSTANT && t <= MAX_INSTANT
  },
  ...(baseDateTime.compare ? { compare: baseDateTime.compare } : {}),
}
