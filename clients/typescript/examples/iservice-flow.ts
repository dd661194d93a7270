// The iService flow through the typed client: iService shows the Ambassador directory, a manager
// requests the Ambassador they picked, the Ambassador accepts from their inbox, and iService follows
// the engagement for the manager (its state, the manager's notifications).
//
// Run against a server:
//   M2M_BASE_URL=http://127.0.0.1:3000 M2M_SERVICE_TOKEN=… M2M_MANAGER_TOKEN=… M2M_AMBASSADOR_TOKEN=… \
//     npx tsx clients/typescript/examples/iservice-flow.ts
// (test/clients/typescript-client.test.ts runs it against a real server on every test run.)
import { randomUUID } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { createM2MClient, type Problem } from '../index.ts'

export interface FlowTokens {
  /** iService's own token (role `iservice`): the directory. */
  service: string
  /** The manager's token, relayed by iService (role `manager`). */
  manager: string
  /** The Ambassador's token (role `manager`: acting as an Ambassador is decided by the API). */
  ambassador: string
}

export interface FlowResult {
  ambassadorId: string
  engagementId: string
  /** The request's status right after it was made, then once the Ambassador answered. */
  statuses: string[]
  /** Notification kinds: the Ambassador's (the request), then the manager's (the answer). */
  ambassadorInbox: string[]
  managerInbox: string[]
  /** The X-Request-Id of the request, as the API echoed it. */
  requestId: string | null
}

/** A problem answer as an Error that names its code and request id (quote it when reporting). */
const failed = (step: string, problem: Problem | undefined, response: Response) =>
  new Error(`${step}: ${response.status} ${problem?.code ?? ''} ${problem?.detail ?? ''} (request id ${response.headers.get('x-request-id')})`)

export async function iServiceFlow(baseUrl: string, tokens: FlowTokens, log: (line: string) => void = console.log): Promise<FlowResult> {
  const service = createM2MClient(baseUrl, tokens.service)
  const manager = createM2MClient(baseUrl, tokens.manager)
  const ambassador = createM2MClient(baseUrl, tokens.ambassador)

  // 1. The directory, as iService shows it: active Ambassadors with room, who speak English.
  const directory = await service.GET('/v1/ambassadors', { params: { query: { language: 'en', available: true, limit: 10 } } })
  if (!directory.data) throw failed('directory', directory.error, directory.response)
  const pick = directory.data.items[0]
  if (!pick) throw new Error('directory: no Ambassador has room')
  log(`directory: ${directory.data.items.length} Ambassador(s); picked ${pick.displayName}`)

  // 2. The manager accepts the network's current terms (once), then requests the Ambassador they
  //    picked. The Idempotency-Key makes the POST safe to retry after a network failure.
  const terms = await manager.GET('/v1/engagement-terms/current')
  if (!terms.data) throw failed('terms', terms.error, terms.response)
  const accepted = await manager.POST('/v1/me/engagement-terms-acceptance', { body: { version: terms.data.version } })
  if (accepted.error) throw failed('accept terms', accepted.error, accepted.response)
  const requested = await manager.POST('/v1/engagements', {
    params: { header: { 'Idempotency-Key': randomUUID() } },
    body: { ambassadorId: pick.id, language: 'en', preferredModes: [pick.modes[0] ?? 'video'], urgency: 'routine', topics: pick.topics.slice(0, 1), aboutMyEmployee: true },
  })
  if (!requested.data) throw failed('request', requested.error, requested.response)
  const engagementId = requested.data.id
  const statuses = [requested.data.status]
  log(`request: ${requested.response.headers.get('location')} ${requested.data.status}`)

  // 3. The Ambassador finds the request in their inbox, reads it (its ETag), and accepts it with
  //    If-Match: had it changed since (withdrawn…), the answer would be 412 and nothing done.
  const theirInbox = await ambassador.GET('/v1/me/notifications')
  if (!theirInbox.data) throw failed('ambassador inbox', theirInbox.error, theirInbox.response)
  const read = await ambassador.GET('/v1/engagements/{id}', { params: { path: { id: engagementId } } })
  if (!read.data) throw failed('ambassador read', read.error, read.response)
  const etag = read.response.headers.get('etag') ?? '*'
  const answered = await ambassador.POST('/v1/engagements/{id}/accept', { params: { path: { id: engagementId }, header: { 'if-match': etag } }, body: {} })
  if (!answered.data) throw failed('accept', answered.error, answered.response)
  log(`accepted with If-Match ${etag}`)

  // 4. iService follows the engagement for the manager: its state and the manager's notifications.
  const followed = await manager.GET('/v1/engagements/{id}', { params: { path: { id: engagementId } } })
  if (!followed.data) throw failed('follow', followed.error, followed.response)
  statuses.push(followed.data.status)
  const inbox = await manager.GET('/v1/me/notifications')
  if (!inbox.data) throw failed('manager inbox', inbox.error, inbox.response)
  log(`engagement ${followed.data.status}; manager's inbox: ${inbox.data.items.map((n) => n.kind).join(', ')}`)

  return {
    ambassadorId: pick.id,
    engagementId,
    statuses,
    ambassadorInbox: theirInbox.data.items.map((n) => n.kind),
    managerInbox: inbox.data.items.map((n) => n.kind),
    requestId: followed.response.headers.get('x-request-id'),
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = (name: string) => process.env[name] ?? (() => { throw new Error(`${name} is not set`) })()
  await iServiceFlow(env('M2M_BASE_URL'), { service: env('M2M_SERVICE_TOKEN'), manager: env('M2M_MANAGER_TOKEN'), ambassador: env('M2M_AMBASSADOR_TOKEN') })
}
