// #16 part 3: content-free webhooks. A receiver on 127.0.0.1 verifies the Standard Webhooks
// signatures; retries after 500s, then delivered; a dead letter after the last attempt, visible to
// nmno; a rolled-back write sends nothing; the payload names the recipient, the notification and its
// kind only; only nmno and the iservice client may subscribe; the secret is shown once.
import { sql } from 'kysely'
import t from 'tap'
import { backoffMs, deliverWebhooks } from '../../../src/jobs/webhook-delivery.ts'
import { checkReceiverUrl } from '../../../src/modules/webhooks/service.ts'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call, replicasOf, testConfig, usingServer } from '../../helper.ts'
import { receiver } from './receiver.ts'

const REQUEST = { language: 'en', preferredModes: ['phone'], urgency: 'routine', topics: ['crisis'], aboutMyEmployee: true }
// The configuration the job runs with (WEBHOOK_*), with no wait between attempts.
const FAST = testConfig({ WEBHOOK_MAX_ATTEMPTS: '4', WEBHOOK_BACKOFF_BASE_MS: '0', WEBHOOK_TIMEOUT_MS: '3000' }).webhooks
const outbox = async (db: any) => (await sql<{ status: string; attempts: number }>`SELECT status, attempts FROM webhook_deliveries ORDER BY created_at`.execute(db)).rows

t.test('a notification reaches the receiver signed, after retries, with ids and kind only', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'WH01')
  const manager = as('WHM1', 'manager')
  // 500 twice, then 200.
  const rx = await receiver(t, (n) => (n <= 2 ? 500 : 200))
  const created = await call(app, { method: 'POST', url: '/v1/webhooks', as: NMNO, body: { url: rx.url, events: ['engagement_requested', 'engagement_accepted'] } })
  t.equal(created.status, 201)
  t.match(created.body.secret, /^whsec_[A-Za-z0-9+/]+=*$/, 'the secret in the Standard Webhooks form')
  t.equal(created.headers.location, `/v1/webhooks/${created.body.id}`)
  t.equal(created.headers['cache-control'], 'no-store')
  rx.useSecret(created.body.secret)
  const key = created.body.secret.slice('whsec_'.length)

  // Shown once: never again, not even sealed.
  const list = await call(app, { url: '/v1/webhooks', as: NMNO })
  t.same(list.body.items.map((w: any) => Object.keys(w).sort()), [['createdAt', 'events', 'id', 'url']])
  t.notMatch(JSON.stringify(list.body), key)
  const stored = (await sql<{ s: string }>`SELECT sealed_secret AS s FROM webhook_subscriptions`.execute(db)).rows[0].s
  t.notMatch(stored, key, 'stored sealed, not as it was shown')

  const e = (await call(app, { method: 'POST', url: '/v1/engagements', as: manager, body: { ambassadorId: amb.id, ...REQUEST } })).body.id
  t.same(await outbox(db), [{ status: 'pending', attempts: 0 }], 'the request wrote one outbox row in its transaction')

  t.same(await deliverWebhooks(db, FAST), { delivered: 0, retried: 1, dead: 0 }, 'first attempt: 500')
  t.same(await deliverWebhooks(db, FAST), { delivered: 0, retried: 1, dead: 0 }, 'second attempt: 500')
  t.same(await deliverWebhooks(db, FAST), { delivered: 1, retried: 0, dead: 0 }, 'third attempt: delivered')
  t.same(await deliverWebhooks(db, FAST), { delivered: 0, retried: 0, dead: 0 }, 'nothing more to send')
  t.equal(rx.got.length, 3)
  t.ok(rx.got.every((r) => r.verified), 'every attempt verifies with the secret shown at creation')
  t.equal(new Set(rx.got.map((r) => r.headers['webhook-id'])).size, 1, 'one webhook-id across the retries (the receiver dedupes on it)')

  const inbox = (await call(app, { url: '/v1/me/notifications', as: amb.me })).body.items.find((n: any) => n.kind === 'engagement_requested')
  const p = rx.got[2].payload
  t.same(Object.keys(p).sort(), ['data', 'timestamp', 'type'])
  t.same(p.data, { recipient: amb.me.sub, notificationId: inbox.id, kind: 'engagement_requested' }, 'the recipient, the notification, its kind')
  t.equal(p.type, 'notification.created')
  t.notMatch(rx.got[2].body, new RegExp(`${manager.sub}|${e}|${amb.id}|crisis|urgency|routine`), 'never the other party, the engagement, a topic')

  // Another kind the subscription names: the acceptance tells the manager (their id only).
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${e}/accept`, as: amb.me, body: {} })).status, 200)
  t.same(await deliverWebhooks(db, FAST), { delivered: 1, retried: 0, dead: 0 })
  t.same(rx.got[3].payload.data.kind, 'engagement_accepted')
  t.equal(rx.got[3].payload.data.recipient, manager.sub, 'the recipient is named to the relay that tells them')
  t.notMatch(rx.got[3].body, new RegExp(`${amb.me.sub}|${amb.id}`), 'never the Ambassador')

  // nmno's view of the deliveries: dates only, no notification id, no recipient.
  const office = await call(app, { url: '/v1/webhooks/deliveries?status=delivered', as: NMNO })
  t.equal(office.status, 200)
  t.equal(office.body.items.length, 2)
  t.same(Object.keys(office.body.items[0]).sort(), ['attempts', 'createdOn', 'id', 'kind', 'lastError', 'lastStatusCode', 'status', 'subscriptionId'])
  t.same(office.body.items.map((d: any) => [d.kind, d.attempts, d.lastStatusCode]), [['engagement_requested', 3, 200], ['engagement_accepted', 1, 200]])
  t.notMatch(JSON.stringify(office.body), new RegExp(`${amb.me.sub}|${manager.sub}|${inbox.id}`))
  // The iservice client owns no subscription: it sees none of nmno's deliveries.
  t.same((await call(app, { url: '/v1/webhooks/deliveries', as: ISERVICE })).body.items, [])
})

t.test('after the last attempt a delivery is dead, visible to nmno, and not sent again', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'WH02')
  const rx = await receiver(t, () => 500)
  const created = await call(app, { method: 'POST', url: '/v1/webhooks', as: NMNO, body: { url: rx.url, events: ['*'] } })
  rx.useSecret(created.body.secret)
  await call(app, { method: 'POST', url: '/v1/engagements', as: as('WHM2', 'manager'), body: { ambassadorId: amb.id, ...REQUEST } })
  for (let i = 1; i < FAST.maxAttempts; i++) t.same(await deliverWebhooks(db, FAST), { delivered: 0, retried: 1, dead: 0 }, `attempt ${i}: retried`)
  t.same(await deliverWebhooks(db, FAST), { delivered: 0, retried: 0, dead: 1 }, `attempt ${FAST.maxAttempts}: dead`)
  t.same(await deliverWebhooks(db, FAST), { delivered: 0, retried: 0, dead: 0 })
  t.equal(rx.got.length, FAST.maxAttempts, 'no attempt after the last')
  const dead = await call(app, { url: '/v1/webhooks/deliveries?status=dead', as: NMNO })
  t.same(dead.body.items.map((d: any) => [d.status, d.attempts, d.lastStatusCode, d.lastError]), [['dead', FAST.maxAttempts, 500, 'HTTP 500']])
  t.same((await call(app, { url: '/v1/webhooks/deliveries?status=pending', as: NMNO })).body.items, [])

  // Backoff: with a base of a minute, a failed delivery waits (2^(n-1) minutes), nothing is sent meanwhile.
  await call(app, { method: 'POST', url: '/v1/engagements', as: as('WHM3', 'manager'), body: { ambassadorId: amb.id, ...REQUEST } })
  const slow = { ...FAST, backoffBaseMs: 60_000 }
  t.same(await deliverWebhooks(db, slow), { delivered: 0, retried: 1, dead: 0 })
  t.same(await deliverWebhooks(db, slow), { delivered: 0, retried: 0, dead: 0 }, 'not before its time')
  t.same([1, 2, 3, 4].map((n) => backoffMs(60_000, n)), [60_000, 120_000, 240_000, 480_000], 'exponential')
  t.equal(backoffMs(60_000, 30), 86_400_000, 'at most a day')
  const wait = (await sql<{ s: number }>`SELECT extract(epoch FROM next_attempt_at - now())::float8 AS s FROM webhook_deliveries WHERE status = 'pending'`.execute(db)).rows[0].s
  t.ok(wait > 50 && wait <= 61, `next attempt in about a minute (${wait.toFixed(1)} s)`)
})

t.test('a network error or a timeout is retried like a 5xx; redirects are not followed', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'WH03')
  const rx = await receiver(t, () => 302)
  await call(app, { method: 'POST', url: '/v1/webhooks', as: NMNO, body: { url: rx.url, events: ['*'] } })
  // A port nobody listens on (the receiver's, once closed, is not reliable: a second one, closed at once).
  const gone = await receiver(t)
  await call(app, { method: 'POST', url: '/v1/webhooks', as: NMNO, body: { url: gone.url.replace(/:(\d+)\//, ':1/'), events: ['*'] } })
  await call(app, { method: 'POST', url: '/v1/engagements', as: as('WHM4', 'manager'), body: { ambassadorId: amb.id, ...REQUEST } })
  t.same(await deliverWebhooks(db, FAST), { delivered: 0, retried: 2, dead: 0 })
  const errors = (await sql<{ e: string }>`SELECT last_error AS e FROM webhook_deliveries ORDER BY last_error`.execute(db)).rows.map((r) => r.e)
  t.same(errors, ['HTTP 302 (redirects are not followed)', 'network error'])
})

t.test('a rolled-back write sends nothing', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'WH04')
  const manager = as('WHM5', 'manager')
  const rx = await receiver(t)
  await call(app, { method: 'POST', url: '/v1/webhooks', as: NMNO, body: { url: rx.url, events: ['*'] } })
  const e = (await call(app, { method: 'POST', url: '/v1/engagements', as: manager, body: { ambassadorId: amb.id, ...REQUEST } })).body.id
  t.same(await deliverWebhooks(db, FAST), { delivered: 1, retried: 0, dead: 0 })
  // The acceptance notifies the manager; a fault after the outbox row is written fails the whole write
  // (AFTER triggers fire in name order: the outbox's first, then this one).
  await sql`CREATE FUNCTION zz_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$`.execute(db)
  await sql`CREATE TRIGGER zz_fail_after_outbox AFTER INSERT ON notifications FOR EACH ROW WHEN (NEW.kind = 'engagement_accepted') EXECUTE FUNCTION zz_fail()`.execute(db)
  const before = await outbox(db)
  const res = await call(app, { method: 'POST', url: `/v1/engagements/${e}/accept`, as: amb.me, body: {} })
  t.equal(res.status, 500, 'the write failed')
  t.same(await outbox(db), before, 'no outbox row survived the rollback')
  t.equal((await call(app, { url: `/v1/engagements/${e}`, as: manager })).body.status, 'requested', 'nor the write')
  t.same(await deliverWebhooks(db, FAST), { delivered: 0, retried: 0, dead: 0 })
  t.equal(rx.got.length, 1, 'the receiver got nothing more')
  await sql`DROP TRIGGER zz_fail_after_outbox ON notifications`.execute(db)
  await sql`DROP FUNCTION zz_fail()`.execute(db)
})

t.test('only nmno and the iservice client subscribe; a refusal changes nothing', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'WH05')
  const rx = await receiver(t)
  const office = (await call(app, { method: 'POST', url: '/v1/webhooks', as: NMNO, body: { url: rx.url, events: ['*'] } })).body.id
  const count = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM webhook_subscriptions`.execute(db)).rows[0].n
  const refused = { manager: as('WHM6', 'manager'), ambassador: amb.me, governance: GOVERNANCE, hr_analyst: HR, 'no role': as('WHX1') }
  for (const [label, who] of Object.entries(refused)) {
    t.equal((await call(app, { method: 'POST', url: '/v1/webhooks', as: who, body: { url: rx.url, events: ['*'] } })).status, 403, `${label}: create`)
    t.equal((await call(app, { url: '/v1/webhooks', as: who })).status, 403, `${label}: list`)
    t.equal((await call(app, { url: '/v1/webhooks/deliveries?status=dead', as: who })).status, 403, `${label}: deliveries`)
    t.equal((await call(app, { method: 'DELETE', url: `/v1/webhooks/${office}`, as: who })).status, 403, `${label}: delete`)
  }
  t.equal((await call(app, { url: '/v1/webhooks' })).status, 401)
  t.equal(await count(), 1, 'nothing created or removed')

  // The iservice client: its own subscriptions only; nmno's is a 404 to it.
  const mine = await call(app, { method: 'POST', url: '/v1/webhooks', as: ISERVICE, body: { url: `${rx.url}/svc`, events: ['engagement_requested'] } })
  t.equal(mine.status, 201)
  t.same((await call(app, { url: '/v1/webhooks', as: ISERVICE })).body.items.map((w: any) => w.id), [mine.body.id])
  t.equal((await call(app, { url: '/v1/webhooks', as: NMNO })).body.items.length, 2, 'nmno sees both')
  t.equal((await call(app, { method: 'DELETE', url: `/v1/webhooks/${office}`, as: ISERVICE })).status, 404)
  t.equal((await call(app, { method: 'DELETE', url: `/v1/webhooks/${crypto.randomUUID()}`, as: NMNO })).status, 404)
  t.equal(await count(), 2)
  // Its deliveries carry the notification id and times (they are in what it receives); never a recipient.
  await call(app, { method: 'POST', url: '/v1/engagements', as: as('WHM7', 'manager'), body: { ambassadorId: amb.id, ...REQUEST } })
  const svc = (await call(app, { url: '/v1/webhooks/deliveries', as: ISERVICE })).body.items
  t.equal(svc.length, 1)
  t.ok(svc[0].notificationId && svc[0].createdAt, 'notification id and time')
  t.notMatch(JSON.stringify(svc), new RegExp(`${amb.me.sub}|WHM7`))
  // Removing a subscription drops its undelivered messages; nmno may remove the client's.
  t.equal((await call(app, { method: 'DELETE', url: `/v1/webhooks/${mine.body.id}`, as: NMNO })).status, 204)
  t.same((await call(app, { url: '/v1/webhooks/deliveries', as: ISERVICE })).body.items, [])
  t.equal((await sql<{ n: number }>`SELECT count(*)::int AS n FROM webhook_deliveries`.execute(db)).rows[0].n, 1, 'nmno’s own delivery stays')
})

t.test('the receiver’s URL and events are checked; nothing is stored on a refusal', async (t) => {
  const { app, db } = await build(t)
  const bad: [string, unknown][] = [
    ['ftp scheme', { url: 'ftp://example.org/hook', events: ['*'] }],
    ['credentials', { url: 'https://user:pw@example.org/hook', events: ['*'] }],
    ['fragment', { url: 'https://example.org/hook#x', events: ['*'] }],
    ['too long', { url: `https://example.org/${'a'.repeat(2100)}`, events: ['*'] }],
    ['not a URL', { url: 'not a url at all', events: ['*'] }],
    ['no events', { url: 'https://example.org/hook', events: [] }],
    ['unknown kind', { url: 'https://example.org/hook', events: ['crisis_escalation'] }],
    ['unknown field', { url: 'https://example.org/hook', events: ['*'], secret: 'whsec_mine' }],
  ]
  for (const [label, body] of bad) {
    const res = await call(app, { method: 'POST', url: '/v1/webhooks', as: NMNO, body })
    t.equal(res.status, 400, label)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', `${label}: a problem document`)
  }
  const fr = await call(app, { method: 'POST', url: '/v1/webhooks', as: NMNO, body: { url: 'ftp://example.org/hook', events: ['*'] }, headers: { 'accept-language': 'fr' } })
  t.match(fr.body.detail, /https/)
  t.equal((await sql<{ n: number }>`SELECT count(*)::int AS n FROM webhook_subscriptions`.execute(db)).rows[0].n, 0)
  // Outside production http is accepted (the tests' receiver); in production only https, and no internal address.
  t.equal(checkReceiverUrl('http://127.0.0.1:47200/h', 'test'), 'http://127.0.0.1:47200/h')
  t.throws(() => checkReceiverUrl('http://relay.example.org/h', 'production'), { code: 'validation-failed' })
  t.throws(() => checkReceiverUrl('https://127.0.0.1/h', 'production'), { code: 'validation-failed' })
  t.throws(() => checkReceiverUrl('https://[::1]/h', 'production'), { code: 'validation-failed' })
  t.equal(checkReceiverUrl('https://relay.example.org/h', 'production'), 'https://relay.example.org/h')
})

t.test('the number of subscriptions is capped, under concurrency too', { skip: !usingServer && 'PostgreSQL only (concurrent transactions)' }, async (t) => {
  const { app, db } = await build(t)
  const body = { url: 'https://relay.example.org/hook', events: ['*'] }
  for (let i = 0; i < 18; i++) t.equal((await call(app, { method: 'POST', url: '/v1/webhooks', as: NMNO, body })).status, 201)
  const results = await Promise.all(Array.from({ length: 6 }, () => call(app, { method: 'POST', url: '/v1/webhooks', as: NMNO, body })))
  t.same(results.map((r) => r.status).sort(), [201, 201, 409, 409, 409, 409], 'two places left: two of six')
  t.equal((await sql<{ n: number }>`SELECT count(*)::int AS n FROM webhook_subscriptions`.execute(db)).rows[0].n, 20)
})

t.test('replicas sending at once send each delivery once (SKIP LOCKED)', { skip: !usingServer && 'PostgreSQL only (concurrent transactions)' }, async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'WH06', { capacity: 5 })
  const rx = await receiver(t)
  const created = await call(app, { method: 'POST', url: '/v1/webhooks', as: NMNO, body: { url: rx.url, events: ['engagement_requested'] } })
  rx.useSecret(created.body.secret)
  for (let i = 1; i <= 5; i++) await call(app, { method: 'POST', url: '/v1/engagements', as: as(`WHR${i}`, 'manager'), body: { ambassadorId: amb.id, ...REQUEST } })
  const replicas = await replicasOf(t, db, 3)
  const runs = await Promise.all(replicas.flatMap((r) => [deliverWebhooks(r, { ...FAST, batch: 2 }), deliverWebhooks(r, { ...FAST, batch: 2 })]))
  const rest = await deliverWebhooks(db, FAST)
  t.equal(runs.reduce((n, r) => n + r.delivered, 0) + rest.delivered, 5, 'five delivered in all')
  t.equal(rx.got.length, 5, 'each sent once')
  t.equal(new Set(rx.got.map((r) => r.headers['webhook-id'])).size, 5)
  t.ok(rx.got.every((r) => r.verified))
})

t.test('a purge takes the engagement’s undelivered webhooks with its notifications (RET-2)', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'WH07')
  const m = as('WHM8', 'manager')
  await call(app, { method: 'POST', url: '/v1/webhooks', as: NMNO, body: { url: 'https://relay.example.org/hook', events: ['*'] } })
  const e = (await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST } })).body.id
  t.equal((await call(app, { method: 'POST', url: `/v1/engagements/${e}/withdraw`, as: m, body: {} })).status, 200)
  const pending = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM webhook_deliveries`.execute(db)).rows[0].n
  t.ok((await pending()) > 0, 'the request’s notice waits in the outbox')
  t.equal((await call(app, { method: 'DELETE', url: `/v1/engagements/${e}`, as: m })).status, 204)
  t.equal(await pending(), 0, 'gone with the notifications it would have announced')
})
