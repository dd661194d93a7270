// The policy boundary, enforced at run time (#13 item 2). Inside a request, a statement that writes
// runs only in a transaction that authorize() has opened for the request's own action: a route, a
// service or a helper that writes past the policy layer (through the plain handle, or in a
// transaction no policy let through) fails with a BoundaryViolation before PostgreSQL sees it.
// Outside requests (jobs, scripts, tests' fixtures) nothing is restricted here: jobs authorize as
// the system actor (jobs/), scripts are operators.
//
// Two stores: the request's (its route and declared action, set by plugins/policy-guard.ts) and the
// transaction's (set by inTransaction around its work; authorize() marks it).
import { AsyncLocalStorage } from 'node:async_hooks'
import {
  AliasNode, DeleteQueryNode, FromNode, InsertQueryNode, MergeQueryNode, RawNode, TableNode, UpdateQueryNode,
  type KyselyPlugin, type OperationNode, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow,
} from 'kysely'

export interface RequestBoundary {
  /** `METHOD /url` of the route, for the error message. */
  readonly route: string
  /** The action the route declares (config.action); undefined for a read route, which writes nothing. */
  readonly action: string | undefined
  /** Further actions the route's handler may authorize (config.alsoAuthorizes). */
  readonly also: readonly string[]
  /** What the handler authorized so far (policy-guard checks the declared action is among them). */
  readonly authorized: Set<string>
  /** Facts a read already resolved in this request (the acting Ambassador, the caller's side of an engagement), reused by the audit of the read; emptied by any write. */
  readonly memo: Map<string, Promise<unknown>>
}

interface TxMark { authorizedFor?: string }

const requestStore = new AsyncLocalStorage<RequestBoundary>()
const txStore = new AsyncLocalStorage<TxMark>()
const marks = new WeakMap<object, TxMark>()

export class BoundaryViolation extends Error {
  constructor(message: string) {
    super(`policy boundary: ${message}`)
    this.name = 'BoundaryViolation'
  }
}

/** Runs fn (and all it awaits) as the request's work. */
export const withinRequest = <T>(boundary: RequestBoundary, fn: () => T): T => requestStore.run(boundary, fn)

export const currentRequest = (): RequestBoundary | undefined => requestStore.getStore()

/**
 * compute() once per request for key (#13 item 8: an identified read resolves the acting Ambassador
 * and the engagement once, not again for its audit event). Outside a request: computed every time.
 */
export function memoInRequest<T>(key: string, compute: () => Promise<T>): Promise<T> {
  const memo = requestStore.getStore()?.memo
  if (!memo) return compute()
  let hit = memo.get(key) as Promise<T> | undefined
  if (!hit) {
    hit = compute()
    memo.set(key, hit)
    hit.catch(() => memo.delete(key))
  }
  return hit
}

/** Runs fn in the scope of transaction trx (inTransaction calls it around the work). */
export function withinTransaction<T>(trx: object, fn: () => T): T {
  let mark = marks.get(trx)
  if (!mark) marks.set(trx, (mark = {}))
  return txStore.run(mark, fn)
}

/**
 * authorize() calls it once the policy allowed `action` in trx: inside a request, the action must be
 * the route's own (or one it declares in alsoAuthorizes), and the transaction may then write.
 */
export function permitWrites(trx: object, action: string): void {
  const request = requestStore.getStore()
  if (request) {
    if (action !== request.action && !request.also.includes(action)) {
      throw new BoundaryViolation(`${request.route} declares ${request.action ?? 'no action'} but its handler authorized ${action}`)
    }
    request.authorized.add(action)
    request.memo.clear() // what the request read before its write may be stale after it
  }
  let mark = marks.get(trx)
  if (!mark) marks.set(trx, (mark = {}))
  mark.authorizedFor = action
}

// The audit trail and the idempotency store are written by the service's own machinery around the
// policy (a denied attempt's event after the rollback, an identified read's event, a stored answer).
// waitlist_versions is a concurrency token (#18), moved by the waitlist's lock before a join checks.
const MACHINERY_TABLES = new Set(['audit_events', 'audit_chains', 'idempotency_keys', 'waitlist_versions', 'auditEvents', 'auditChains', 'idempotencyKeys', 'waitlistVersions'])
// `FOR UPDATE`, `FOR NO KEY UPDATE`, `DO UPDATE SET` are locks and upserts, not writes of their own.
const RAW_WRITE = /(?<!\b(?:for|key|do)\s+)\bupdate\s+("?[a-z_?]+"?)|\b(?:insert\s+into|delete\s+from)\s+("?[a-z_?]+"?)/gi

function writtenTables(node: RootOperationNode): string[] | undefined {
  if (InsertQueryNode.is(node)) return [node.into?.table.identifier.name ?? '?']
  if (UpdateQueryNode.is(node)) return tablesIn(node.table)
  if (DeleteQueryNode.is(node)) return tablesIn(node.from)
  if (MergeQueryNode.is(node)) return tablesIn(node.into)
  if (RawNode.is(node)) {
    const text = node.sqlFragments.join('?')
    const tables = [...text.matchAll(RAW_WRITE)].map((m) => (m[1] ?? m[2]).replaceAll('"', '').toLowerCase())
    return tables.length ? tables : undefined
  }
  return undefined
}

/** The tables a write names (an unknown shape counts as '?', never as machinery). */
function tablesIn(node: OperationNode | undefined): string[] {
  const names: string[] = []
  const visit = (n: OperationNode | undefined) => {
    if (!n) return
    if (TableNode.is(n)) names.push(n.table.identifier.name)
    else if (AliasNode.is(n)) visit(n.node)
    else if (FromNode.is(n)) n.froms.forEach(visit)
  }
  visit(node)
  return names.length ? names : ['?']
}

/** The Kysely plugin that refuses a write outside the boundary (installed on every database handle). */
export class BoundaryPlugin implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const request = requestStore.getStore()
    if (!request) return args.node
    const tables = writtenTables(args.node)
    if (!tables) return args.node
    if (tables.every((t) => MACHINERY_TABLES.has(t))) return args.node
    const mark = txStore.getStore()
    if (mark?.authorizedFor) return args.node
    throw new BoundaryViolation(`${request.route} wrote to ${tables.join(', ')} outside a transaction authorized by the policy layer`)
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }
}
