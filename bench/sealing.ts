// `npm run bench:sealing` (also the last part of `npm run bench`): what sealing an engagement's
// free text costs a write (#11 finding 7; "Done when": under 10 % more than without).
//
// The write measured is a goal's creation through the API (POST /v1/engagements/{id}/goals: the
// policy locks the engagement, the goal is inserted, the audit event appended), sequentially, on a
// real PostgreSQL. What sealing adds to it is measured apart, in the same run:
//   - the cryptography of one write: unwrapping the engagement's data key, sealing the goal's
//     fields (AES-256-GCM), opening the stored row for the answer;
//   - the database's share: the wrapped key read with the engagement lock (a subquery of the same
//     statement) and the longer sealed values inserted, each against its plain twin.
// The ratio reported is (added cost) / (the API write as it is now, sealing included), so it is an
// upper bound on "more than without".
//   BENCH_DATABASE_URL  server (default postgres://postgres@127.0.0.1:5432/postgres); a database
//                       m2m_bench_<random> is created on it and dropped at the end.
//   BENCH_SEALING_WRITES  API writes measured (default 1500)
import { randomBytes } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import pg from 'pg'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createDatabase } from '../src/db/database.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { newDataKey, useKeys } from '../src/shared/crypto.ts'
import { openFields, sealFields } from '../src/shared/engagement-keys.ts'
import { GOAL_TEXT } from '../src/modules/engagements/repository.ts'
import { unwrapDataKey } from '../src/shared/crypto.ts'
import { admin, urlFor } from './server.ts'

const WRITES = Number(process.env.BENCH_SEALING_WRITES || 1500)
const SECRET = `bench-${randomBytes(24).toString('hex')}`
const GOAL = {
  title: 'Prepare the return-to-work conversation with my employee',
  benefitsToYou: 'A clear plan, and less worry about saying the wrong thing. '.repeat(3),
  barriers: 'Limited time this month; the employee prefers short meetings. '.repeat(3),
}

const perOp = async (n: number, fn: (i: number) => unknown) => {
  const t0 = performance.now()
  for (let i = 0; i < n; i++) await fn(i)
  return ((performance.now() - t0) / n) * 1000 // µs
}

async function main() {
  const dbName = `m2m_bench_${randomBytes(6).toString('hex')}`
  await admin(`CREATE DATABASE ${dbName}`)
  const dbUrl = urlFor(dbName)
  const pool = new pg.Pool({ connectionString: dbUrl, max: 2 })
  let app: Awaited<ReturnType<typeof buildApp>> | undefined
  try {
    const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: SECRET, LOG_LEVEL: 'silent', DATABASE_URL: dbUrl, RATE_LIMIT_MAX: '1000000' })
    const { db } = createDatabase(config)
    await migrateToLatest(db)
    app = await buildApp({ config, db })
    app.addHook('onClose', async () => db.destroy())
    const sign = createSigner({ key: SECRET, algorithm: 'HS256', expiresIn: 3600_000 })
    const managerToken = sign({ sub: 'E-bench-manager', roles: ['manager'] })
    const ambassadorToken = sign({ sub: 'E-bench-ambassador', roles: ['manager'] })

    const amb = await pool.query(`INSERT INTO ambassadors (employee_ref, display_name, languages, modes, topics, capacity, status, term_start, term_end,
        guidelines_version, guidelines_accepted_at)
      VALUES ('E-bench-ambassador', 'Bench Ambassador', '{en}', '{video}', '{team_impact}', 3, 'active', now(), now() + interval '2 years', 1, now()) RETURNING id`)
    const inject = (token: string, url: string, payload: unknown) =>
      app!.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: payload as any })
    await inject(managerToken, '/v1/me/engagement-terms-acceptance', { version: 1 })
    const created = await inject(managerToken, '/v1/engagements', {
      ambassadorId: amb.rows[0].id, language: 'en', preferredModes: ['video'], urgency: 'routine', topics: ['team_impact'], aboutMyEmployee: true,
    })
    const engagementId = created.json().id
    const accepted = await inject(ambassadorToken, `/v1/engagements/${engagementId}/accept`, {})
    if (created.statusCode !== 201 || accepted.statusCode !== 200) throw new Error(`setup: ${created.statusCode} ${accepted.statusCode} ${accepted.body}`)

    // 1. The write through the API, as it is now (sealing included).
    const goal = async () => {
      const r = await inject(managerToken, `/v1/engagements/${engagementId}/goals`, GOAL)
      if (r.statusCode !== 201) throw new Error(`goal: ${r.statusCode} ${r.body}`)
    }
    await perOp(200, goal) // warm-up
    const apiWrite = await perOp(WRITES, goal)

    // 2. The cryptography of one write.
    useKeys(config)
    const { wrapped } = newDataKey()
    const crypto = await perOp(20_000, () => {
      const key = unwrapDataKey(wrapped)
      const sealed = sealFields(key, 'goals', { ...GOAL, benefitsToOrganisation: null, externalResources: null, progressMeasures: null }, GOAL_TEXT)
      return openFields(key, 'goals', sealed, GOAL_TEXT)
    })
    const key = unwrapDataKey(wrapped)
    const sealedGoal = sealFields(key, 'goals', { ...GOAL }, ['title', 'benefitsToYou', 'barriers'])

    // 3. The database's share: the same statements with and without what sealing adds.
    const insert = (g: typeof GOAL) => () => pool.query(
      'INSERT INTO goals (engagement_id, title, benefits_to_you, barriers) VALUES ($1, $2, $3, $4)', [engagementId, g.title, g.benefitsToYou, g.barriers])
    const lockPlain = () => pool.query('SELECT e.id FROM engagements e WHERE e.id = $1', [engagementId])
    const lockWithKey = () => pool.query('SELECT e.id, (SELECT k.wrapped_key FROM engagement_keys k WHERE k.engagement_id = e.id) AS wrapped_key FROM engagements e WHERE e.id = $1', [engagementId])
    await perOp(300, insert(GOAL))
    const n = 2000
    const insertPlain = await perOp(n, insert(GOAL))
    const insertSealed = await perOp(n, insert(sealedGoal))
    const insertPlain2 = await perOp(n, insert(GOAL))
    const selPlain = await perOp(n, lockPlain)
    const selKey = await perOp(n, lockWithKey)
    const selPlain2 = await perOp(n, lockPlain)
    const dInsert = Math.max(0, insertSealed - (insertPlain + insertPlain2) / 2)
    const dSelect = Math.max(0, selKey - (selPlain + selPlain2) / 2)
    const added = crypto + dInsert + dSelect

    const f = (us: number) => `${us.toFixed(1)} µs`
    console.log(`\nSealing an engagement's free text (#11 finding 7), ${WRITES} goal writes through the API`)
    console.log(`  API write (POST /goals, sealing included)   ${f(apiWrite)}`)
    console.log(`  cryptography of one write (unwrap, seal, open) ${f(crypto)}`)
    console.log(`  database: sealed vs plain insert             +${f(dInsert)} (${f(insertSealed)} vs ${f((insertPlain + insertPlain2) / 2)})`)
    console.log(`  database: key read with the engagement lock  +${f(dSelect)} (${f(selKey)} vs ${f((selPlain + selPlain2) / 2)})`)
    console.log(`  added by sealing / write                     ${(added / apiWrite * 100).toFixed(1)} % (target < 10 %)`)
  } finally {
    await app?.close()
    await pool.end()
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((err) => console.error(`could not drop ${dbName}:`, err))
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
