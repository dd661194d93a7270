// #15 item 3: GET /v1/stats/pilot — JSON, CSV and an SVG chart of the same perturbed/suppressed
// figures; HR gets the subset without the Ambassador pool; the facts it reads are written by the
// engagements' triggers, de-identified (accepted with hours to answer, decline reasons, transfers, meetings held).
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import t, { type Test } from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call } from '../../helper.ts'
import { engagement } from '../reports/fixtures.ts'

const month = new Date().toISOString().slice(0, 7)
const Q = `?from=${month}&to=${month}`

t.test('the engagements’ triggers keep what the dashboard needs, de-identified', async (t) => {
  const { app, db } = await build(t)
  const a = await activeAmbassador(app, 'PF01')
  await engagement(app, a, 'PFM1', 'closed')
  const declined = (await call(app, { method: 'POST', url: '/v1/engagements', as: as('PFM2', 'manager'), body: { ambassadorId: a.id, language: 'en', preferredModes: ['phone'], urgency: 'urgent', topics: ['crisis'], aboutMyEmployee: true } })).body.id
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${declined}/decline`, as: a.me, body: { reason: 'capacity' } })).status, 200)
  const facts = await db.selectFrom('engagementFacts').select(['event', 'urgency', 'declineReason', 'hoursToAnswer', 'meetingsHeld', 'transferReason']).orderBy('event').execute()
  t.match(facts.find((f) => f.event === 'accepted'), { hoursToAnswer: 0 })
  t.match(facts.find((f) => f.event === 'declined'), { declineReason: 'capacity', hoursToAnswer: 0, urgency: 'urgent' })
  t.match(facts.find((f) => f.event === 'closed'), { meetingsHeld: 1 })
  const columns = (await sql<{ c: string }>`SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'engagement_facts'`.execute(db)).rows.map((r) => r.c)
  for (const c of columns) t.notMatch(c, /id$|_ref|_at$/, `${c}: nothing that links back`)
})

async function seeded(t: Test) {
  const built = await build(t, { env: { STATS_MIN_CELL: '5' } })
  const { app, db } = built
  for (let i = 0; i < 6; i++) await activeAmbassador(app, `PD0${i}`, i < 2 ? { languages: ['en', 'fr'] } : { languages: ['en'] })
  const period = `${month}-01`
  const rows: string[] = []
  const add = (n: number, v: string) => { for (let i = 0; i < n; i++) rows.push(v) }
  add(40, `('requested', '${period}', 'en', 'routine', 'building_trust', NULL, NULL, NULL, NULL)`)
  add(12, `('accepted', '${period}', 'en', 'routine', 'building_trust', NULL, NULL, 20, NULL)`)
  add(8, `('accepted', '${period}', 'en', 'urgent', 'building_trust', NULL, NULL, 3, NULL)`)
  add(6, `('declined', '${period}', 'en', 'routine', 'building_trust', 'capacity', NULL, 30, NULL)`)
  add(2, `('declined', '${period}', 'en', 'routine', 'building_trust', 'other', NULL, 30, NULL)`)
  add(5, `('expired', '${period}', 'en', 'routine', 'building_trust', NULL, NULL, NULL, NULL)`)
  add(7, `('transfer_required', '${period}', 'en', 'routine', 'goal_setting', NULL, 'outside_competence', NULL, NULL)`)
  add(11, `('closed', '${period}', 'en', 'routine', 'ending', NULL, NULL, NULL, 2)`)
  add(9, `('closed', '${period}', 'en', 'routine', 'ending', NULL, NULL, NULL, 4)`)
  await sql.raw(`INSERT INTO engagement_facts (event, period, language, urgency, stage, decline_reason, transfer_reason, hours_to_answer, meetings_held) VALUES ${rows.join(', ')}`).execute(db)
  await sql`UPDATE engagement_facts SET outcome = 'goals_met' WHERE event = 'closed'`.execute(db)
  return built
}

t.test('the dashboard: JSON for governance and nmno, the HR subset, CSV, refusals', async (t) => {
  const { app } = await seeded(t)
  const full = await call(app, { url: `/v1/stats/pilot${Q}`, as: GOVERNANCE })
  t.equal(full.status, 200)
  t.equal(full.headers['cache-control'], 'private, no-store')
  const a = full.body
  t.equal(a.audience, 'full')
  const table = (name: string) => a.tables.find((x: any) => x.name === name)
  const fig = (name: string) => a.figures.find((x: any) => x.name === name)
  const active = table('activeByLanguage').total
  t.ok(active.suppressed ? active.count === null : Math.abs(active.count - 6) <= 2 && active.count >= 5, 'six active Ambassadors: within ±2, withheld if that falls under 5')
  t.equal(table('activeByLanguage').cells.find((c: any) => c.key === 'fr').suppressed, true, 'two French speakers: suppressed (perturbed by at most 2, still under 5)')
  t.ok(a.uncovered.topics.includes('crisis'), 'no Ambassador covers crisis')
  t.same(a.uncovered.languages, [], 'both languages covered')
  t.ok(Math.abs(fig('requests').value - 40) <= 2, 'requests within ±2')
  t.equal(fig('acceptanceRate').unit, 'share')
  t.ok(fig('acceptanceRate').value > 0.4 && fig('acceptanceRate').value < 0.8)
  t.ok(Math.abs(fig('medianHoursToFirstAnswer.routine').value - 20) <= 10)
  t.equal(fig('medianHoursToFirstAnswer.urgent').value, 3)
  t.ok(fig('moreThanTwoMeetings').value > 0.3 && fig('moreThanTwoMeetings').value < 0.6)
  t.equal(table('declinesByReason').cells.find((c: any) => c.key === 'other').suppressed, true, 'two declines for other: suppressed')
  t.equal(table('declinesByReason').cells.find((c: any) => c.key === 'capacity').suppressed, true, 'and its complement, or it could be worked out from the total')
  t.ok(table('transfersByReason').cells.find((c: any) => c.key === 'outside_competence').count >= 5)
  t.ok(fig('activeAtCapacity'), 'load')
  t.ok(fig('orientationComplete').value === null || fig('orientationComplete').value === 1)
  for (const x of [...a.tables.flatMap((tb: any) => [...tb.cells, tb.total]), ...a.figures]) {
    if (x.count !== null) t.ok(x.count === 0 || x.count >= 5, 'no published count below the threshold')
  }
  t.same((await call(app, { url: `/v1/stats/pilot${Q}`, as: NMNO })).body, a, 'nmno sees the same; the same question, the same answer')

  const hr = (await call(app, { url: `/v1/stats/pilot${Q}`, as: HR })).body
  t.equal(hr.audience, 'hr')
  t.equal(hr.uncovered, null)
  t.notOk(hr.tables.some((x: any) => x.section === 'pool'), 'no pool for HR')
  t.notOk(hr.figures.some((x: any) => x.section === 'load'), 'no load or training for HR')
  t.same(hr.figures.filter((x: any) => x.section === 'demand'), a.figures.filter((x: any) => x.section === 'demand'), 'the same demand figures')

  const csv = await call(app, { url: `/v1/stats/pilot${Q}`, as: GOVERNANCE, headers: { accept: 'text/csv' } })
  t.match(csv.headers['content-type'], /text\/csv/)
  t.match(csv.raw.body, `demand,requests,figure,count,${fig('requests').count},`)

  for (const who of [ISERVICE, as('M1', 'manager')]) t.equal((await call(app, { url: `/v1/stats/pilot${Q}`, as: who })).status, 403)
  t.equal((await call(app, { url: `/v1/stats/pilot${Q}`, as: GOVERNANCE, headers: { accept: 'image/png' } })).status, 406)
  t.equal((await call(app, { url: '/v1/stats/pilot?from=2026-13', as: GOVERNANCE })).status, 400)
})

/** Every figure the chart must show, as the text it is drawn with. */
function expectedTexts(a: any, suppressedWord: string) {
  const texts: string[] = []
  for (const tb of a.tables) for (const c of [...tb.cells, tb.total]) texts.push(c.suppressed ? suppressedWord : String(c.count))
  for (const f of a.figures) {
    if (f.suppressed || f.value === null) texts.push(suppressedWord)
    else if (f.unit === 'share') texts.push(`${String(Math.round(f.value * 1000) / 10)} %`)
    else if (f.unit === 'hours') texts.push(`${f.value} h`)
    else texts.push(String(f.value))
  }
  return texts
}

t.test('the SVG chart shows the same published figures, in English and French', async (t) => {
  const { app } = await seeded(t)
  const a = (await call(app, { url: `/v1/stats/pilot${Q}`, as: GOVERNANCE })).body
  const en = await call(app, { url: `/v1/stats/pilot${Q}`, as: GOVERNANCE, headers: { accept: 'image/svg+xml' } })
  t.equal(en.status, 200)
  t.match(en.headers['content-type'], /^image\/svg\+xml/)
  const svg = en.raw.body
  t.match(svg, /^<svg /)
  t.match(svg, 'M2M Network pilot dashboard')
  const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1].replace(/&amp;/g, '&'))
  for (const x of expectedTexts(a, 'suppressed')) t.ok(texts.includes(x), `shows ${x}`)
  const fr = await call(app, { url: `/v1/stats/pilot${Q}`, as: GOVERNANCE, headers: { accept: 'image/svg+xml', 'accept-language': 'fr' } })
  t.match(fr.raw.body, 'Tableau de bord du projet pilote')
  t.match(fr.raw.body, 'supprimé')
  t.equal(fr.headers['content-language'], 'fr')
  const eng = await call(app, { url: `/v1/stats/engagements?measure=closures&groupBy=outcome&from=${month}&to=${month}`, as: HR, headers: { accept: 'image/svg+xml' } })
  t.equal(eng.status, 200)
  t.match(eng.raw.body, 'M2M Network statistics')
})

// Chromium, headless: the chart renders in a browser and the texts it lays out are the published figures.
const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find((c) => spawnSync('which', [c]).status === 0)
t.test('the chart renders in headless Chromium with the same (suppressed, perturbed) figures', { skip: chromium ? false : 'Chromium is not installed (apt-get install -y chromium)' }, async (t) => {
  const { app } = await seeded(t)
  const a = (await call(app, { url: `/v1/stats/pilot${Q}`, as: HR })).body
  const svg = (await call(app, { url: `/v1/stats/pilot${Q}`, as: HR, headers: { accept: 'image/svg+xml', 'accept-language': 'fr' } })).raw.body
  const dir = mkdtempSync(join(tmpdir(), 'm2m-chart-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // The page lays the SVG out, then lists every text element the browser actually drew (non-empty box).
  writeFileSync(join(dir, 'chart.html'), `<!doctype html><html><body>${svg}<pre id="out"></pre><script>
    const drawn = [...document.querySelectorAll('svg text')].filter((e) => { const b = e.getBBox(); return b.width > 0 && b.height > 0 }).map((e) => e.textContent)
    const box = document.querySelector('svg').getBoundingClientRect()
    document.getElementById('out').textContent = JSON.stringify({ drawn, width: box.width, height: box.height })
  </script></body></html>`)
  const dom = execFileSync(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', `file://${join(dir, 'chart.html')}`], { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'ignore'] })
  const out = JSON.parse(dom.match(/<pre id="out">([^<]*)<\/pre>/)![1].replace(/&quot;/g, '"').replace(/&amp;/g, '&'))
  t.ok(out.width > 100 && out.height > 100, `laid out (${out.width}×${out.height})`)
  const drawn: string[] = out.drawn
  t.ok(drawn.some((x) => x.startsWith('Tableau de bord')), 'the French title is drawn')
  for (const x of expectedTexts(a, 'supprimé').map((s) => s.replace('.', ','))) t.ok(drawn.includes(x), `drawn: ${x}`)
  t.notOk(drawn.some((x) => /Ambassadeurs actifs/.test(x)), 'HR: no pool panel')
})
