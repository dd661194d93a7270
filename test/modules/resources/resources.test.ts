// ENG-7, §3.10: the resource catalogue — seeded with the named programs, bilingual, read by every
// principal in their language, curated by nmno.
import t from 'tap'
import { as, build, call, GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador } from '../../helper.ts'

const URL = '/v1/resources'
const SEEDED = ['disability_management', 'eap', 'external_resources', 'human_resources', 'informal_conflict_management',
  'learning', 'peer_support_program', 'tools_and_guides', 'union_representative', 'values_and_ethics']
const NEW = {
  slug: 'crisis_line', kind: 'external_resource',
  name: { en: 'Crisis line', fr: 'Ligne d’écoute de crise' },
  description: { en: 'Someone to talk to, day or night.', fr: 'Quelqu’un à qui parler, jour et nuit.' },
  url: 'https://example.org/crisis',
}

t.test('every principal reads the seeded catalogue, in their language, with both translations', async (t) => {
  const { app } = await build(t)
  const amb = await activeAmbassador(app, 'E100')
  for (const who of [as('E1', 'manager'), amb.me, NMNO, GOVERNANCE, HR, ISERVICE]) {
    const res = await call(app, { url: `${URL}?limit=100`, as: who })
    t.equal(res.status, 200, who.roles.join())
    t.same(res.body.items.map((r: any) => r.slug), SEEDED)
  }
  const en = await call(app, { url: `${URL}?limit=100`, as: ISERVICE })
  const fr = await call(app, { url: `${URL}?limit=100`, as: ISERVICE, headers: { 'accept-language': 'fr-CA,fr;q=0.9' } })
  t.equal(fr.headers['content-language'], 'fr')
  const eapEn = en.body.items.find((r: any) => r.slug === 'eap')
  const eapFr = fr.body.items.find((r: any) => r.slug === 'eap')
  t.match(eapEn, { kind: 'advisory_service', name: 'Employee Assistance Program (EAP)' })
  t.equal(eapFr.name, 'Programme d’aide aux employés (PAE)')
  t.same(eapFr.translations, eapEn.translations)
  for (const r of fr.body.items) {
    t.ok(r.translations.en.name && r.translations.fr.name && r.translations.en.description && r.translations.fr.description, r.slug)
    t.not(r.translations.en.description, r.translations.fr.description, `${r.slug} is translated`)
  }
  const kinds = Object.fromEntries(en.body.items.map((r: any) => [r.slug, r.kind]))
  t.same([kinds.learning, kinds.tools_and_guides, kinds.external_resources, kinds.peer_support_program], ['learning', 'tools_and_guides', 'external_resource', 'advisory_service'])
  t.equal((await call(app, { url: URL })).status, 401)
  t.equal((await call(app, { url: URL, as: as('E2') })).status, 403, 'no role, no catalogue')
})

t.test('filters and pagination', async (t) => {
  const { app } = await build(t)
  const learning = await call(app, { url: `${URL}?kind=learning`, as: ISERVICE })
  t.same(learning.body.items.map((r: any) => r.slug), ['learning'])
  const p1 = await call(app, { url: `${URL}?limit=4`, as: ISERVICE })
  const p2 = await call(app, { url: `${URL}?limit=4&cursor=${p1.body.nextCursor}`, as: ISERVICE })
  const p3 = await call(app, { url: `${URL}?limit=4&cursor=${p2.body.nextCursor}`, as: ISERVICE })
  t.same([...p1.body.items, ...p2.body.items, ...p3.body.items].map((r: any) => r.slug), SEEDED)
  t.equal(p3.body.nextCursor, null)
  for (const q of ['kind=therapy', 'limit=0', 'cursor=%%%', 'unknown=1']) {
    const res = await call(app, { url: `${URL}?${q}`, as: ISERVICE })
    t.equal(res.status, 400, q)
  }
})

t.test('nmno adds a resource; other roles are refused; a taken slug is already-exists', async (t) => {
  const { app } = await build(t)
  const amb = await activeAmbassador(app, 'E100')
  for (const who of [as('E1', 'manager'), amb.me, GOVERNANCE, HR, ISERVICE]) {
    const res = await call(app, { method: 'POST', url: URL, as: who, body: NEW })
    t.same([res.status, res.body.code], [403, 'forbidden'], who.roles.join())
  }
  const res = await call(app, { method: 'POST', url: URL, as: NMNO, body: NEW, headers: { 'accept-language': 'fr' } })
  t.equal(res.status, 201)
  t.match(res.body, { slug: 'crisis_line', kind: 'external_resource', name: 'Ligne d’écoute de crise', url: 'https://example.org/crisis', active: true, version: 1 })
  t.equal(res.headers.location, `${URL}/${res.body.id}`)
  const dup = await call(app, { method: 'POST', url: URL, as: NMNO, body: { ...NEW, kind: 'learning' } })
  t.same([dup.status, dup.body.code], [409, 'already-exists'])
  const eap = await call(app, { method: 'POST', url: URL, as: NMNO, body: { ...NEW, slug: 'eap' } })
  t.same([eap.status, eap.body.code], [409, 'already-exists'])
})

t.test('bad resources are a 400', async (t) => {
  const { app } = await build(t)
  for (const body of [
    { ...NEW, slug: 'Crisis Line' },
    { ...NEW, kind: 'hotline' },
    { ...NEW, name: { en: 'Crisis line' } },
    { ...NEW, url: 'javascript:alert(1)' },
    { ...NEW, active: false, id: '00000000-0000-4000-8000-000000000000' },
  ]) {
    const res = await call(app, { method: 'POST', url: URL, as: NMNO, body })
    t.same([res.status, res.body.code], [400, 'validation-failed'], JSON.stringify(body))
  }
})

t.test('nmno edits and retires a resource; the slug never changes; others are refused or get 404', async (t) => {
  const { app } = await build(t)
  const list = await call(app, { url: URL, as: NMNO })
  const eap = list.body.items.find((r: any) => r.slug === 'eap')
  for (const who of [as('E1', 'manager'), GOVERNANCE, HR, ISERVICE]) {
    const res = await call(app, { method: 'PATCH', url: `${URL}/${eap.id}`, as: who, body: { active: false } })
    t.same([res.status, res.body.code], [403, 'forbidden'], who.roles.join())
  }
  let res = await call(app, { method: 'PATCH', url: `${URL}/${eap.id}`, as: NMNO, body: { description: { fr: 'Counseling confidentiel, en tout temps.' }, url: 'https://example.org/eap' } })
  t.equal(res.status, 200)
  t.match(res.body, { slug: 'eap', url: 'https://example.org/eap', version: 2 })
  t.equal(res.body.translations.fr.description, 'Counseling confidentiel, en tout temps.')
  t.equal(res.body.translations.en.description, eap.translations.en.description, 'the other language is kept')

  res = await call(app, { method: 'PATCH', url: `${URL}/${eap.id}`, as: NMNO, body: { slug: 'pae' } })
  t.same([res.status, res.body.code], [400, 'validation-failed'])
  res = await call(app, { method: 'PATCH', url: `${URL}/${eap.id}`, as: NMNO, body: {} })
  t.same([res.status, res.body.code], [400, 'validation-failed'])
  res = await call(app, { method: 'PATCH', url: `${URL}/00000000-0000-4000-8000-000000000000`, as: NMNO, body: { active: false } })
  t.same([res.status, res.body.code], [404, 'not-found'])

  res = await call(app, { method: 'PATCH', url: `${URL}/${eap.id}`, as: NMNO, body: { active: false } })
  t.equal(res.body.active, false)
  t.notOk((await call(app, { url: `${URL}?limit=100`, as: ISERVICE })).body.items.some((r: any) => r.slug === 'eap'), 'retired: hidden')
  t.ok((await call(app, { url: `${URL}?limit=100&includeInactive=true`, as: NMNO })).body.items.some((r: any) => r.slug === 'eap'), 'nmno still lists it')
  res = await call(app, { url: `${URL}?includeInactive=true`, as: ISERVICE })
  t.same([res.status, res.body.code], [403, 'forbidden'])
})
