// The identity provider's key set (JWKS), cached as a whole. A token whose `kid` is unknown makes
// at most one refetch per JWT_JWKS_COOLDOWN_S (a key rotated in is found within that time); random
// kids never make one fetch each. The set is refreshed every 10 minutes, and a failed refresh keeps
// the keys already known (the provider being down does not log everyone out).
import { createPublicKey, type JsonWebKeyInput } from 'node:crypto'

export interface JwksOptions {
  url: string
  /** Least time between two fetches caused by an unknown kid. */
  cooldownMs: number
  /** Age after which the set is refetched before use. */
  maxAgeMs?: number
  timeoutMs?: number
}

interface Key { pem: string; alg?: string }

export class UnknownKey extends Error {}

export class KeySet {
  private keys = new Map<string, Key>()
  private fetchedAt = 0
  private lastAttempt = Number.NEGATIVE_INFINITY
  private inflight: Promise<void> | undefined
  /** Fetches made (tests and logs). */
  fetches = 0

  constructor(private readonly opts: JwksOptions) {}

  async publicKey(kid: unknown, alg: unknown): Promise<string> {
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256) throw new UnknownKey('no usable kid')
    const now = Date.now()
    if (now - this.fetchedAt > (this.opts.maxAgeMs ?? 600_000) && now - this.lastAttempt >= this.opts.cooldownMs) await this.refresh().catch(() => {})
    let key = this.keys.get(kid)
    if (!key && Date.now() - this.lastAttempt >= this.opts.cooldownMs) {
      await this.refresh().catch(() => {})
      key = this.keys.get(kid)
    }
    if (!key) throw new UnknownKey('unknown kid')
    if (key.alg && typeof alg === 'string' && key.alg !== alg) throw new UnknownKey('kid of another algorithm')
    return key.pem
  }

  private refresh(): Promise<void> {
    if (this.inflight) return this.inflight
    this.lastAttempt = Date.now()
    this.inflight = this.load().finally(() => { this.inflight = undefined })
    return this.inflight
  }

  private async load(): Promise<void> {
    this.fetches++
    const res = await fetch(this.opts.url, { signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5_000), headers: { accept: 'application/json' } })
    if (!res.ok) throw new Error(`JWKS answered ${res.status}`)
    const body = (await res.json()) as { keys?: unknown } | null
    if (!Array.isArray(body?.keys)) throw new Error('JWKS without keys')
    const keys = new Map<string, Key>()
    for (const jwk of body.keys as (JsonWebKeyInput['key'] & { kid?: unknown; use?: unknown; alg?: unknown } | null)[]) {
      if (typeof jwk?.kid !== 'string' || (jwk.use !== undefined && jwk.use !== 'sig')) continue
      try {
        const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString()
        keys.set(jwk.kid, { pem, ...(typeof jwk.alg === 'string' ? { alg: jwk.alg } : {}) })
      } catch {
        // A key this runtime cannot read is skipped, not fatal for the others.
      }
    }
    this.keys = keys
    this.fetchedAt = Date.now()
  }
}
