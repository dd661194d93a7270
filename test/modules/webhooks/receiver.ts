// A webhook receiver on 127.0.0.1 for the tests (#16): verifies every request with the Standard
// Webhooks Webhook class, answers from a script (e.g. 500, 500, then 200), keeps what it got.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'
import { Webhook } from 'standardwebhooks'

export interface Received { headers: IncomingHttpHeaders; body: string; verified: boolean; payload: any }

/** Ports of this helper's range (47200-47299), tried from a random start; 0 (any) as a last resort. */
async function listenInRange(server: ReturnType<typeof createServer>): Promise<number> {
  const start = Math.floor(Math.random() * 100)
  for (let i = 0; i <= 100; i++) {
    const port = i === 100 ? 0 : 47200 + ((start + i) % 100)
    const ok = await new Promise<boolean>((resolve) => {
      const onError = () => resolve(false)
      server.once('error', onError)
      server.listen(port, '127.0.0.1', () => { server.off('error', onError); resolve(true) })
    })
    if (ok) return (server.address() as AddressInfo).port
  }
  throw new Error('no port')
}

export async function receiver(t: Test, script: (n: number) => number = () => 200) {
  const got: Received[] = []
  let secret = ''
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      let verified = false
      let payload: any
      try {
        payload = new Webhook(secret).verify(body, req.headers as Record<string, string>)
        verified = true
      } catch { /* kept as unverified */ }
      got.push({ headers: req.headers, body, verified, payload })
      res.writeHead(script(got.length)).end('ok')
    })
  })
  const port = await listenInRange(server)
  t.teardown(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()) }))
  return {
    url: `http://127.0.0.1:${port}/hooks/m2m`,
    got,
    /** The secret the 201 answer showed: what the receiver verifies with. */
    useSecret(s: string) { secret = s },
  }
}
