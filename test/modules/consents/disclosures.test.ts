// CNS-2, CNS-3: a disclosure is allowed only under an active consent covering recipient, direction
// and every category, or under exactly one of the three confidentiality exceptions with a
// justification; an exception tells the designated nmno contact at once, de-identified.
import { sql } from 'kysely'
import t from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call, usingServer, type Principal } from '../../helper.ts'
import type { App } from '../../../src/app.ts'

const REQUEST = { language: 'en', preferredModes: ['video'], urgency: 'routine', topics: ['return_to_work'], aboutMyEmployee: true }
const EAP = { kind: 'agency', name: 'Employee Assistance Program' }
const CONSENT = { recipient: EAP, direction: 'release', infoCategories: ['situation_summary', 'goals'], purpose: 'Engage an EAP counsellor for the manager' }
const GRANT = { typedName: 'Dana Manager', agree: true, statementVersion: 1, language: 'en' }
const JUSTIFICATION = 'The employee described a plan and the means to act on it today'

async function pair(app: App, manager: Principal, ambassadorId: string, amb: Principal) {
  const eid = (await call(app, { method: 'POST', url: '/v1/engagements', as: manager, body: { ambassadorId, ...REQUEST } })).body.id
  await call(app, { method: 'POST', url: `/v1/engagements/${eid}/accept`, as: amb, body: {} })
  return eid as string
}

async function consent(app: App, eid: string, amb: Principal, manager: Principal, body: any = CONSENT, grant = true) {
  const c = await call(app, { method: 'POST', url: `/v1/engagements/${eid}/consents`, as: amb, body })
  if (c.status !== 201) throw new Error(JSON.stringify(c.body))
  if (grant) {
    const g = await call(app, { method: 'POST', url: `/v1/consents/${c.body.id}/grant`, as: manager, body: GRANT })
    if (g.status !== 200) throw new Error(JSON.stringify(g.body))
  }
  return c.body.id as string
}

t.test('disclosures', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'D001')
  const other = await activeAmbassador(app, 'D002')
  t.equal((await call(app, { method: 'PATCH', url: `/v1/ambassadors/${amb.id}`, as: NMNO, body: { designatedContactRef: 'N901' } })).status, 200)
  const m = as('DM01', 'manager')
  const stranger = as('DM99', 'manager')
  const eid = await pair(app, m, amb.id, amb.me)
  const otherEid = await pair(app, as('DM02', 'manager'), amb.id, amb.me)
  const disclose = (who: any, body: any, id = eid) => call(app, { method: 'POST', url: `/v1/engagements/${id}/disclosures`, as: who, body })
  const D = { direction: 'release', recipient: EAP, infoCategories: ['situation_summary'], basis: 'consent' }

  const granted = await consent(app, eid, amb.me, m)
  const both = await consent(app, eid, amb.me, m, { ...CONSENT, direction: 'both', recipient: { kind: 'institution', name: 'Ottawa Hospital' }, infoCategories: ['wellbeing_concerns'] })
  const pending = await consent(app, eid, amb.me, m, CONSENT, false)
  const withdrawn = await consent(app, eid, amb.me, m)
  t.equal((await call(app, { method: 'POST', url: `/v1/consents/${withdrawn}/withdraw`, as: m, body: {} })).status, 200)
  const expired = await consent(app, eid, amb.me, m)
  await sql`UPDATE consents SET created_at = now() - interval '91 days', expires_at = now() - interval '1 second' WHERE id = ${expired}`.execute(db)
  const elsewhere = await consent(app, otherEid, amb.me, as('DM02', 'manager'))

  t.test('refused without an active covering consent: 422 consent-required (CNS-2)', async (t) => {
    const cases: Array<[string, any]> = [
      ['no consent named', { ...D }],
      ['a pending consent', { ...D, consentId: pending }],
      ['a withdrawn consent', { ...D, consentId: withdrawn }],
      ['an expired consent', { ...D, consentId: expired }],
      ['a consent of another engagement', { ...D, consentId: elsewhere }],
      ['an unknown consent', { ...D, consentId: '00000000-0000-4000-8000-000000000000' }],
      ['another recipient', { ...D, consentId: granted, recipient: { kind: 'agency', name: 'Peer Support Program' } }],
      ['another kind of recipient', { ...D, consentId: granted, recipient: { kind: 'individual', name: EAP.name } }],
      ['an uncovered category', { ...D, consentId: granted, infoCategories: ['situation_summary', 'identity'] }],
      ['an uncovered direction (obtain under release)', { ...D, consentId: granted, direction: 'obtain' }],
      ['both directions under release only', { ...D, consentId: granted, direction: 'both' }],
    ]
    for (const [what, body] of cases) {
      const res = await disclose(amb.me, body)
      t.same([res.status, res.body.code], [422, 'consent-required'], what)
    }
    t.match((await disclose(amb.me, { ...D, consentId: granted, infoCategories: ['identity'] })).body.errors, [{ path: '/body/infoCategories' }])
    t.equal((await sql<{ n: number }>`SELECT count(*)::int AS n FROM disclosures`.execute(db)).rows[0].n, 0, 'nothing was recorded')
  })

  t.test('allowed under an active consent that covers it', async (t) => {
    const res = await disclose(amb.me, { ...D, consentId: granted, recipient: { kind: 'agency', name: '  employee assistance   PROGRAM ' } })
    t.equal(res.status, 201)
    t.same([res.body.basis, res.body.consentId, res.body.justification, res.body.flaggedForReview], ['consent', granted, null, false])
    t.equal((await disclose(amb.me, { ...D, consentId: granted, infoCategories: ['goals', 'situation_summary'] })).status, 201)
    const obtain = await disclose(amb.me, { direction: 'obtain', recipient: { kind: 'institution', name: 'Ottawa Hospital' }, infoCategories: ['wellbeing_concerns'], basis: 'consent', consentId: both })
    t.equal(obtain.status, 201, 'a consent for both directions covers obtaining')
    const withJustification = await disclose(amb.me, { ...D, consentId: granted, justification: 'x' })
    t.same([withJustification.status, withJustification.body.code], [422, 'rule-violated'])
    t.notOk((await call(app, { url: '/v1/notifications', as: NMNO })).body.items.some((n: any) => n.kind === 'exception_disclosure'), 'a consented disclosure is not an exception')
  })

  t.test('each exception needs a justification; with one it is recorded and flagged (CNS-2, CNS-3)', async (t) => {
    for (const basis of ['imminent_harm_self', 'imminent_harm_others', 'child_abuse_neglect']) {
      const E = { direction: 'release', recipient: { kind: 'agency', name: 'Ottawa Police Service' }, infoCategories: ['identity', 'safety_concerns'], basis }
      for (const justification of [undefined, '', '   \n ']) {
        const res = await disclose(amb.me, justification === undefined ? E : { ...E, justification })
        t.same([res.status, res.body.code], [422, 'justification-required'], `${basis} with ${JSON.stringify(justification)}`)
      }
      const withConsent = await disclose(amb.me, { ...E, justification: JUSTIFICATION, consentId: granted })
      t.same([withConsent.status, withConsent.body.code], [422, 'rule-violated'], 'an exception names no consent')
      const res = await disclose(amb.me, { ...E, justification: JUSTIFICATION })
      t.equal(res.status, 201, basis)
      t.same([res.body.basis, res.body.consentId, res.body.justification, res.body.flaggedForReview], [basis, null, JUSTIFICATION, true])
    }
    for (const body of [{ ...D, basis: 'manager_asked_me' }, { ...D, basis: ['imminent_harm_self', 'child_abuse_neglect'] }, { ...D, consentId: granted, extra: true }]) {
      t.equal((await disclose(amb.me, body)).status, 400, 'exactly one basis of the four')
    }
  })

  t.test('the designated contact is told at once, de-identified (CNS-3)', async (t) => {
    const inbox = (await call(app, { url: '/v1/notifications?kind=exception_disclosure', as: NMNO })).body.items
    t.equal(inbox.length, 3)
    for (const n of inbox) {
      t.equal(n.designatedContactRef, 'N901')
      t.equal(n.subjectType, 'disclosure')
      t.same(Object.keys(n.data).sort(), ['ambassadorId', 'direction', 'disclosedOn', 'engagementId', 'exception', 'flaggedForReview', 'infoCategories', 'recipientKind'])
      t.match(n.data.disclosedOn, /^\d{4}-\d{2}-\d{2}$/, 'a date, not a timestamp')
      const text = JSON.stringify(n)
      t.notMatch(text, /DM01/, 'no manager')
      t.notMatch(text, /plan and the means/, 'no justification')
      t.notMatch(text, /Ottawa Police/, 'no recipient name')
      t.notMatch(text, /Dana/, 'no typed name')
    }
    // The review is the notification's resolution; it carries no clinician decision.
    const bad = await call(app, { method: 'POST', url: `/v1/notifications/${inbox[0].id}/resolve`, as: NMNO, body: { clinicianOffered: true } })
    t.same([bad.status, bad.body.code], [422, 'rule-violated'])
    const reviewed = await call(app, { method: 'POST', url: `/v1/notifications/${inbox[0].id}/resolve`, as: NMNO })
    t.same([reviewed.status, Boolean(reviewed.body.resolvedOn)], [200, true])
    t.equal((await call(app, { url: '/v1/notifications?kind=exception_disclosure&unresolved=true', as: NMNO })).body.items.length, 2)
  })

  t.test('only the assigned Ambassador records; both participants read; nobody else (§2)', async (t) => {
    const E = { direction: 'release', recipient: { kind: 'agency', name: 'Police' }, infoCategories: ['safety_concerns'], basis: 'imminent_harm_others', justification: JUSTIFICATION }
    const byManager = await disclose(m, E)
    t.same([byManager.status, byManager.body.code], [403, 'forbidden'])
    for (const who of [other.me, stranger]) t.equal((await disclose(who, E)).status, 404)
    for (const who of [NMNO, GOVERNANCE, HR, ISERVICE]) t.equal((await disclose(who, E)).status, 403)
    for (const who of [m, amb.me]) {
      const res = await call(app, { url: `/v1/engagements/${eid}/disclosures`, as: who })
      t.equal(res.status, 200)
      t.equal(res.body.items.length, 6)
      t.equal(res.headers['cache-control'], 'no-store')
    }
    for (const who of [other.me, stranger]) t.equal((await call(app, { url: `/v1/engagements/${eid}/disclosures`, as: who })).status, 404)
    for (const who of [NMNO, GOVERNANCE, HR, ISERVICE]) t.equal((await call(app, { url: `/v1/engagements/${eid}/disclosures`, as: who })).status, 403)
  })

  t.test('a disclosure is never changed or deleted while the engagement exists (CNS-4)', async (t) => {
    await t.rejects(sql`UPDATE disclosures SET justification = 'edited' WHERE basis <> 'consent'`.execute(db))
    await t.rejects(sql`DELETE FROM disclosures`.execute(db))
    t.equal((await sql<{ n: number }>`SELECT count(*)::int AS n FROM disclosures`.execute(db)).rows[0].n, 6)
  })

  t.test('a suspended Ambassador records nothing more (AUTH-1)', async (t) => {
    await sql`UPDATE ambassadors SET status = 'suspended' WHERE id = ${amb.id}`.execute(db)
    t.equal((await disclose(amb.me, { ...D, consentId: granted })).status, 404)
  })
})

t.test('nothing is disclosed on an engagement that has ended, even under a consent granted before (CNS-2, #13)', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'D201')
  const count = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM disclosures`.execute(db)).rows[0].n
  const ended: Array<[string, string]> = []
  // Closed after a held meeting, with a granted consent still in force on paper.
  const m1 = as('DM21', 'manager')
  const closed = await pair(app, m1, amb.id, amb.me)
  const c = await consent(app, closed, amb.me, m1)
  const meeting = await call(app, { method: 'POST', url: `/v1/engagements/${closed}/meetings`, as: m1, body: { scheduledAt: new Date(Date.now() - 3600_000).toISOString(), durationMinutes: 30, mode: 'phone' } })
  t.equal((await call(app, { method: 'PATCH', url: `/v1/engagements/${closed}/meetings/${meeting.body.id}`, as: amb.me, body: { held: true } })).status, 200)
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${closed}/close`, as: m1, body: { outcome: 'other' } })).status, 200)
  ended.push(['closed', closed])
  // Withdrawn by the manager, and declined by the Ambassador.
  const m2 = as('DM22', 'manager')
  const withdrawn = await pair(app, m2, amb.id, amb.me)
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${withdrawn}/withdraw`, as: m2, body: {} })).status, 200)
  ended.push(['withdrawn', withdrawn])
  const declined = (await call(app, { method: 'POST', url: '/v1/engagements', as: as('DM23', 'manager'), body: { ambassadorId: amb.id, ...REQUEST } })).body.id
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${declined}/decline`, as: amb.me, body: { reason: 'capacity' } })).status, 200)
  ended.push(['declined', declined])

  for (const [status, eid] of ended) {
    const bodies = [
      { direction: 'release', recipient: EAP, infoCategories: ['situation_summary'], basis: 'consent', consentId: c },
      { direction: 'release', recipient: EAP, infoCategories: ['situation_summary'], basis: 'imminent_harm_self', justification: JUSTIFICATION },
    ]
    for (const body of bodies) {
      const res = await call(app, { method: 'POST', url: `/v1/engagements/${eid}/disclosures`, as: amb.me, body })
      // A closed engagement is still the Ambassador's to read (409); a withdrawn or declined request
      // is no longer theirs at all (404).
      const expected = status === 'closed' ? [409, 'invalid-transition', 'closed'] : [404, 'not-found', undefined]
      t.same([res.status, res.body.code, res.body.from], expected, `${status}, ${body.basis}`)
    }
  }
  t.equal(await count(), 0, 'nothing stored')
})

t.test('a purge of the engagement takes its consents and disclosures with it (RET-1)', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'D101')
  const m = as('DM11', 'manager')
  const eid = await pair(app, m, amb.id, amb.me)
  const c = await consent(app, eid, amb.me, m)
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${eid}/disclosures`, as: amb.me, body: { direction: 'release', recipient: EAP, infoCategories: ['goals'], basis: 'consent', consentId: c } })).status, 201)
  await sql`DELETE FROM engagements WHERE id = ${eid}`.execute(db)
  t.equal((await sql<{ n: number }>`SELECT ((SELECT count(*) FROM consents) + (SELECT count(*) FROM disclosures))::int AS n`.execute(db)).rows[0].n, 0)
})

t.test('a withdrawal racing a disclosure waits for it: no disclosure is recorded after the withdrawal (CNS-1, CNS-2)', { skip: !usingServer && 'needs a PostgreSQL server (TEST_DATABASE_URL)' }, async (t) => {
  const { app, db } = await build(t, { poolMax: 20 })
  const amb = await activeAmbassador(app, 'D201')
  const m = as('DM21', 'manager')
  const eid = await pair(app, m, amb.id, amb.me)
  const body = (consentId: string) => ({ direction: 'release', recipient: EAP, infoCategories: ['goals'], basis: 'consent', consentId })
  // Test-only instrumentation of this test's own database: a disclosure's insert (after its
  // consent check) waits at a gate the test holds (an advisory lock), and stamps the time it really
  // happened. The withdrawal is sent only once the disclosure is seen waiting at the gate, and the
  // gate opens only once the withdrawal is seen waiting on a lock (or has answered: without the
  // consent row lock it would run inside that window, and the disclosure would land after it).
  const GATE = 727299
  await sql`CREATE FUNCTION gated_disclosure() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_advisory_xact_lock(${sql.lit(GATE)}); NEW.created_at := clock_timestamp(); RETURN NEW; END $$`.execute(db)
  await sql`CREATE TRIGGER gated_disclosure BEFORE INSERT ON disclosures FOR EACH ROW EXECUTE FUNCTION gated_disclosure()`.execute(db)
  const waitingOn = async (advisory: boolean) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock' AND (wait_event = 'advisory') = ${advisory}`.execute(db)).rows[0].n
  const until = async (what: string, done: () => Promise<boolean>) => {
    for (const deadline = Date.now() + 20_000; !(await done());) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
      await new Promise((r) => setTimeout(r, 10))
    }
  }
  for (let round = 0; round < 3; round++) {
    const c = await consent(app, eid, amb.me, m)
    await db.connection().execute(async (gate) => {
      await sql`SELECT pg_advisory_lock(${GATE})`.execute(gate)
      let opened = false
      const open = async () => { if (!opened) { opened = true; await sql`SELECT pg_advisory_unlock(${GATE})`.execute(gate) } }
      try {
        const disclosure = call(app, { method: 'POST', url: `/v1/engagements/${eid}/disclosures`, as: amb.me, body: body(c) })
        await until('the disclosure has checked its consent and waits at the gate', async () => (await waitingOn(true)) === 1)
        let answered = false
        const withdrawal = call(app, { method: 'POST', url: `/v1/consents/${c}/withdraw`, as: m, body: {} }).finally(() => { answered = true })
        await until('the withdrawal waits on a lock or has answered', async () => answered || (await waitingOn(false)) > 0)
        await open()
        const [recorded, withdrawn] = await Promise.all([disclosure, withdrawal])
        t.same([recorded.status, withdrawn.status], [201, 200], `round ${round}: the disclosure came first and stands; the withdrawal follows`)
      } finally {
        await open()
      }
    })
    const order = await sql<{ before: boolean }>`SELECT d.created_at < c.withdrawn_at AS before FROM disclosures d JOIN consents c ON c.id = d.consent_id WHERE c.id = ${c}`.execute(db)
    t.same(order.rows, [{ before: true }], `round ${round}: recorded before the withdrawal took effect`)
    const after = await call(app, { method: 'POST', url: `/v1/engagements/${eid}/disclosures`, as: amb.me, body: body(c) })
    t.same([after.status, after.body.code], [422, 'consent-required'], `round ${round}: nothing after it`)
  }
})
