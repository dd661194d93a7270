// Accept-Language → 'en' | 'fr'. A malformed header is refused (400); a well-formed one naming
// neither official language falls back to English.
export type Lang = 'en' | 'fr'

const RANGE = /^(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)$/
const QVALUE = /^q=(0(\.\d{0,3})?|1(\.0{0,3})?)$/i

/** Returns the language to answer in, or undefined when the header is malformed. */
export function negotiateLanguage(header: string | undefined): Lang | undefined {
  if (header === undefined || header.trim() === '') return 'en'
  if (header.length > 512) return undefined
  const prefs: { lang: string; q: number; i: number }[] = []
  const parts = header.split(',')
  for (let i = 0; i < parts.length; i++) {
    const [range, ...params] = parts[i].split(';').map((s) => s.trim())
    if (!range || !RANGE.test(range)) return undefined
    let q = 1
    for (const p of params) {
      if (!QVALUE.test(p)) return undefined
      q = Number(p.slice(2))
    }
    prefs.push({ lang: range.toLowerCase(), q, i })
  }
  prefs.sort((a, b) => b.q - a.q || a.i - b.i)
  for (const p of prefs) {
    if (p.q === 0) continue
    const primary = p.lang.split('-')[0]
    if (primary === 'fr' || primary === 'en') return primary
  }
  return 'en'
}
