// The policies at run time. Each module defines its actions (definePolicy in its policy.ts);
// policy/actions.ts, the composition root imported by the entry points (app.ts, the jobs, the
// scripts), gathers them and registers them here. authorize() looks its action up here, so the
// policy layer imports no module: modules import authorize, never the other way round (#13 item 6).
import type { AuditAs } from './define.ts'

/** What the registry needs to know of a policy; authorize() reads the rest (its check, its options). */
type AnyPolicy = { readonly summary: string; readonly auditAs: AuditAs }

const registry = new Map<string, AnyPolicy>()

export function registerPolicies(policies: Record<string, AnyPolicy>): void {
  for (const [name, policy] of Object.entries(policies)) {
    const known = registry.get(name)
    if (known && known !== policy) throw new Error(`policy registry: ${name} is defined twice`)
    registry.set(name, policy)
  }
}

/** The policy of a registered action, or undefined (an unknown action is denied). */
export function policyOf(name: unknown): AnyPolicy | undefined {
  if (typeof name !== 'string') return undefined
  if (registry.size === 0) throw new Error('policy registry: no policy registered (import policy/actions.ts in the entry point)')
  return registry.get(name)
}
