// SPEC §4: the OpenAPI 3.1 document is generated from the route schemas and committed.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { problemTypes } from '../src/errors/problems.ts'
import { CLIENT_TYPES_PATH, generateClientTypes, generateOpenApi } from '../src/openapi-document.ts'
import { build, call } from './helper.ts'

const committedPath = new URL('../openapi/openapi.json', import.meta.url)

t.test('§4 the committed openapi/openapi.json is what the code generates', async (t) => {
  const generated = await generateOpenApi()
  const committed = readFileSync(committedPath, 'utf8')
  t.ok(generated === committed, 'openapi/openapi.json is out of date: run `npm run openapi` and commit it')
  const types = await generateClientTypes(generated)
  t.ok(types === readFileSync(CLIENT_TYPES_PATH, 'utf8'), 'clients/typescript/schema.d.ts is out of date: run `npm run openapi` and commit it')
})

t.test('§4 every operation has an operationId, tags and a summary; operationIds are unique', async (t) => {
  const doc = JSON.parse(await generateOpenApi())
  t.match(doc.openapi, /^3\.1\./)
  const ids = new Set<string>()
  let count = 0
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue
      count++
      const where = `${method.toUpperCase()} ${path}`
      t.ok(op.operationId, `${where}: operationId`)
      t.ok(Array.isArray(op.tags) && op.tags.length > 0, `${where}: tags`)
      t.ok(op.summary, `${where}: summary`)
      t.ok(typeof op.description === 'string' && op.description.length > 20, `${where}: description`)
      t.notOk(ids.has(op.operationId), `${where}: operationId ${op.operationId} is unique`)
      ids.add(op.operationId)
    }
  }
  t.ok(count > 5, `${count} operations`)
})

t.test('#16 the contract documents the headers and problems clients meet', async (t) => {
  const doc = JSON.parse(await generateOpenApi())
  const refs = (list: { $ref?: string }[] | undefined) => (list ?? []).map((p) => p.$ref?.split('/').pop())
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      const where = `${method.toUpperCase()} ${path}`
      const params = refs(op.parameters)
      t.ok(params.includes('XRequestId') && params.includes('AcceptLanguage'), `${where}: X-Request-Id and Accept-Language parameters`)
      const isPublic = Array.isArray(op.security) && op.security.length === 0
      t.equal(params.includes('IdempotencyKey'), method === 'post' && !isPublic, `${where}: Idempotency-Key on authenticated POSTs only`)
      t.ok(op.responses['406'], `${where}: 406`)
      if (method !== 'get') t.ok(op.responses['413'] && op.responses['415'], `${where}: 413 and 415`)
      if (!path.startsWith('/health/')) t.ok(op.responses['429']?.headers?.['Retry-After'], `${where}: 429 with Retry-After`)
      for (const [status, response] of Object.entries<any>(op.responses)) {
        t.ok(response.headers?.['X-Request-Id'], `${where} ${status}: X-Request-Id`)
        if (/^[24]/.test(status) && !path.startsWith('/health/')) t.ok(response.headers?.['X-RateLimit-Limit'], `${where} ${status}: rate-limit headers`)
      }
      if (op.parameters?.some((p: any) => p.name === 'if-match')) t.ok(op.responses['412'], `${where}: If-Match → 412`)
    }
  }
  t.ok(doc.paths['/v1/engagements'].post.responses['201'].headers.Location, 'Location on the 201 of a request')
  t.ok(doc.paths['/v1/engagements/{id}'].get.responses['200'].headers.ETag, 'ETag on a single resource')
  t.ok(refs(doc.paths['/v1/ambassadors'].get.parameters).includes('IfNoneMatch'), 'If-None-Match on the directory')
  const csv = doc.paths['/v1/stats/program'].get.responses['200'].content['text/csv']
  t.equal(csv?.schema?.type, 'string', 'the CSV answer of statistics is its own content')
})

t.test('§4 the Problem schema lists every problem code', async (t) => {
  const doc = JSON.parse(await generateOpenApi())
  const problem = doc.components?.schemas?.Problem
  t.ok(problem, 'components.schemas.Problem')
  t.same([...problem.properties.code.enum].sort(), Object.keys(problemTypes).sort())
  for (const code of Object.keys(problemTypes)) t.ok(doc.info.description.includes(`\`${code}\``), `${code} is described`)
})

t.test('§4 /openapi.json and /docs are public', async (t) => {
  const { app } = await build(t)
  const res = await call(app, { url: '/openapi.json' })
  t.equal(res.status, 200)
  t.equal(res.body.info.title, 'M2M Network API')
  const docs = await call(app, { url: '/docs' })
  t.ok([200, 301, 302].includes(docs.status), `/docs answers ${docs.status}`)
  const page = await call(app, { url: '/docs/' })
  t.ok([200, 301, 302].includes(page.status), `/docs/ answers ${page.status}`)
  if (docs.status === 200) t.match(docs.headers['content-type'], /text\/html/)
})
