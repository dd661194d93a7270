// Engagements in a given state, built through the API (shared by the reports, surveys and stats tests).
import type { App } from '../../../src/app.ts'
import { as, call, type Principal } from '../../helper.ts'

export const REQUEST = { language: 'en', preferredModes: ['video'], urgency: 'routine', topics: ['team_impact'], aboutMyEmployee: true }
export const daysAgo = (d: number) => new Date(Date.now() - d * 86400_000).toISOString()
export const today = () => new Date().toISOString().slice(0, 10)

async function ok(res: Awaited<ReturnType<typeof call>>, what: string) {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`)
  return res
}

/** An engagement of `manager` with the Ambassador `amb`: requested, accepted, and (active) one meeting held. */
export async function engagement(app: App, amb: { id: string; me: Principal }, managerSub: string, state: 'requested' | 'accepted' | 'active' | 'closed' = 'active', body: Record<string, unknown> = {}) {
  const m = as(managerSub, 'manager')
  const created = await ok(await call(app, { method: 'POST', url: '/v1/engagements', as: m, body: { ambassadorId: amb.id, ...REQUEST, ...body } }), 'request')
  const id: string = created.body.id
  if (state !== 'requested') await ok(await call(app, { method: 'POST', url: `/v1/engagements/${id}/accept`, as: amb.me, body: {} }), 'accept')
  if (state === 'active' || state === 'closed') {
    const meeting = await ok(await call(app, { method: 'POST', url: `/v1/engagements/${id}/meetings`, as: m, body: { scheduledAt: daysAgo(0.01), durationMinutes: 45, mode: 'video' } }), 'meeting')
    await ok(await call(app, { method: 'PATCH', url: `/v1/engagements/${id}/meetings/${meeting.body.id}`, as: amb.me, body: { held: true } }), 'held')
  }
  let token: string | null = null
  if (state === 'closed') {
    await ok(await call(app, { method: 'POST', url: `/v1/engagements/${id}/close`, as: m, body: { outcome: 'goals_met' } }), 'close')
    token = (await call(app, { url: `/v1/engagements/${id}`, as: m })).body.surveyToken
  }
  return { id, manager: m, token }
}

export const report = (engagementId: string, extra: Record<string, unknown> = {}) => ({
  engagementId, occurredOn: today(), mode: 'video', durationMinutes: 45, meetingNumber: 1, stage: 'building_trust',
  topics: ['team_impact', 'return_to_work'], referralCategories: ['eap'], urgency: 'routine', language: 'en', ...extra,
})
