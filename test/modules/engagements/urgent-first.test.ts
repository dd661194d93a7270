// CRS-1: urgent requests surface first in the Ambassador's list and nmno's de-identified view,
// across pages too.
import t from 'tap'
import { NMNO, activeAmbassador, as, build, call } from '../../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['phone'], topics: ['crisis'], aboutMyEmployee: true }

t.test('CRS-1 urgent requests come first, then the newest', async (t) => {
  const { app } = await build(t)
  const amb = await activeAmbassador(app, 'U001', { capacity: 5 })
  const ids: Record<string, string> = {}
  // Oldest first: an urgent request, then two routine ones, then an urgent one already accepted.
  for (const [name, urgency] of [['urgentOld', 'urgent'], ['routine1', 'routine'], ['routine2', 'routine'], ['urgentAccepted', 'urgent']] as const) {
    const r = await call(app, { method: 'POST', url: '/v1/engagements', as: as(`UM-${name}`, 'manager'), body: { ambassadorId: amb.id, urgency, ...REQUEST } })
    t.equal(r.status, 201)
    ids[r.body.id] = name
  }
  const accepted = Object.keys(ids).find((id) => ids[id] === 'urgentAccepted')!
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${accepted}/accept`, as: amb.me, body: {} })).status, 200)
  const expected = ['urgentOld', 'urgentAccepted', 'routine2', 'routine1']

  for (const [who, url] of [['the Ambassador', '/v1/engagements?as=ambassador'], ['nmno', '/v1/engagements']] as const) {
    const p = who === 'nmno' ? NMNO : amb.me
    const all = await call(app, { url, as: p })
    t.same(all.body.items.map((e: any) => ids[e.id]), expected, `${who}: the waiting urgent request first, then newest`)
    const paged: string[] = []
    let cursor: string | null = null
    do {
      const r: any = await call(app, { url: `${url}${url.includes('?') ? '&' : '?'}limit=1${cursor ? `&cursor=${cursor}` : ''}`, as: p })
      t.equal(r.status, 200)
      paged.push(...r.body.items.map((e: any) => ids[e.id]))
      cursor = r.body.nextCursor
    } while (cursor)
    t.same(paged, expected, `${who}: the same order page by page`)
  }
  t.equal((await call(app, { url: '/v1/engagements?cursor=WyJ4Il0', as: NMNO })).status, 400, 'a foreign cursor is refused')
})
