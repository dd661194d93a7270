// CNS-1, CNS-4: consents are drafted by the assigned Ambassador or the manager, granted or withdrawn
// only by the manager (typed name + explicit agreement to a versioned, hashed statement).
import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import t from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call } from '../../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['video'], urgency: 'routine', topics: ['return_to_work'], aboutMyEmployee: true }
const CONSENT = {
  recipient: { kind: 'agency', name: 'Employee Assistance Program' },
  direction: 'release', infoCategories: ['situation_summary', 'goals'], purpose: 'Arrange a consultation with an EAP counsellor for the manager',
}
const DAY = 86400_000
const inDays = (d: number) => new Date(Date.now() + d * DAY).toISOString()
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')

t.test('consents', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'K001')
  const other = await activeAmbassador(app, 'K002')
  const m = as('KM01', 'manager')
  const stranger = as('KM99', 'manager')
  const eid = (await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST } })).body.id
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${eid}/accept`, as: amb.me, body: {} })).status, 200)
  const draft = (who: any, body: any = CONSENT) => call(app, { method: 'POST', url: `/v1/engagements/${eid}/consents`, as: who, body })
  const decide = (id: string, verb: 'grant' | 'withdraw', who: any, body: any = {}) => call(app, { method: 'POST', url: `/v1/consents/${id}/${verb}`, as: who, body })

  let statement: any
  t.test('the statement is versioned, bilingual and hashed (CNS-4)', async (t) => {
    const en = await call(app, { url: '/v1/consents/statement', as: m })
    t.equal(en.status, 200)
    t.same([en.body.version, en.body.language], [1, 'en'])
    t.equal(en.body.hash, sha256(en.body.text), 'the hash is the SHA-256 of the exact text')
    t.match(en.body.text, /written informed consent/i)
    t.match(en.body.text, /imminent threat of harm to oneself/)
    t.match(en.body.text, /child abuse or serious neglect/)
    t.match(en.body.text, /withdraw/)
    const fr = await call(app, { url: '/v1/consents/statement?language=fr&version=1', as: m })
    t.equal(fr.body.hash, sha256(fr.body.text))
    t.match(fr.body.text, /consentement éclairé/)
    t.equal((await call(app, { url: '/v1/consents/statement?version=99', as: m })).status, 404)
    t.equal((await call(app, { url: '/v1/consents/statement?lang=en', as: m })).status, 400)
    for (const who of [NMNO, GOVERNANCE, HR, ISERVICE]) t.equal((await call(app, { url: '/v1/consents/statement', as: who })).status, 403)
    await t.rejects(sql`UPDATE consent_statements SET text = 'changed' WHERE version = 1`.execute(db), 'a published statement never changes')
    statement = en.body
  })

  let pendingId = ''
  t.test('the assigned Ambassador drafts; it awaits the manager in their inbox (CNS-1)', async (t) => {
    const res = await draft(amb.me)
    t.equal(res.status, 201)
    t.same([res.body.status, res.body.draftedBy, res.body.statementVersion, res.body.statementHash, res.body.grantedAt], ['pending', 'ambassador', 1, null, null])
    t.same(res.body.recipient, CONSENT.recipient)
    const days = (Date.parse(res.body.expiresAt) - Date.now()) / DAY
    t.ok(days > 89.9 && days <= 90, 'expires in 90 days by default')
    t.equal(res.headers['cache-control'], 'no-store')
    pendingId = res.body.id
    const inbox = (await call(app, { url: '/v1/me/notifications', as: m })).body.items
    const note = inbox.find((n: any) => n.kind === 'consent_awaiting_manager')
    t.ok(note, 'the manager is told')
    t.same([note.subjectType, note.subjectId, note.data.engagementId], ['consent', pendingId, eid])
    t.notOk((await call(app, { url: '/v1/notifications', as: NMNO })).body.items.some((n: any) => n.kind.startsWith('consent')), 'nmno hears nothing of consents')
  })

  t.test('the manager drafts too; expiry is at most 365 days, in the future', async (t) => {
    const own = await draft(m, { ...CONSENT, direction: 'both', expiresAt: inDays(365) })
    t.same([own.status, own.body.draftedBy, own.body.direction], [201, 'manager', 'both'])
    for (const expiresAt of [inDays(366), inDays(-1), 'tomorrow']) {
      t.equal((await draft(m, { ...CONSENT, expiresAt })).status, 400, expiresAt)
    }
    for (const body of [
      { ...CONSENT, notes: 'x' }, { ...CONSENT, direction: 'sideways' }, { ...CONSENT, infoCategories: [] },
      { ...CONSENT, infoCategories: ['goals', 'goals'] }, { ...CONSENT, infoCategories: ['everything'] },
      { ...CONSENT, recipient: { kind: 'friend', name: 'X' } }, { ...CONSENT, recipient: { kind: 'agency', name: '' } },
      { ...CONSENT, purpose: '   ' }, { ...CONSENT, statementVersion: 1 },
    ]) t.equal((await draft(amb.me, body)).status, 400, JSON.stringify(body))
  })

  t.test('nobody outside the pair drafts or reads consents (§2, CONF-1)', async (t) => {
    for (const who of [other.me, stranger]) {
      t.equal((await draft(who)).status, 404)
      t.equal((await call(app, { url: `/v1/engagements/${eid}/consents`, as: who })).status, 404)
    }
    for (const who of [NMNO, GOVERNANCE, HR, ISERVICE]) {
      t.equal((await draft(who)).status, 403)
      t.equal((await call(app, { url: `/v1/engagements/${eid}/consents`, as: who })).status, 403)
    }
    t.equal((await call(app, { url: '/v1/engagements/00000000-0000-4000-8000-000000000000/consents', as: m })).status, 404)
  })

  const GRANT = () => ({ typedName: 'Kim Manager-Lévesque', agree: true, statementVersion: 1, language: 'en', statementHash: statement.hash })
  t.test('only the manager grants: not the Ambassador, not anyone else (CNS-1)', async (t) => {
    const byAmb = await decide(pendingId, 'grant', amb.me, GRANT())
    t.same([byAmb.status, byAmb.body.code], [403, 'forbidden'])
    for (const who of [other.me, stranger]) t.equal((await decide(pendingId, 'grant', who, GRANT())).status, 404)
    for (const who of [NMNO, GOVERNANCE, HR, ISERVICE]) t.equal((await decide(pendingId, 'grant', who, GRANT())).status, 403)
    t.equal((await decide('00000000-0000-4000-8000-000000000000', 'grant', m, GRANT())).status, 404)
  })

  t.test('a grant needs explicit agreement to the consent’s statement version and a typed name', async (t) => {
    const notAgreed = await decide(pendingId, 'grant', m, { ...GRANT(), agree: false })
    t.same([notAgreed.status, notAgreed.body.code], [422, 'rule-violated'])
    const wrongVersion = await decide(pendingId, 'grant', m, { ...GRANT(), statementVersion: 2 })
    t.same([wrongVersion.status, wrongVersion.body.code], [422, 'rule-violated'])
    const wrongHash = await decide(pendingId, 'grant', m, { ...GRANT(), statementHash: sha256('another text') })
    t.same([wrongHash.status, wrongHash.body.code], [422, 'rule-violated'])
    for (const typedName of ['K', '  K  ', '12345', 'KM01', 'Kim\u0000Manager', '\u200b\u200bK']) {
      const res = await decide(pendingId, 'grant', m, { ...GRANT(), typedName })
      t.equal(res.status, 400, JSON.stringify(typedName))
    }
    for (const body of [{ typedName: 'Kim', agree: true }, { ...GRANT(), extra: 1 }, { ...GRANT(), language: 'de' }]) {
      t.equal((await decide(pendingId, 'grant', m, body)).status, 400, JSON.stringify(body))
    }
    t.equal((await call(app, { url: `/v1/engagements/${eid}/consents`, as: m })).body.items.find((c: any) => c.id === pendingId).status, 'pending', 'nothing changed')
  })

  t.test('the manager grants: version, language, hash, typed name and time are recorded (CNS-1, CNS-4)', async (t) => {
    const fr = (await call(app, { url: '/v1/consents/statement?language=fr', as: m })).body
    const res = await decide(pendingId, 'grant', m, { typedName: '  Kim   Manager-Lévesque ', agree: true, statementVersion: 1, language: 'fr' })
    t.equal(res.status, 200)
    t.same([res.body.status, res.body.statementVersion, res.body.statementLanguage, res.body.statementHash, res.body.grantedName],
      ['granted', 1, 'fr', fr.hash, 'Kim Manager-Lévesque'])
    t.ok(Math.abs(Date.parse(res.body.grantedAt) - Date.now()) < 60_000)
    t.equal(res.body.version, 2)
    const again = await decide(pendingId, 'grant', m, GRANT())
    t.same([again.status, again.body.code], [409, 'invalid-transition'])
    const note = (await call(app, { url: '/v1/me/notifications', as: amb.me })).body.items.find((n: any) => n.kind === 'consent_granted')
    t.same([note?.subjectId, note?.data], [pendingId, { engagementId: eid }], 'the Ambassador is told, without the typed name')
  })

  t.test('both participants read the consents; nobody else', async (t) => {
    for (const who of [m, amb.me]) {
      const res = await call(app, { url: `/v1/engagements/${eid}/consents`, as: who })
      t.equal(res.status, 200)
      t.equal(res.body.items.length, 2)
      t.equal(res.headers['cache-control'], 'no-store')
    }
  })

  t.test('only the manager withdraws; from that instant it is withdrawn (CNS-1)', async (t) => {
    const byAmb = await decide(pendingId, 'withdraw', amb.me)
    t.same([byAmb.status, byAmb.body.code], [403, 'forbidden'])
    for (const who of [other.me, stranger]) t.equal((await decide(pendingId, 'withdraw', who)).status, 404)
    for (const who of [NMNO, GOVERNANCE, HR, ISERVICE]) t.equal((await decide(pendingId, 'withdraw', who)).status, 403)
    t.equal((await decide(pendingId, 'withdraw', m, { reason: 'x' })).status, 400)
    const res = await decide(pendingId, 'withdraw', m)
    t.same([res.status, res.body.status, res.body.grantedName], [200, 'withdrawn', 'Kim Manager-Lévesque'], 'the grant stays on record')
    t.ok(res.body.withdrawnAt)
    t.same((await decide(pendingId, 'withdraw', m)).body.code, 'invalid-transition')
    t.same((await decide(pendingId, 'grant', m, GRANT())).body.code, 'invalid-transition', 'a withdrawn consent is not granted again')
    t.ok((await call(app, { url: '/v1/me/notifications', as: amb.me })).body.items.some((n: any) => n.kind === 'consent_withdrawn'))
  })

  t.test('a pending consent can be refused (withdrawn) and an expired one authorizes nothing', async (t) => {
    const refused = await draft(amb.me)
    t.equal((await decide(refused.body.id, 'withdraw', m)).body.status, 'withdrawn')
    const stale = await draft(amb.me)
    await sql`UPDATE consents SET created_at = now() - interval '100 days', expires_at = now() - interval '10 days' WHERE id = ${stale.body.id}`.execute(db)
    const listed = (await call(app, { url: `/v1/engagements/${eid}/consents`, as: m })).body.items.find((c: any) => c.id === stale.body.id)
    t.equal(listed.status, 'expired', 'expired at query time')
    t.same((await decide(stale.body.id, 'grant', m, GRANT())).body.code, 'invalid-transition')
    t.same((await decide(stale.body.id, 'withdraw', m)).body.code, 'invalid-transition')
  })

  t.test('consents are kept while the engagement exists (CNS-4)', async (t) => {
    await t.rejects(sql`DELETE FROM consents WHERE id = ${pendingId}`.execute(db))
    t.equal((await sql<{ n: number }>`SELECT count(*)::int AS n FROM consents`.execute(db)).rows[0].n, 4)
  })

  t.test('no consent is drafted once the engagement is over', async (t) => {
    const m2 = as('KM02', 'manager')
    const e2 = (await call(app, { method: 'POST', url: '/v1/engagements', as: m2, body: { ambassadorId: amb.id, ...REQUEST } })).body.id
    const drafted = await call(app, { method: 'POST', url: `/v1/engagements/${e2}/consents`, as: m2, body: CONSENT })
    t.equal(drafted.status, 201, 'while requested (an urgent situation may need it at once)')
    t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${e2}/withdraw`, as: m2, body: {} })).status, 200)
    const late = await call(app, { method: 'POST', url: `/v1/engagements/${e2}/consents`, as: m2, body: CONSENT })
    t.same([late.status, late.body.code], [409, 'invalid-transition'])
    const grantLate = await decide(drafted.body.id, 'grant', m2, GRANT())
    t.same([grantLate.status, grantLate.body.code], [409, 'invalid-transition'])
    t.equal((await decide(drafted.body.id, 'withdraw', m2)).status, 200, 'a withdrawal is always possible')
  })
})
