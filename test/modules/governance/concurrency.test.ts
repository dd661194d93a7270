// #15 on PostgreSQL: concurrent governance writes. Two decisions on one recommendation with the same
// ETag: one wins; two approvals of two proposals: consecutive versions; two releases of one month's
// comments: one batch, nobody gets a comment twice.
import t from 'tap'
import { GOVERNANCE, NMNO, build, call, usingServer } from '../../helper.ts'
import { holdComment } from '../../../src/modules/surveys/repository.ts'

t.test('concurrent governance writes', { skip: usingServer ? false : 'row locks and parallel transactions need a PostgreSQL server (TEST_DATABASE_URL); PGlite runs one connection' }, async (t) => {
  const { app, db } = await build(t, { env: { STATS_MIN_CELL: '5' } })

  t.test('two decisions with the same ETag: exactly one is applied', async (t) => {
    const rec = await call(app, { method: 'POST', url: '/v1/governance/recommendations', as: GOVERNANCE, body: { title: 'T', body: 'B', audience: 'ambassadors' } })
    const url = `/v1/governance/recommendations/${rec.body.id}/transitions`
    const etag = rec.headers.etag as string
    const results = await Promise.all([
      call(app, { method: 'POST', url, as: GOVERNANCE, headers: { 'if-match': etag }, body: { to: 'accepted' } }),
      call(app, { method: 'POST', url, as: GOVERNANCE, headers: { 'if-match': etag }, body: { to: 'rejected', reason: 'No.' } }),
    ])
    t.same(results.map((r) => r.status).sort(), [200, 412])
    const log = (await call(app, { url: '/v1/governance/decisions?kind=recommendation', as: GOVERNANCE })).body.items
    t.equal(log.length, 1, 'one decision in the log')
  })

  t.test('two approvals at once get consecutive versions', async (t) => {
    const v1 = (await call(app, { url: '/v1/surveys/instruments/current?audience=ambassador', as: NMNO })).body.questions
    const ids: string[] = []
    for (let i = 0; i < 2; i++) ids.push((await call(app, { method: 'POST', url: '/v1/surveys/instruments', as: NMNO, body: { audience: 'ambassador', questions: v1 } })).body.id)
    const approved = await Promise.all(ids.map((id) => call(app, { method: 'POST', url: `/v1/surveys/instruments/${id}/approval`, as: GOVERNANCE, body: {} })))
    t.same(approved.map((r) => r.status), [200, 200])
    t.same(approved.map((r) => r.body.version).sort(), [2, 3])
  })

  t.test('two releases of one month’s comments: one batch', async (t) => {
    const period = new Date().toISOString().slice(0, 7)
    await db.transaction().execute(async (trx) => { for (let i = 0; i < 6; i++) await holdComment(trx, 'manager', period, `Comment ${i}.`) })
    const results = await Promise.all([0, 1, 2].map(() => call(app, { method: 'POST', url: '/v1/governance/comment-batches', as: GOVERNANCE, body: { period } })))
    t.same(results.map((r) => r.status).sort(), [201, 409, 409])
    const batches = await db.selectFrom('surveyCommentBatches').selectAll().execute()
    t.equal(batches.length, 1)
    t.equal(batches[0].comments.length, 6)
  })
})
