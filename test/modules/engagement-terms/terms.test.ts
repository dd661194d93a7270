// #14 item 4: before their first request under a version, the manager acknowledges the network's
// terms (versioned, bilingual, hashed); a request without it is refused with 422 terms-not-accepted.
import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import t from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call } from '../../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['phone'], urgency: 'routine', topics: ['team_impact'], aboutMyEmployee: true }

t.test('engagement terms', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'TT01')
  const m = as('TTM1', 'manager')
  const request = (who: any, headers: Record<string, string> = {}) => call(app, { method: 'POST', url: '/v1/engagements', as: who, body: { ambassadorId: amb.id, ...REQUEST }, headers, acceptTerms: false })
  const accept = (who: any, body: any) => call(app, { method: 'POST', url: '/v1/me/engagement-terms-acceptance', as: who, body })

  t.test('the current version: bilingual, with its hash, for anyone signed in', async (t) => {
    for (const who of [m, NMNO, GOVERNANCE, HR, ISERVICE]) {
      const res = await call(app, { url: '/v1/engagement-terms/current', as: who })
      t.equal(res.status, 200, who.sub)
      t.equal(res.body.version, 1)
      t.match(res.body.text.en, /not counselling/)
      t.match(res.body.text.fr, /confidentiel/)
      t.equal(res.body.hash, createHash('sha256').update(`${res.body.text.en}\n\n${res.body.text.fr}`).digest('hex'))
    }
    t.equal((await call(app, { url: '/v1/engagement-terms/current' })).status, 401)
  })

  t.test('a request before acceptance is refused (422, in English and French) and changes nothing', async (t) => {
    const res = await request(m)
    t.same([res.status, res.body.code, res.body.currentVersion], [422, 'terms-not-accepted', 1])
    const fr = await request(m, { 'accept-language': 'fr' })
    t.match(fr.body.detail, /acceptez les conditions du réseau/)
    const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM engagements`.execute(db)
    t.equal(n.rows[0].n, 0, 'no engagement')
    t.equal((await call(app, { url: `/v1/ambassadors/${amb.id}`, as: NMNO })).body.openEngagements, 0, 'no slot taken')
  })

  t.test('only a manager accepts, only the current version', async (t) => {
    for (const who of [NMNO, GOVERNANCE, HR, ISERVICE]) t.equal((await accept(who, { version: 1 })).status, 403, who.sub)
    const stale = await accept(m, { version: 2 })
    t.same([stale.status, stale.body.code, stale.body.currentVersion], [422, 'rule-violated', 1])
    for (const body of [{}, { version: 0 }, { version: '1' }, { version: 1, accept: true }]) t.equal((await accept(m, body)).status, 400, JSON.stringify(body))
    const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM engagement_terms_acceptances`.execute(db)
    t.equal(n.rows[0].n, 0, 'nothing recorded')
  })

  t.test('after acceptance the request goes through and stores the version accepted', async (t) => {
    const ok = await accept(m, { version: 1 })
    t.same([ok.status, ok.body.version], [201, 1])
    t.ok(ok.body.acceptedAt)
    t.equal((await accept(m, { version: 1 })).status, 201, 'accepting again is harmless')
    const res = await request(m)
    t.equal(res.status, 201)
    const row = await sql<{ termsVersion: number }>`SELECT terms_version FROM engagements WHERE id = ${res.body.id}`.execute(db)
    t.equal(row.rows[0].termsVersion, 1)
    const events = await sql<{ actorRef: string }>`SELECT actor_ref FROM audit_events WHERE action = 'engagement-terms.accept'`.execute(db)
    t.ok(events.rows.length >= 1)
    t.notOk(events.rows.some((e) => e.actorRef === 'TTM1'), 'the audit trail names the manager by pseudonym only')
  })

  t.test('a new version must be accepted again before the next request', async (t) => {
    await sql`INSERT INTO engagement_terms (version, text_en, text_fr, text_hash) VALUES (2, 'Terms v2, English text here.', 'Conditions v2, texte français.', 'x')`.execute(db)
    const other = await activeAmbassador(app, 'TT02')
    const res = await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: other.id, ...REQUEST }, acceptTerms: false })
    t.same([res.status, res.body.currentVersion], [422, 2])
    t.equal((await accept(m, { version: 2 })).status, 201)
    t.equal((await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: other.id, ...REQUEST }, acceptTerms: false })).status, 201)
  })

  t.test('the acceptance goes with the manager’s last engagement when it is purged (RET-1, RET-2)', async (t) => {
    const m2 = as('TTM2', 'manager')
    const third = await activeAmbassador(app, 'TT03')
    const id = (await call(app, { method: 'POST', url: '/v1/engagements', as: m2, body: { ambassadorId: third.id, ...REQUEST } })).body.id
    const accepted = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM engagement_terms_acceptances WHERE manager_ref = 'TTM2'`.execute(db)).rows[0].n
    t.equal(await accepted(), 1)
    t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${id}/withdraw`, as: m2, body: {} })).status, 200)
    const purged = await call(app, { method: 'DELETE', url: `/v1/engagements/${id}`, as: m2 })
    t.ok(purged.status < 300, `purged (${purged.status})`)
    t.equal(await accepted(), 0, 'no trace that this manager used the network')
    t.equal((await call(app, { method: 'POST', url: '/v1/engagements', as: m2, body: { ambassadorId: third.id, ...REQUEST }, acceptTerms: false })).body.code, 'terms-not-accepted', 'a new request needs the terms again')
  })
})
