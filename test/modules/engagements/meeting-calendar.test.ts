// #16 part 3: a meeting as an .ics event (RFC 5545): neutral text, a stable UID, a SEQUENCE raised
// by every change, a cancellation as METHOD:CANCEL / STATUS:CANCELLED; the two participants only.
import { sql } from 'kysely'
import t from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call } from '../../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['phone'], urgency: 'routine', topics: ['crisis', 'return_to_work'], aboutMyEmployee: true }
const inDays = (d: number) => new Date(Date.now() + d * 86400_000)

/** The content lines of an iCalendar text (unfolded), and the properties of its VEVENT. */
function parse(text: string) {
  const lines = text.replace(/\r\n[ \t]/g, '').split('\r\n').filter(Boolean)
  const inEvent = lines.slice(lines.indexOf('BEGIN:VEVENT') + 1, lines.indexOf('END:VEVENT'))
  const prop = (list: string[], name: string) => list.find((l) => l.split(/[:;]/)[0] === name)?.replace(/^[^:]*:/, '')
  return { lines, ev: (name: string) => prop(inEvent, name), cal: (name: string) => prop(lines.slice(0, lines.indexOf('BEGIN:VEVENT')), name) }
}

const icsTime = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')

t.test('the .ics of a meeting: neutral, stable UID, SEQUENCE raised by a reschedule and a cancellation', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'IC01', { displayName: 'Ambassador Zephyrine Quist' })
  const m = as('ICM1', 'manager')
  const e = (await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST } })).body.id
  await call(app, { method: 'POST', url: `/v1/engagements/${e}/accept`, as: amb.me, body: {} })
  const at = inDays(3)
  const meeting = (await call(app, { method: 'POST', url: `/v1/engagements/${e}/meetings`, as: m, body: { scheduledAt: at.toISOString(), durationMinutes: 45, mode: 'video' } })).body
  const url = `/v1/engagements/${e}/meetings/${meeting.id}.ics`

  const first = await call(app, { url, as: m })
  t.equal(first.status, 200)
  t.match(first.headers['content-type'], /^text\/calendar; charset=utf-8/)
  t.equal(first.headers['cache-control'], 'no-store')
  const text = first.raw.body
  const a = parse(text)
  t.equal(a.lines[0], 'BEGIN:VCALENDAR')
  t.equal(a.cal('VERSION'), '2.0')
  t.ok(a.cal('PRODID'), 'PRODID')
  t.equal(a.cal('METHOD'), 'PUBLISH')
  t.equal(a.ev('UID'), `${meeting.id}@m2m`)
  t.equal(a.ev('SUMMARY'), 'M2M conversation')
  t.equal(a.ev('DESCRIPTION'), 'M2M conversation')
  t.equal(a.ev('DTSTART'), icsTime(at).slice(0, 15) + 'Z', 'the start, in UTC')
  t.equal(a.ev('DURATION'), 'PT45M')
  t.equal(a.ev('STATUS'), 'CONFIRMED')
  t.equal(a.ev('CLASS'), 'PRIVATE')
  t.equal(a.ev('SEQUENCE'), String(meeting.version))
  t.ok(a.ev('DTSTAMP'), 'DTSTAMP (required)')
  for (const name of ['LOCATION', 'ORGANIZER', 'ATTENDEE', 'URL', 'CATEGORIES']) t.equal(a.ev(name), undefined, `no ${name}`)
  t.notMatch(text, new RegExp(`Zephyrine|Quist|ICM1|IC01|${amb.id}|${e}|crisis|return|video|phone`, 'i'), 'no name, id, topic or mode')
  t.equal((await call(app, { url, as: amb.me })).raw.body.replace(/DTSTAMP:\S+/, ''), text.replace(/DTSTAMP:\S+/, ''), 'the Ambassador gets the same event')

  // A reschedule: same UID, higher SEQUENCE, the new time.
  const later = inDays(4)
  const moved = await call(app, { method: 'PATCH', url: `/v1/engagements/${e}/meetings/${meeting.id}`, as: amb.me, body: { scheduledAt: later.toISOString() } })
  t.equal(moved.status, 200)
  const b = parse((await call(app, { url, as: m })).raw.body)
  t.equal(b.ev('UID'), a.ev('UID'), 'the UID is stable')
  t.ok(Number(b.ev('SEQUENCE')) > Number(a.ev('SEQUENCE')), `SEQUENCE raised (${a.ev('SEQUENCE')} → ${b.ev('SEQUENCE')})`)
  t.equal(b.ev('DTSTART'), icsTime(later).slice(0, 15) + 'Z')

  // A cancellation: same UID, higher SEQUENCE again, METHOD:CANCEL and STATUS:CANCELLED.
  t.equal((await call(app, { method: 'PATCH', url: `/v1/engagements/${e}/meetings/${meeting.id}`, as: m, body: { cancelled: true } })).status, 200)
  const c = parse((await call(app, { url, as: amb.me })).raw.body)
  t.equal(c.ev('UID'), a.ev('UID'))
  t.ok(Number(c.ev('SEQUENCE')) > Number(b.ev('SEQUENCE')), 'SEQUENCE raised again')
  t.equal(c.cal('METHOD'), 'CANCEL')
  t.equal(c.ev('STATUS'), 'CANCELLED')

  // Accept: text/calendar (or anything) is fine; a client that takes JSON only is told 406.
  t.equal((await call(app, { url, as: m, headers: { accept: 'text/calendar' } })).status, 200)
  t.equal((await call(app, { url, as: m, headers: { accept: '*/*' } })).status, 200)
  t.equal((await call(app, { url, as: m, headers: { accept: 'application/json' } })).status, 406)
  // The JSON route of the meeting is unchanged.
  t.equal((await call(app, { url: `/v1/engagements/${e}/meetings/${meeting.id}`, as: m })).body.id, meeting.id)
  void db
})

t.test('the .ics: both participants only; everyone else 404 (or 403 by role)', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'IC02')
  const other = await activeAmbassador(app, 'IC03')
  const m = as('ICM2', 'manager')
  const e = (await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST } })).body.id
  await call(app, { method: 'POST', url: `/v1/engagements/${e}/accept`, as: amb.me, body: {} })
  const meeting = (await call(app, { method: 'POST', url: `/v1/engagements/${e}/meetings`, as: m, body: { scheduledAt: inDays(2).toISOString(), durationMinutes: 30, mode: 'phone' } })).body.id
  const url = `/v1/engagements/${e}/meetings/${meeting}.ics`
  const expected: [string, any, number][] = [
    ['manager', m, 200], ['Ambassador', amb.me, 200], ['other Ambassador', other.me, 404], ['other manager', as('ICM9', 'manager'), 404],
    ['nmno', NMNO, 403], ['governance', GOVERNANCE, 403], ['hr_analyst', HR, 403], ['iservice', ISERVICE, 403], ['no role', as('ICX1'), 403], ['no token', undefined, 401],
  ]
  for (const [label, who, status] of expected) t.equal((await call(app, { url, as: who })).status, status, label)
  // nmno with the manager role too (a person who is both) is not a participant: 404.
  t.equal((await call(app, { url, as: as('ICN1', 'manager', 'nmno') })).status, 404)
  // Another engagement's meeting under this engagement, an unknown meeting: 404.
  const e2 = (await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: other.id, ...REQUEST } })).body.id
  t.equal((await call(app, { url: `/v1/engagements/${e2}/meetings/${meeting}.ics`, as: m })).status, 404)
  t.equal((await call(app, { url: `/v1/engagements/${e}/meetings/${crypto.randomUUID()}.ics`, as: m })).status, 404)
  t.equal((await call(app, { url: `/v1/engagements/${e}/meetings/not-a-uuid.ics`, as: m })).status, 400)
  // Reads of the participants are audited like the JSON read.
  const reads = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_events WHERE action = 'meeting.read' AND resource_id = ${meeting}`.execute(db)
  t.ok(reads.rows[0].n >= 2, 'audited reads')
})
