// COI-4 revised (#11, finding 2): nmno must not learn who uses the network by bringing in a
// conflict. The attack: nmno declares (Ambassador B, employee X), or imports reporting lines that
// put X under B or B under X, then reads everything it can read. Two worlds, identical to nmno
// beforehand: in one X has an open engagement with B, in the other someone else (Y) has it and X
// has none. After the write, what nmno reads must be the same in both. The conflict still blocks
// new pairings (COI-3); the engagement moves only when B, privately told by a task, acts.
import t, { type Test } from 'tap'
import { NMNO, activeAmbassador, as, build, call } from '../../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['phone'], urgency: 'routine', topics: ['crisis'], aboutMyEmployee: true }
const X = 'QX01'
const Y = 'QY01'
const B = 'QB01'

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi
const INSTANT = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/g
/** What differs between the worlds by construction only: ids, instants, pseudonyms, request ids. */
const normalise = (v: unknown) => JSON.stringify(v ?? null).replace(UUID, '<id>').replace(INSTANT, '<at>').replace(/p-[0-9a-f]{32}/g, '<p>')

async function auditIds(app: any): Promise<Set<string>> {
  const ids = new Set<string>()
  let cursor: string | null = null
  do {
    const r: any = await call(app, { url: `/v1/audit/events?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, as: NMNO })
    for (const e of r.body.items) ids.add(e.id)
    cursor = r.body.nextCursor
  } while (cursor)
  return ids
}

/** One world: Ambassador B with one accepted engagement, requested by `who` (X or Y). */
async function world(t: Test, who: string) {
  const { app, db } = await build(t)
  const b = await activeAmbassador(app, B)
  const e = await call(app, { method: 'POST', url: '/v1/engagements', as: as(who, 'manager'), body: { ambassadorId: b.id, ...REQUEST } })
  t.equal(e.status, 201)
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${e.body.id}/accept`, as: b.me, body: {} })).status, 200)
  return { app, db, b, engagementId: e.body.id as string }
}

type Write = (app: any, b: { id: string }) => Promise<{ status: number; body: unknown }>

/** Everything nmno can read after its write, normalised. */
async function whatNmnoSees(app: any, b: { id: string }, write: Write) {
  const before = await auditIds(app)
  // Timing: the write reads no engagement at all (conflict-declarations/service.ts, org/service.ts),
  // so its cost is the same in both worlds by construction; wall-clock time is too noisy to assert.
  const answer = await write(app, b)
  const events: any[] = []
  let cursor: string | null = null
  do {
    const r: any = await call(app, { url: `/v1/audit/events?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, as: NMNO })
    events.push(...r.body.items.filter((e: any) => !before.has(e.id)))
    cursor = r.body.nextCursor
  } while (cursor)
  const seen: Record<string, string> = {
    answer: normalise([answer.status, answer.body]),
    auditAfterWrite: normalise(events.map(({ at: _a, requestId: _r, chainId: _c, seq: _s, ...e }) => e).map((e) => normalise(e)).sort()),
  }
  for (const url of [
    '/v1/notifications?limit=100', '/v1/notifications?kind=transfer_required&limit=100',
    '/v1/engagements?limit=100', '/v1/engagements?transferRequired=true&limit=100', '/v1/engagements?transferRequired=false&limit=100',
    '/v1/engagements?status=transfer_required&limit=100', '/v1/engagements?status=accepted&limit=100',
    `/v1/ambassadors/${b.id}`, '/v1/ambassadors?limit=100', '/v1/audit/verify',
  ]) {
    const r = await call(app, { url, as: NMNO })
    // The chain heads' hashes differ by construction (ids, instants); the count of events must not.
    seen[url.replace(b.id, '{B}')] = normalise([r.status, url === '/v1/audit/verify' ? { ok: r.body.ok, events: r.body.events } : r.body])
  }
  return { seen }
}

const attacks: [string, (x: string) => Write][] = [
  ['an nmno declaration (B, X)', (x) => (app, b) => call(app, { method: 'POST', url: '/v1/conflict-declarations', as: NMNO, body: { ambassadorId: b.id, employeeRef: x, kind: 'family' } })],
  ['a reporting-lines import putting X under B', (x) => (app) => call(app, { method: 'PUT', url: '/v1/org/reporting-lines', as: NMNO, body: { items: [{ employeeRef: x, supervisorRef: 'QS01', orgUnit: 'Ops' }, { employeeRef: 'QS01', supervisorRef: B, orgUnit: 'Ops' }] } })],
  ['a reporting-lines import putting B under X', (x) => (app) => call(app, { method: 'PUT', url: '/v1/org/reporting-lines', as: NMNO, body: { items: [{ employeeRef: B, supervisorRef: x, orgUnit: 'Ops' }] } })],
]

for (const [name, attack] of attacks) {
  t.test(`COI-4 ${name}: what nmno reads afterwards does not depend on whether X has an engagement with B`, async (t) => {
    const withX = await world(t, X)
    const withoutX = await world(t, Y)
    const seenWith = await whatNmnoSees(withX.app, withX.b, attack(X))
    const seenWithout = await whatNmnoSees(withoutX.app, withoutX.b, attack(X))
    t.ok(seenWith.seen.answer.startsWith('[20'), `the write succeeded: ${seenWith.seen.answer}`)
    for (const k of Object.keys(seenWith.seen)) t.equal(seenWith.seen[k], seenWithout.seen[k], `${k}: the same in both worlds`)

    // COI-3 still holds at once: the pair cannot be formed anew.
    const again = await call(withoutX.app, { method: 'POST', url: '/v1/engagements', as: as(X, 'manager'), body: { ambassadorId: withoutX.b.id, ...REQUEST } })
    t.same([again.status, again.body.code], [409, 'conflict-of-interest'], 'a new request of the pair is refused')

    // The engagement did not move; B alone is asked, privately, to review it.
    const mine = await call(withX.app, { url: `/v1/engagements/${withX.engagementId}`, as: as(X, 'manager') })
    t.equal(mine.body.status, 'accepted', 'the engagement did not move by itself')
    const tasks = (await call(withX.app, { url: '/v1/me/tasks', as: withX.b.me })).body.items
    t.same(tasks.filter((k: any) => k.kind === 'conflict_review').map((k: any) => [k.subjectType, k.subjectId, k.data.next]),
      [['engagement', withX.engagementId, 'request_transfer']], 'B has a task to review the engagement')
    t.notOk((await call(withX.app, { url: '/v1/me/tasks', as: as(X, 'manager') })).body.items.some((k: any) => k.kind === 'conflict_review'), 'the manager has none')
    t.notOk((await call(withoutX.app, { url: '/v1/me/tasks', as: withoutX.b.me })).body.items.some((k: any) => k.kind === 'conflict_review'), 'no task without a conflicted engagement')

    // B acts: the manager is told, nmno's inbox stays as it was.
    const tr = await call(withX.app, { method: 'POST', url: `/v1/engagements/${withX.engagementId}/transfer`, as: withX.b.me, body: {} })
    t.equal(tr.status, 200)
    const inbox = (await call(withX.app, { url: '/v1/me/notifications', as: as(X, 'manager') })).body.items
    t.ok(inbox.some((n: any) => n.kind === 'transfer_required' && n.subjectId === withX.engagementId), 'the manager is told')
    t.equal((await call(withX.app, { url: '/v1/engagements/' + withX.engagementId, as: as(X, 'manager') })).body.status, 'transfer_required')
    t.equal((await call(withX.app, { url: '/v1/notifications?kind=transfer_required', as: NMNO })).body.items.length, 0, 'nmno is not notified')
    t.notOk((await call(withX.app, { url: '/v1/me/tasks', as: withX.b.me })).body.items.some((k: any) => k.kind === 'conflict_review'), 'the task is done')
  })
}

t.test('COI-4 a still-requested engagement in conflict: B is asked to decline it, and cannot accept it', async (t) => {
  const { app, b } = await world(t, Y)
  const e = await call(app, { method: 'POST', url: '/v1/engagements', as: as(X, 'manager'), body: { ambassadorId: b.id, ...REQUEST } })
  t.equal((await call(app, { method: 'POST', url: '/v1/conflict-declarations', as: NMNO, body: { ambassadorId: b.id, employeeRef: X, kind: 'other' } })).status, 201)
  const tasks = (await call(app, { url: '/v1/me/tasks', as: b.me })).body.items.filter((k: any) => k.kind === 'conflict_review')
  t.same(tasks.map((k: any) => [k.subjectId, k.data.next]), [[e.body.id, 'decline']])
  const acc = await call(app, { method: 'POST', url: `/v1/engagements/${e.body.id}/accept`, as: b.me, body: {} })
  t.same([acc.status, acc.body.code], [409, 'conflict-of-interest'], 'COI-3 on acceptance')
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${e.body.id}/decline`, as: b.me, body: { reason: 'conflict_of_interest' } })).status, 200)
  t.notOk((await call(app, { url: '/v1/me/tasks', as: b.me })).body.items.some((k: any) => k.kind === 'conflict_review'), 'the task is done')
})

t.test('COI-4 a party declaration moves only its own pair, never an engagement an nmno-brought conflict left to its Ambassador', async (t) => {
  const { app } = await build(t)
  const b = await activeAmbassador(app, B)
  const c = await activeAmbassador(app, 'QC01')
  // B, as a manager, has an engagement with C; nmno's import then puts B under C.
  const e = await call(app, { method: 'POST', url: '/v1/engagements', as: as(B, 'manager'), body: { ambassadorId: c.id, ...REQUEST } })
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${e.body.id}/accept`, as: c.me, body: {} })).status, 200)
  t.equal((await call(app, { method: 'PUT', url: '/v1/org/reporting-lines', as: NMNO, body: { items: [{ employeeRef: B, supervisorRef: 'QC01', orgUnit: 'Ops' }] } })).status, 200)
  // An unrelated manager declares a conflict about Ambassador B.
  t.equal((await call(app, { method: 'POST', url: '/v1/conflict-declarations', as: as('QM09', 'manager'), body: { ambassadorId: b.id, employeeRef: 'QM09', kind: 'other' } })).status, 201)
  t.equal((await call(app, { url: `/v1/engagements/${e.body.id}`, as: as(B, 'manager') })).body.status, 'accepted', 'B’s engagement with C is not that declarer’s to move')
  t.ok((await call(app, { url: '/v1/me/tasks', as: c.me })).body.items.some((k: any) => k.kind === 'conflict_review' && k.subjectId === e.body.id), 'C still has it to review')
})
