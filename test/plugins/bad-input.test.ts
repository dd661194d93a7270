// #12 item 5: every bad input is a 4xx problem. NUL characters, dates outside 0001..9999, an Accept
// the route cannot produce (406), an undeclared content type (415), and — through a real listening
// server and a raw socket, which inject cannot fake — an over-long path parameter (414), a bad URL,
// an unparsable request and a body shorter than its Content-Length (408/400, logged without a stack).
import net from 'node:net'
import t, { type Test } from 'tap'
import { GOVERNANCE, NMNO, as, build, call, tokenFor } from '../helper.ts'

const PORT = 3851
type Res = Awaited<ReturnType<typeof call>>
function assertProblem(t: Test, res: Res, status: number, code: string) {
  t.equal(res.status, status, `status ${status}`)
  t.equal(res.body?.code, code, `code ${code}`)
  t.match(res.headers['content-type'], /^application\/problem\+json/, 'application/problem+json')
}

t.test('bad input through inject', async (t) => {
  const { app } = await build(t)
  const me = as('BI1', 'manager')
  const noApplication = async (t: Test) => {
    const res = await call(app, { url: '/v1/me', as: me })
    t.equal(res.body.application, null, 'nothing was created')
  }

  t.test('NUL in a body string, an array element, a key or a query parameter → 400 naming it', async (t) => {
    const res = await call(app, { method: 'POST', url: '/v1/ambassadors', as: me, body: { displayName: 'Nul\u0000Byte' } })
    assertProblem(t, res, 400, 'validation-failed')
    t.same(res.body.errors, [{ path: '/body/displayName', message: 'must not contain U+0000' }])
    const nested = await call(app, { method: 'POST', url: '/v1/ambassadors', as: me, body: { displayName: 'Nested', bio: { en: 'a\u0000', fr: 'ok' } } })
    assertProblem(t, nested, 400, 'validation-failed')
    t.same(nested.body.errors.map((e: any) => e.path), ['/body/bio/en'])
    const inArray = await call(app, { method: 'POST', url: '/v1/ambassadors', as: me, body: { displayName: 'Arr', languages: ['en\u0000'] } })
    assertProblem(t, inArray, 400, 'validation-failed')
    const key = await call(app, { method: 'POST', url: '/v1/ambassadors', as: me, body: { displayName: 'Key', 'x\u0000': 1 } })
    assertProblem(t, key, 400, 'validation-failed')
    await noApplication(t)
    const query = await call(app, { url: '/v1/audit/events?actorRef=E1%00x', as: GOVERNANCE })
    assertProblem(t, query, 400, 'validation-failed')
    t.same(query.body.errors, [{ path: '/querystring/actorRef', message: 'must not contain U+0000' }])
    const fr = await call(app, { url: '/v1/audit/events?actorRef=%00', as: GOVERNANCE, headers: { 'accept-language': 'fr' } })
    t.match(fr.body.detail, /caractère NUL/)
  })

  t.test('dates outside the years 0001..9999 → 400, in the body and in the query', async (t) => {
    for (const from of ['0000-01-01T00:00:00Z', '10000-01-01T00:00:00Z', '9999-12-31T23:00:00-05:00', '0001-01-01T00:00:00+01:00']) {
      const res = await call(app, { url: `/v1/audit/events?from=${encodeURIComponent(from)}`, as: GOVERNANCE })
      assertProblem(t, res, 400, 'validation-failed')
      t.same(res.body.errors.map((e: any) => e.path), ['/querystring/from'], from)
    }
    t.equal((await call(app, { url: '/v1/audit/events?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z', as: GOVERNANCE })).status, 200, 'the bounds themselves are fine')
    const created = await call(app, { method: 'POST', url: '/v1/ambassadors', as: as('BI2', 'manager'), body: { displayName: 'Dated' } })
    for (const on of ['0000-01-15', '10000-01-15', '2026-02-30']) {
      const res = await call(app, { method: 'POST', url: `/v1/ambassadors/${created.body.id}/training-records`, as: NMNO, body: { kind: 'orientation_part', part: 1, on, attended: true, language: 'en' } })
      assertProblem(t, res, 400, 'validation-failed')
      t.same(res.body.errors?.map((e: any) => e.path), ['/body/on'], on)
    }
  })

  t.test('Accept excluding what the route produces → 406; wildcards and CSV on statistics still work', async (t) => {
    for (const accept of ['application/xml', 'text/csv', 'text/html', 'application/json;q=0, */*;q=0']) {
      const res = await call(app, { url: '/v1/me', as: me, headers: { accept } })
      assertProblem(t, res, 406, 'not-acceptable')
      t.equal(res.headers['x-content-type-options'], 'nosniff', 'security headers on a 406')
    }
    for (const accept of ['*/*', 'application/*', 'application/json', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', '']) {
      t.equal((await call(app, { url: '/v1/me', as: me, headers: { accept } })).status, 200, `Accept: ${accept}`)
    }
    const HR = as('H1', 'hr_analyst')
    const csv = await call(app, { url: '/v1/stats/program', as: HR, headers: { accept: 'text/csv' } })
    t.equal(csv.status, 200)
    t.match(csv.headers['content-type'], /^text\/csv/)
    const notCsv = await call(app, { url: '/v1/stats/program', as: HR, headers: { accept: 'text/csv;q=0, application/json' } })
    t.match(notCsv.headers['content-type'], /^application\/json/, 'text/csv;q=0 is a refusal of CSV')
    assertProblem(t, await call(app, { url: '/v1/stats/program', as: HR, headers: { accept: 'application/xml' } }), 406, 'not-acceptable')
    t.equal((await call(app, { url: '/health/live', headers: { accept: 'application/json' } })).status, 200)
  })

  t.test('an undeclared content type → 415, nothing created', async (t) => {
    for (const type of ['application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'text/json', undefined]) {
      const res = await app.inject({ method: 'POST', url: '/v1/ambassadors', headers: { authorization: `Bearer ${tokenFor(me)}`, ...(type ? { 'content-type': type } : {}) }, payload: '{"displayName":"Typed"}' })
      t.equal(res.statusCode, 415, `${type}`)
      t.match(res.headers['content-type'], /^application\/problem\+json/)
      t.equal(res.json().code, 'unsupported-media-type')
    }
    await noApplication(t)
  })
})

/** Writes `request` on a raw socket and gathers what comes back until the server closes or `ms` pass. */
function raw(request: string, opts: { halfClose?: boolean; ms?: number } = {}): Promise<{ text: string; status: number; headers: Record<string, string>; body: any; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(PORT, '127.0.0.1', () => {
      socket.write(request)
      if (opts.halfClose) socket.end()
    })
    let text = ''
    let closed = false
    const finish = () => {
      const [head = '', body = ''] = text.split('\r\n\r\n')
      const [statusLine = '', ...lines] = head.split('\r\n')
      const headers: Record<string, string> = {}
      for (const l of lines) { const i = l.indexOf(':'); if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim() }
      let json: any
      try { json = JSON.parse(body) } catch { json = undefined }
      resolve({ text, status: Number(statusLine.split(' ')[1]), headers, body: json, closed })
    }
    const timer = setTimeout(() => { socket.destroy(); finish() }, opts.ms ?? 20_000)
    socket.on('data', (d: Buffer) => { text += d.toString() })
    socket.on('error', reject)
    socket.on('close', () => { closed = true; clearTimeout(timer); finish() })
  })
}

t.test('bad input on a real socket', async (t) => {
  const { app, logs } = await build(t, { captureLogs: true, env: { REQUEST_TIMEOUT_MS: '2000' } })
  await app.listen({ port: PORT, host: '127.0.0.1' })
  const me = as('BI9', 'manager')
  const auth = `Authorization: Bearer ${tokenFor(me)}\r\n`
  const reference = await raw(`GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
  const securityHeaders = Object.keys(reference.headers).filter((h) => /^(content-security-policy|strict-transport-security|x-content-type-options|x-frame-options|cross-origin-|referrer-policy)/.test(h)).sort()
  t.ok(securityHeaders.length >= 6, `reference security headers: ${securityHeaders.join(', ')}`)
  const problemLike = (t: Test, res: Awaited<ReturnType<typeof raw>>, status: number, code: string) => {
    t.equal(res.status, status, `status ${status}`)
    t.match(res.headers['content-type'], /^application\/problem\+json/, 'problem+json')
    t.equal(res.body?.code, code, `code ${code}`)
    t.equal(res.body?.status, status)
    for (const h of securityHeaders) t.equal(res.headers[h], reference.headers[h], `${h} as on a 200`)
  }
  const errorLogs = () => logs.filter((l) => { const o = JSON.parse(l); return o.level >= 50 || 'stack' in (o.err ?? {}) })

  t.test('an over-long path parameter → 414 problem', async (t) => {
    const res = await raw(`GET /v1/ambassadors/${'a'.repeat(300)} HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`)
    problemLike(t, res, 414, 'uri-too-long')
    t.notMatch(res.text, /FST_ERR/, 'not Fastify’s own JSON')
  })

  t.test('a URL with bad percent-encoding → 400 problem', async (t) => {
    problemLike(t, await raw(`GET /v1/ambassadors/%zz HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`), 400, 'validation-failed')
  })

  t.test('an unparsable request → 400 problem, and headers too large → 431 problem', async (t) => {
    problemLike(t, await raw(`GARBAGE\r\n\r\n`), 400, 'malformed-body')
    problemLike(t, await raw(`GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`), 431, 'headers-too-large')
  })

  t.test('a body shorter than its Content-Length → 408 problem (not a 503), logged at info without a stack', async (t) => {
    const before = logs.length
    const started = Date.now()
    const res = await raw(`POST /v1/ambassadors HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"displayName":`)
    problemLike(t, res, 408, 'request-timeout')
    t.ok(res.closed, 'the connection is closed (the rest of the body is never read)')
    t.ok(Date.now() - started < 15_000, `answered after ${Date.now() - started} ms (REQUEST_TIMEOUT_MS 2000)`)
    const mine = logs.slice(before).map((l) => JSON.parse(l))
    t.ok(mine.some((o) => o.level === 30 && o.code === 'request-timeout'), 'one info line')
    t.same(errorLogs(), [], 'no error, no stack')
  })

  t.test('a client that half-closes before the announced body → nothing logged as an error, nothing created', async (t) => {
    const res = await raw(`POST /v1/ambassadors HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"displayName":"Half"}`, { halfClose: true })
    t.not(res.status, 503)
    await new Promise((r) => setTimeout(r, 200))
    t.same(errorLogs(), [], 'no error, no stack')
    t.equal((await call(app, { url: '/v1/me', as: me })).body.application, null)
  })
})
