// AUD-1 (#11, finding 1): a manager's audit pseudonym is scoped to one engagement, and an event
// outside any engagement carries a pseudonym that matches nothing else. Attacked as nmno would:
// group a manager's engagements by pseudonym, or resolve a pseudonym to an employee through an
// event whose resource nmno can read with its declarer or applicant (a declaration, an application).
import t from 'tap'
import { NMNO, activeAmbassador, as, build, call } from '../../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['phone'], urgency: 'routine', topics: ['crisis'], aboutMyEmployee: true }
const past = new Date(Date.now() - 3600_000).toISOString()

/** Every audit event nmno can read, all pages. */
async function allEvents(app: any): Promise<any[]> {
  const out: any[] = []
  let cursor: string | null = null
  do {
    const r: any = await call(app, { url: `/v1/audit/events?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, as: NMNO })
    if (r.status !== 200) throw new Error(`audit events: ${r.status} ${JSON.stringify(r.body)}`)
    out.push(...r.body.items)
    cursor = r.body.nextCursor
  } while (cursor)
  return out
}

t.test('AUD-1 a manager’s pseudonyms neither link their engagements nor resolve to them', async (t) => {
  const { app } = await build(t)
  const a = await activeAmbassador(app, 'PA01')
  const b = await activeAmbassador(app, 'PA02')
  const c = await activeAmbassador(app, 'PA03')
  const m = as('PM01', 'manager')

  // Two engagements of the same manager, each with a manager write and a manager read.
  const engagements: string[] = []
  for (const amb of [a, b]) {
    const e = await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST } })
    t.equal(e.status, 201)
    engagements.push(e.body.id)
    t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${e.body.id}/accept`, as: amb.me, body: {} })).status, 200)
    t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${e.body.id}/meetings`, as: m, body: { scheduledAt: past, durationMinutes: 30, mode: 'phone' } })).status, 201)
    t.equal((await call(app, { url: `/v1/engagements/${e.body.id}`, as: m })).status, 200)
  }
  const [e1, e2] = engagements as [string, string]

  // The same manager declares a conflict about a third Ambassador (nmno reads its declarerRef)…
  const decl = await call(app, { method: 'POST', url: '/v1/conflict-declarations', as: m, body: { ambassadorId: c.id, employeeRef: m.sub, kind: 'close_friend' } })
  t.equal(decl.status, 201)
  const declarations = (await call(app, { url: '/v1/conflict-declarations?limit=100', as: NMNO })).body.items
  t.equal(declarations.find((d: any) => d.id === decl.body.id).declarerRef, m.sub, 'nmno reads who declared (COI-1)')
  // …and applies to become an Ambassador (nmno reads the applicant's employeeRef), then activates.
  const own = await activeAmbassador(app, m.sub)
  t.equal((await call(app, { url: `/v1/ambassadors/${own.id}`, as: NMNO })).body.employeeRef, m.sub, 'nmno reads who applied')

  const events = await allEvents(app)
  const managerEvents = events.filter((x) => x.role === 'manager')
  const pseudonymsOf = (engagementId: string) => new Set(managerEvents.filter((x) => x.engagementId === engagementId).map((x) => x.actorRef))
  const p1 = pseudonymsOf(e1)
  const p2 = pseudonymsOf(e2)
  t.equal(p1.size, 1, 'one pseudonym within the first engagement')
  t.equal(p2.size, 1, 'one pseudonym within the second engagement')
  t.not([...p1][0], [...p2][0], 'the two engagements of one manager carry different pseudonyms')
  for (const x of managerEvents) t.match(x.actorRef, /^p-[0-9a-f]{32}$/, 'every manager event carries a pseudonym of one shape')

  const count = (ref: string) => events.filter((x) => x.actorRef === ref).length
  const declEvent = events.find((x) => x.action === 'conflict-declaration.create' && x.resourceId === decl.body.id)
  t.equal(declEvent.role, 'manager')
  t.equal(count(declEvent.actorRef), 1, 'the declaration’s pseudonym (which resolves to its declarer) matches no other event')
  t.notOk(p1.has(declEvent.actorRef) || p2.has(declEvent.actorRef), 'and is none of the manager’s engagement pseudonyms')

  const applicantEvents = events.filter((x) => x.resourceType === 'ambassador' && x.resourceId === own.id && x.role === 'manager')
  t.ok(applicantEvents.some((x) => x.action === 'ambassador.apply'), 'the application is audited under a pseudonym')
  t.ok(applicantEvents.some((x) => x.action === 'ambassador.transition'), 'so is the applicant’s own transition')
  for (const x of applicantEvents) t.equal(count(x.actorRef), 1, `${x.action}: its pseudonym (which resolves to the applicant) matches no other event`)

  // In general: outside an engagement, a manager pseudonym is used once; inside, by one engagement only.
  const engagementsOf = new Map<string, Set<string | null>>()
  for (const x of managerEvents) engagementsOf.set(x.actorRef, (engagementsOf.get(x.actorRef) ?? new Set()).add(x.engagementId))
  for (const [ref, set] of engagementsOf) {
    t.equal(set.size, 1, `${ref} spans one engagement at most`)
    if (set.has(null)) t.equal(count(ref), 1, `${ref} (no engagement) is used once`)
  }
  // No request joins a pseudonym outside an engagement to one inside it.
  const byRequest = new Map<string, Set<string>>()
  for (const x of managerEvents) if (x.requestId) byRequest.set(x.requestId, (byRequest.get(x.requestId) ?? new Set()).add(x.actorRef))
  for (const [req, refs] of byRequest) t.equal(refs.size, 1, `request ${req} carries one manager pseudonym`)

  // AUD-3 still holds: the manager recognises their own actions in each engagement's access log.
  for (const e of [e1, e2]) {
    const log = await call(app, { url: `/v1/engagements/${e}/access-log?limit=100`, as: m })
    t.equal(log.status, 200)
    const mine = log.body.items.filter((x: any) => x.who === 'You').map((x: any) => x.action).sort()
    t.same(mine, ['engagement.create', 'engagement.read', 'meeting.create'], 'You: the request, the meeting, the read')
    t.notOk(log.body.items.some((x: any) => x.who === 'Another manager'), 'no own action shows as another manager')
  }
})
