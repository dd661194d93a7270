// AMB-7: the directory — active and in term only, public fields only, filters, keyset pages,
// ETag/304, French and English.
import { sql } from 'kysely'
import t from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call } from '../../helper.ts'

const PUBLIC_KEYS = ['available', 'bio', 'bioLanguage', 'displayName', 'id', 'languages', 'modes', 'topics']
const READER = as('D900', 'manager')

t.test('directory', async (t) => {
  const { app, db } = await build(t)
  const a = await activeAmbassador(app, 'D001', { displayName: 'Alice Bouchard', languages: ['fr'], modes: ['video'], topics: ['crisis'] })
  const b = await activeAmbassador(app, 'D002', { displayName: 'Bob Singh', languages: ['en'], modes: ['phone'], topics: ['return_to_work'] })
  const candidate = await call(app, { method: 'POST', url: '/v1/ambassadors', as: as('D003', 'manager'), body: { displayName: 'Carl Candidate' } })

  t.test('lists only active, in-term Ambassadors with public fields only', async (t) => {
    const res = await call(app, { url: '/v1/ambassadors', as: READER })
    t.equal(res.status, 200)
    t.same(res.body.items.map((i: any) => i.displayName), ['Alice Bouchard', 'Bob Singh'])
    for (const item of res.body.items) t.same(Object.keys(item).sort(), PUBLIC_KEYS, 'no employeeRef, status, capacity or competencies')
    t.equal(res.body.nextCursor, null)
    t.notOk(JSON.stringify(res.body).includes('D001'), 'no employee ids leak')
    t.notOk(res.body.items.some((i: any) => i.id === candidate.body.id))
    t.match(res.headers['cache-control'], /no-cache/)
  })

  t.test('who may read it', async (t) => {
    for (const who of [READER, NMNO, GOVERNANCE, ISERVICE]) {
      t.equal((await call(app, { url: '/v1/ambassadors', as: who })).status, 200, `${who.roles[0]} reads the directory`)
    }
    const hr = await call(app, { url: '/v1/ambassadors', as: HR })
    t.equal(hr.status, 403)
    t.equal(hr.body.code, 'forbidden')
    t.equal((await call(app, { url: '/v1/ambassadors', as: as('X1') })).status, 403, 'no role, no directory')
    t.equal((await call(app, { url: '/v1/ambassadors' })).status, 401)
  })

  t.test('filters: language, mode, topic, available, eligibleForMe', async (t) => {
    const names = async (qs: string, who = READER) => (await call(app, { url: `/v1/ambassadors?${qs}`, as: who })).body.items.map((i: any) => i.displayName)
    t.same(await names('language=fr'), ['Alice Bouchard'])
    t.same(await names('mode=phone'), ['Bob Singh'])
    t.same(await names('topic=crisis'), ['Alice Bouchard'])
    t.same(await names('topic=grief_and_loss'), [])
    await sql`UPDATE ambassadors SET open_engagements = capacity WHERE id = ${b.id}`.execute(db)
    t.same(await names('available=true'), ['Alice Bouchard'])
    const all = (await call(app, { url: '/v1/ambassadors', as: READER })).body.items
    t.same(all.map((i: any) => i.available), [true, false])
    await sql`UPDATE ambassadors SET open_engagements = 0 WHERE id = ${b.id}`.execute(db)
    t.same(await names('eligibleForMe=true', a.me), ['Bob Singh'], 'the caller is not offered themself')
    t.same(await names('eligibleForMe=false', a.me), ['Alice Bouchard', 'Bob Singh'])
  })

  t.test('bad query input is a 400 problem', async (t) => {
    for (const qs of ['language=de', 'mode=fax', 'topic=x', 'limit=0', 'limit=101', 'limit=abc', 'available=maybe', 'region=east', 'cursor=%%%']) {
      const res = await call(app, { url: `/v1/ambassadors?${qs}`, as: READER })
      t.equal(res.status, 400, qs)
      t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    }
    const forged = Buffer.from(JSON.stringify(['x'])).toString('base64url')
    const res = await call(app, { url: `/v1/ambassadors?cursor=${forged}`, as: READER })
    t.equal(res.status, 400)
    t.equal(res.body.code, 'invalid-cursor')
  })

  t.test('localized to Accept-Language, falling back to the other language', async (t) => {
    const fr = await call(app, { url: '/v1/ambassadors', as: READER, headers: { 'accept-language': 'fr-CA,fr;q=0.9' } })
    t.equal(fr.body.items[0].bioLanguage, 'fr')
    t.match(fr.body.items[0].bio, /Vingt ans/)
    t.equal(fr.headers['content-language'], 'fr')
    const en = await call(app, { url: '/v1/ambassadors', as: READER, headers: { 'accept-language': 'en' } })
    t.equal(en.body.items[0].bioLanguage, 'en')
    t.match(en.body.items[0].bio, /Twenty years/)
    await sql`UPDATE ambassadors SET bio_fr = NULL WHERE id = ${a.id}`.execute(db)
    const fallback = await call(app, { url: '/v1/ambassadors?language=fr', as: READER, headers: { 'accept-language': 'fr' } })
    t.equal(fallback.body.items[0].bioLanguage, 'en')
    t.match(fallback.body.items[0].bio, /Twenty years/)
  })

  t.test('ETag and If-None-Match: 304 until something changes', async (t) => {
    const first = await call(app, { url: '/v1/ambassadors', as: READER })
    const etag = first.headers.etag as string
    t.ok(etag)
    const again = await call(app, { url: '/v1/ambassadors', as: READER, headers: { 'if-none-match': etag } })
    t.equal(again.status, 304)
    t.equal(again.raw.body, '')
    const fr = await call(app, { url: '/v1/ambassadors', as: READER, headers: { 'if-none-match': etag, 'accept-language': 'fr' } })
    t.equal(fr.status, 200, 'the French listing is another representation')
    const filtered = await call(app, { url: '/v1/ambassadors?mode=phone', as: READER, headers: { 'if-none-match': etag } })
    t.equal(filtered.status, 200, 'another query is another representation')
    await call(app, { method: 'PATCH', url: `/v1/ambassadors/${b.id}`, as: b.me, body: { topics: ['team_impact'] } })
    const changed = await call(app, { url: '/v1/ambassadors', as: READER, headers: { 'if-none-match': etag } })
    t.equal(changed.status, 200, 'an edit changes the ETag')
    t.not(changed.headers.etag, etag)
    const etag2 = changed.headers.etag as string
    await sql`UPDATE ambassadors SET term_end = now() - interval '1 second' WHERE id = ${b.id}`.execute(db)
    const expired = await call(app, { url: '/v1/ambassadors', as: READER, headers: { 'if-none-match': etag2 } })
    t.equal(expired.status, 200, 'a term running out changes the ETag')
    t.same(expired.body.items.map((i: any) => i.displayName), ['Alice Bouchard'])
    await sql`UPDATE ambassadors SET term_end = now() + interval '1 year' WHERE id = ${b.id}`.execute(db)
  })

  t.test('nmno lists any state with status=, others may not', async (t) => {
    const res = await call(app, { url: '/v1/ambassadors?status=applicant', as: NMNO })
    t.equal(res.status, 200)
    t.same(res.body.items.map((i: any) => [i.displayName, i.status, i.employeeRef]), [['Carl Candidate', 'applicant', 'D003']])
    const active = await call(app, { url: '/v1/ambassadors?status=active', as: NMNO })
    t.same(active.body.items.map((i: any) => i.displayName), ['Alice Bouchard', 'Bob Singh'])
    t.equal(active.body.items[0].capacity, 3)
    const manager = await call(app, { url: '/v1/ambassadors?status=applicant', as: READER })
    t.equal(manager.status, 403)
    const bad = await call(app, { url: '/v1/ambassadors?status=sleeping', as: NMNO })
    t.equal(bad.status, 400)
  })

  t.test('one Ambassador: public view, own record, staff record, 404 for the rest', async (t) => {
    const pub = await call(app, { url: `/v1/ambassadors/${a.id}`, as: READER })
    t.equal(pub.status, 200)
    t.equal(pub.body.view, 'public')
    t.same(Object.keys(pub.body).sort(), [...PUBLIC_KEYS, 'view'].sort())
    t.equal((await call(app, { url: `/v1/ambassadors/${a.id}`, as: ISERVICE })).body.view, 'public')
    for (const who of [a.me, NMNO, GOVERNANCE]) {
      const rec = await call(app, { url: `/v1/ambassadors/${a.id}`, as: who })
      t.equal(rec.body.view, 'record', `${who.sub} sees the record`)
      t.equal(rec.body.employeeRef, 'D001')
      t.equal(rec.headers['cache-control'], 'no-store')
    }
    const candidateView = await call(app, { url: `/v1/ambassadors/${candidate.body.id}`, as: READER })
    t.equal(candidateView.status, 404, 'a candidate is invisible to other managers')
    t.equal(candidateView.body.code, 'not-found')
    t.equal((await call(app, { url: `/v1/ambassadors/${candidate.body.id}`, as: ISERVICE })).status, 404)
    t.equal((await call(app, { url: `/v1/ambassadors/${candidate.body.id}`, as: as('D003', 'manager') })).body.view, 'record')
    t.equal((await call(app, { url: `/v1/ambassadors/${a.id}`, as: HR })).status, 403)
    t.equal((await call(app, { url: '/v1/ambassadors/00000000-0000-4000-8000-000000000000', as: READER })).status, 404)
    const badId = await call(app, { url: '/v1/ambassadors/not-a-uuid', as: READER })
    t.equal(badId.status, 400)
    t.equal(badId.body.code, 'validation-failed')
  })
})

t.test('keyset pagination walks every Ambassador exactly once', async (t) => {
  const { app, db } = await build(t)
  await sql`INSERT INTO ambassadors (employee_ref, display_name, bio_en, bio_fr, languages, modes, status, term_start, term_end)
    SELECT 'P' || g, 'Ambassador ' || lpad(g::text, 3, '0'), 'bio', 'bio', ARRAY['en'], ARRAY['phone'], 'active', now(), now() + interval '2 years'
    FROM generate_series(1, 45) g`.execute(db)
  // Two with the same display name: the id breaks the tie.
  await sql`INSERT INTO ambassadors (employee_ref, display_name, bio_en, bio_fr, languages, modes, status, term_start, term_end)
    SELECT 'Q' || g, 'Ambassador 010', 'bio', 'bio', ARRAY['en'], ARRAY['phone'], 'active', now(), now() + interval '2 years'
    FROM generate_series(1, 2) g`.execute(db)
  const seen: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const res = await call(app, { url: `/v1/ambassadors?limit=10${cursor ? `&cursor=${cursor}` : ''}`, as: READER })
    t.equal(res.status, 200)
    t.ok(res.body.items.length <= 10)
    seen.push(...res.body.items.map((i: any) => i.id))
    cursor = res.body.nextCursor
    pages++
  } while (cursor && pages < 20)
  t.equal(pages, 5)
  t.equal(seen.length, 47)
  t.equal(new Set(seen).size, 47, 'no duplicates across pages')
  const def = await call(app, { url: '/v1/ambassadors', as: READER })
  t.equal(def.body.items.length, 20, 'default page size is 20')
})
