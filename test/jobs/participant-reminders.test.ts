// #16 part 3: the participants' reminders: a meeting tomorrow (both participants), a follow-up due
// (the Ambassador), a routine request at half its 5-day deadline (the Ambassador; urgent requests
// have their own reminder). One notification each, never twice, so one webhook outbox row each.
import { sql } from 'kysely'
import t from 'tap'
import { remindParticipants } from '../../src/jobs/reminders.ts'
import { NMNO, activeAmbassador, as, build, call, replicasOf, usingServer } from '../helper.ts'

const REQUEST = { language: 'en', preferredModes: ['phone'], topics: ['crisis'], aboutMyEmployee: true }
const NONE = { meeting_tomorrow: 0, follow_up_due: 0, request_reminder: 0 }
const inHours = (h: number) => new Date(Date.now() + h * 3600_000).toISOString()

async function setUp(t: any) {
  const built = await build(t)
  const { app, db } = built
  // A subscription to every kind: each reminder must write exactly one outbox row.
  await call(app, { method: 'POST', url: '/v1/webhooks', as: NMNO, body: { url: 'https://relay.example.org/hook', events: ['meeting_tomorrow', 'follow_up_due', 'request_reminder'] } })
  const outbox = async (kind: string) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM webhook_deliveries d
    JOIN notifications n ON n.id = d.notification_id WHERE n.kind = ${kind}`.execute(db)).rows[0].n
  const inbox = async (who: any, kind: string) => (await call(app, { url: '/v1/me/notifications', as: who })).body.items.filter((n: any) => n.kind === kind)
  return { ...built, outbox, inbox }
}

t.test('a routine request at half its deadline reminds its Ambassador once; an urgent one is not reminded twice', async (t) => {
  const { app, db, outbox, inbox } = await setUp(t)
  const amb = await activeAmbassador(app, 'RM01', { capacity: 5 })
  const routine = (await call(app, { method: 'POST', url: '/v1/engagements', as: as('RMM1', 'manager'), body: { ambassadorId: amb.id, ...REQUEST, urgency: 'routine' } })).body.id
  const urgent = (await call(app, { method: 'POST', url: '/v1/engagements', as: as('RMM2', 'manager'), body: { ambassadorId: amb.id, ...REQUEST, urgency: 'urgent' } })).body.id
  const age = (id: string, hours: number) => sql`UPDATE engagements SET requested_at = now() - make_interval(hours => ${hours}),
    expires_at = now() - make_interval(hours => ${hours}) + interval '5 days' WHERE id = ${id}`.execute(db)
  const events = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_events WHERE actor_ref = 'system:reminders'`.execute(db)).rows[0].n

  t.same(await remindParticipants(db), NONE, 'nothing due')
  await age(routine, 59)
  await age(urgent, 100)
  t.same(await remindParticipants(db), NONE, 'under half of 5 days')
  t.equal(await events(), 0, 'an idle run leaves no event')
  await age(routine, 61)
  t.same(await remindParticipants(db), { ...NONE, request_reminder: 1 }, 'half of 5 days: the Ambassador')
  t.same(await remindParticipants(db), NONE, 'never twice')
  const [note] = await inbox(amb.me, 'request_reminder')
  t.same([note.subjectId, Object.keys(note.data)], [routine, ['answerBy']])
  t.equal(await outbox('request_reminder'), 1, 'one webhook')
  t.equal(await events(), 1, 'audited once, in the job’s name')
  t.notOk((await inbox(amb.me, 'request_reminder')).some((n: any) => n.subjectId === urgent), 'the urgent request has its own reminder')
  // Expired (past its 5 days): nothing (ENG-11 expires it).
  const late = (await call(app, { method: 'POST', url: '/v1/engagements', as: as('RMM3', 'manager'), body: { ambassadorId: amb.id, ...REQUEST, urgency: 'routine' } })).body.id
  await age(late, 121)
  t.same(await remindParticipants(db), NONE, 'an overdue request is not reminded')
})

t.test('a meeting tomorrow reminds both participants; a follow-up due reminds the Ambassador; each once', async (t) => {
  const { app, db, outbox, inbox } = await setUp(t)
  const amb = await activeAmbassador(app, 'RM02')
  const m = as('RMM4', 'manager')
  const e = (await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST, urgency: 'routine' } })).body.id
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${e}/accept`, as: amb.me, body: {} })).status, 200)
  const book = async (hours: number) => (await call(app, { method: 'POST', url: `/v1/engagements/${e}/meetings`, as: m, body: { scheduledAt: inHours(hours), durationMinutes: 30, mode: 'phone' } })).body.id
  const soon = await book(20)
  const later = await book(30)
  t.ok(soon && later)
  t.same(await remindParticipants(db), { ...NONE, meeting_tomorrow: 2 }, 'the meeting in 20 h: both participants; the one in 30 h: not yet')
  t.same(await remindParticipants(db), NONE, 'never twice')
  for (const who of [m, amb.me]) {
    const notes = await inbox(who, 'meeting_tomorrow')
    t.same(notes.map((n: any) => n.subjectId), [soon], `${who.sub}: one reminder`)
    t.same(Object.keys(notes[0].data).sort(), ['engagementId', 'scheduledAt'])
  }
  t.equal(await outbox('meeting_tomorrow'), 2, 'one webhook per reminder')
  // The later meeting cancelled, then due: a cancelled meeting is not reminded.
  const cancel = await call(app, { method: 'PATCH', url: `/v1/engagements/${e}/meetings/${later}`, as: m, body: { cancelled: true } })
  t.equal(cancel.status, 200)
  await sql`UPDATE meetings SET scheduled_at = now() + interval '2 hours' WHERE id = ${later}`.execute(db)
  t.same(await remindParticipants(db), NONE, 'a cancelled meeting: nothing')

  // Follow-ups: a referral's (ENG-7) and a crisis follow-up (CRS-1), due within the day.
  const resources = await sql<{ id: string; slug: string }>`SELECT id, slug FROM resources`.execute(db)
  const eap = resources.rows.find((r) => r.slug === 'eap')!
  const referral = await call(app, { method: 'POST', url: `/v1/engagements/${e}/referrals`, as: amb.me, body: { resourceId: eap.id, forWhom: 'employee_situation' } })
  t.equal(referral.status, 201)
  t.same(await remindParticipants(db), NONE, 'a follow-up in 14 days: not yet')
  await sql`UPDATE referrals SET follow_up_due_at = now() + interval '3 hours' WHERE id = ${referral.body.id}`.execute(db)
  t.same(await remindParticipants(db), { ...NONE, follow_up_due: 1 }, 'due today: the Ambassador')
  t.same(await remindParticipants(db), NONE, 'never twice')
  t.same((await inbox(amb.me, 'follow_up_due')).map((n: any) => n.subjectId), [referral.body.id])
  t.same(await inbox(m, 'follow_up_due'), [], 'not the manager: the follow-up is the Ambassador’s task')
  const crisis = await call(app, { method: 'POST', url: `/v1/engagements/${e}/crisis-escalations`, as: amb.me, body: { category: 'threatening_message', authoritiesContacted: ['none'], weaponsInvolved: false, occurredAt: new Date().toISOString() } })
  t.equal(crisis.status, 201)
  await sql`UPDATE crisis_escalations SET follow_up_due_at = now() - interval '1 hour' WHERE id = ${crisis.body.id}`.execute(db)
  t.same(await remindParticipants(db), { ...NONE, follow_up_due: 1 }, 'a crisis follow-up due: the Ambassador')
  t.equal(await outbox('follow_up_due'), 2)
  const notes = await inbox(amb.me, 'follow_up_due')
  t.notMatch(JSON.stringify(notes), /threatening|crisis_escalation.*category/, 'no content in the reminder')
  t.same(await remindParticipants(db), NONE)
})

t.test('two replicas running at once remind once', { skip: !usingServer && 'PostgreSQL only (concurrent transactions)' }, async (t) => {
  const { app, db, outbox } = await setUp(t)
  const amb = await activeAmbassador(app, 'RM03', { capacity: 5 })
  for (const sub of ['RMM5', 'RMM6', 'RMM7']) {
    const id = (await call(app, { method: 'POST', url: '/v1/engagements', as: as(sub, 'manager'), body: { ambassadorId: amb.id, ...REQUEST, urgency: 'routine' } })).body.id
    await sql`UPDATE engagements SET requested_at = now() - interval '70 hours', expires_at = now() + interval '50 hours' WHERE id = ${id}`.execute(db)
  }
  const replicas = await replicasOf(t, db, 3)
  const runs = await Promise.all(replicas.flatMap((r) => [remindParticipants(r), remindParticipants(r)]))
  t.equal(runs.reduce((n, r) => n + r.request_reminder, 0), 3, 'three reminders in all')
  t.equal(await outbox('request_reminder'), 3, 'three webhooks')
})
