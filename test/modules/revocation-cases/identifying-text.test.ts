// REV-1 (#11, finding 9): a revocation summary or findings naming a known employee is refused,
// whatever the case, spacing, punctuation or look-alike characters; the Ambassador the case is
// about may be named, and ordinary words are not mistaken for references.
import t from 'tap'
import { NMNO, activeAmbassador, build, call } from '../../helper.ts'

t.test('a known employee is found however the reference is written', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'Amb-0042')
  const lines = [{ employeeRef: 'Em12345', supervisorRef: 'SUP-778', orgUnit: 'Ops' }, { employeeRef: 'anne', supervisorRef: 'SUP-778', orgUnit: 'Ops' }]
  t.equal((await call(app, { method: 'PUT', url: '/v1/org/reporting-lines', as: NMNO, body: { items: lines } })).status, 200)
  const open = (summary: string) => call(app, { method: 'POST', url: '/v1/revocation-cases', as: NMNO, body: { ambassadorId: amb.id, grounds: ['absenteeism'], summary } })

  for (const summary of [
    'Raised by Em12345.', 'Raised by EM12345.', 'Raised by em12345.', 'Raised by eM12345.',
    'Raised by Em 12345.', 'Raised by E m 1 2 3 4 5.', 'Raised by Em-12-345.', 'Raised by Em.12345.', 'Raised by (em_12345).',
    'Raised by Ｅｍ１２３４５.', 'Raised by Em\u200b12345.', 'Raised by Ém12345.', 'Raised by em\t12345.',
    'Raised by sup778.', 'Raised by SUP 778.', 'Raised by Anne.', 'Raised by ANNE.',
  ]) {
    const res = await open(summary)
    t.same([res.status, res.body.code, res.body.field], [422, 'identifying-text', 'summary'], JSON.stringify(summary))
    // The request id is random (hex digits may spell 778): the rest of the problem is what must not echo.
    const { requestId: _random, ...problem } = res.body
    t.notMatch(JSON.stringify(problem), /12345|778|anne/i, 'the refusal does not echo the reference')
  }
  t.equal((await db.selectFrom('revocationCases').select('id').execute()).length, 0, 'nothing was opened')

  for (const summary of ['Amb-0042 missed the last three network calls.', 'AMB 0042 planned to attend but did not.', 'Missed sessions in 2026, 3 in a row.']) {
    const res = await open(summary)
    t.equal(res.status, 201, `allowed: ${summary}`)
    if (res.status === 201) {
      // Close it again so the next one can be opened (one open case per Ambassador).
      await call(app, { method: 'POST', url: `/v1/revocation-cases/${res.body.id}/findings`, as: NMNO, body: { findings: 'No further facts.' } })
      await call(app, { method: 'POST', url: `/v1/revocation-cases/${res.body.id}/decision`, as: { sub: 'G1', roles: ['governance'] }, body: { decision: 'no_action' } })
    }
  }
  const opened = await open('Reported by Amb-0042 himself.')
  t.equal(opened.status, 201)
  const findings = await call(app, { method: 'POST', url: `/v1/revocation-cases/${opened.body.id}/findings`, as: NMNO, body: { findings: 'Confirmed by e-m-1-2-3-4-5.' } })
  t.same([findings.status, findings.body.code, findings.body.field], [422, 'identifying-text', 'findings'], 'the findings too')
})
