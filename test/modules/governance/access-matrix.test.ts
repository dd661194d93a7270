// #15: the role × route matrix of the governance, program, instrument and pilot routes. Governance
// writes reviews and recommendations and decides them; nmno reports progress, keeps milestones and
// proposes instruments; HR reads only the pilot dashboard's HR subset; every other role is refused,
// and a refused call changes nothing.
import { sql } from 'kysely'
import t from 'tap'
import { GOVERNANCE, HR, ISERVICE, NMNO, activeAmbassador, as, build, call, type Principal } from '../../helper.ts'

type Who = 'manager' | 'ambassador' | 'nmno' | 'governance' | 'hr_analyst' | 'iservice'
const ALL: Who[] = ['manager', 'ambassador', 'nmno', 'governance', 'hr_analyst', 'iservice']

t.test('governance and pilot routes × roles', async (t) => {
  const { app, db } = await build(t)
  const amb = await activeAmbassador(app, 'MX01')
  const principals: Record<Who, Principal> = { manager: as('MXM1', 'manager'), ambassador: amb.me, nmno: NMNO, governance: GOVERNANCE, hr_analyst: HR, iservice: ISERVICE }
  const review = (await call(app, { method: 'POST', url: '/v1/governance/reviews', as: GOVERNANCE, body: { title: 'R', scope: 'program', period: { from: '2026-01-01', to: '2026-02-01' } } })).body.id
  const rec = (await call(app, { method: 'POST', url: '/v1/governance/recommendations', as: GOVERNANCE, body: { title: 'T', body: 'B', audience: 'all' } })).body.id
  const milestone = (await call(app, { method: 'POST', url: '/v1/program/milestones', as: NMNO, body: { title: 'M', dueOn: '2026-05-01' } })).body.id
  const v1 = (await call(app, { url: '/v1/surveys/instruments/current?audience=manager', as: NMNO })).body
  const proposal = (await call(app, { method: 'POST', url: '/v1/surveys/instruments', as: NMNO, body: { audience: 'manager', questions: v1.questions } })).body.id

  // [method, url, body, roles that pass the role check]
  const routes: [string, string, unknown, Who[]][] = [
    ['POST', '/v1/governance/reviews', { title: 'x', scope: 'program', period: { from: '2026-01-01', to: '2026-01-02' } }, ['governance']],
    ['GET', '/v1/governance/reviews', undefined, ['governance', 'nmno']],
    ['GET', `/v1/governance/reviews/${review}`, undefined, ['governance', 'nmno']],
    ['POST', `/v1/governance/reviews/${review}/meetings`, { heldOn: '2026-01-05', attendees: [{ role: 'governance', count: 1 }], minutes: 'm' }, ['governance']],
    ['POST', `/v1/governance/reviews/${review}/conclusion`, { outcome: 'o' }, ['governance']],
    ['POST', '/v1/governance/recommendations', { title: 'x', body: 'y', audience: 'nmno' }, ['governance']],
    ['GET', '/v1/governance/recommendations', undefined, ['governance', 'nmno']],
    ['GET', `/v1/governance/recommendations/${rec}`, undefined, ['governance', 'nmno']],
    ['POST', `/v1/governance/recommendations/${rec}/transitions`, { to: 'accepted' }, ['governance']],
    ['POST', `/v1/governance/recommendations/${rec}/progress`, { note: 'n' }, ['nmno']],
    ['POST', `/v1/governance/recommendations/${rec}/acknowledgement`, {}, ['manager', 'ambassador']],
    ['GET', `/v1/governance/recommendations/${rec}/pending-acknowledgements`, undefined, ['nmno']],
    ['GET', '/v1/governance/recommendations/published', undefined, ['manager', 'ambassador']],
    ['GET', '/v1/governance/decisions', undefined, ['governance', 'nmno']],
    ['POST', '/v1/governance/comment-batches', { period: '2026-01' }, ['governance']],
    ['GET', '/v1/governance/comment-batches', undefined, ['governance']],
    ['POST', '/v1/program/milestones', { title: 'x', dueOn: '2026-01-01' }, ['nmno', 'governance']],
    ['GET', '/v1/program/milestones', undefined, ['nmno', 'governance']],
    ['GET', `/v1/program/milestones/${milestone}`, undefined, ['nmno', 'governance']],
    ['PATCH', `/v1/program/milestones/${milestone}`, { note: 'n' }, ['nmno', 'governance']],
    ['GET', '/v1/surveys/instruments/current?audience=manager', undefined, ['manager', 'ambassador', 'nmno', 'governance', 'iservice']],
    ['GET', '/v1/surveys/instruments', undefined, ['nmno', 'governance']],
    ['POST', '/v1/surveys/instruments', { audience: 'manager', questions: v1.questions }, ['nmno']],
    ['POST', `/v1/surveys/instruments/${proposal}/approval`, {}, ['governance']],
    ['GET', '/v1/stats/pilot', undefined, ['nmno', 'governance', 'hr_analyst']],
  ]
  const snapshot = async () => (await sql<{ s: string }>`SELECT concat_ws('|',
      (SELECT count(*) FROM governance_reviews), (SELECT count(*) FROM governance_review_meetings), (SELECT string_agg(status || version, ',') FROM governance_reviews),
      (SELECT count(*) FROM governance_recommendations), (SELECT string_agg(status || version, ',') FROM governance_recommendations),
      (SELECT count(*) FROM recommendation_progress), (SELECT count(*) FROM recommendation_acknowledgements),
      (SELECT count(*) FROM program_milestones), (SELECT string_agg(version::text, ',') FROM program_milestones),
      (SELECT count(*) FROM survey_instruments), (SELECT count(*) FROM survey_instruments WHERE version IS NOT NULL), (SELECT count(*) FROM survey_comment_batches)) AS s`.execute(db)).rows[0].s
  const before = await snapshot()
  for (const [method, url, body, allowed] of routes) {
    for (const who of ALL.filter((w) => !allowed.includes(w))) {
      const res = await call(app, { method: method as 'GET', url, as: principals[who], body })
      // A manager reaching an Ambassador-only read answers 404 (not an Ambassador), never the content.
      t.equal(res.status, 403, `${who}: ${method} ${url}`)
    }
    t.equal((await call(app, { method: method as 'GET', url, body })).status, 401, `no token: ${method} ${url}`)
  }
  t.equal(await snapshot(), before, 'no refused call changed anything')
  for (const [method, url, body, allowed] of routes) {
    for (const who of allowed) {
      const res = await call(app, { method: method as 'GET', url, as: principals[who], body })
      t.not(res.status, 403, `${who} passes the role check: ${method} ${url} (${res.status})`)
      t.ok(res.status < 500, `${who}: no 500 on ${method} ${url}`)
    }
  }
})
