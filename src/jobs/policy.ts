// The actions of the system jobs (#13 item 3). Each check refuses every principal but its job's
// system actor (policy/actor.ts systemActor: never a token's), takes the lock that makes one
// replica do the work, and says whether there is any: a run with nothing to do leaves no audit
// event (idleWhen). The term-end sweep (ambassador.end-term) and the retention purge
// (retention.purge) keep their actions in their modules.
import { sql } from 'kysely'
import type { Trx } from '../db/tx.ts'
import { forbidden } from '../errors/app-error.ts'
import { isJob } from '../policy/actor.ts'
import { definePolicy } from '../policy/define.ts'
import { ROLLUP_LOCK } from '../modules/stats/repository.ts'
import { anythingDue } from '../modules/retention/repository.ts'
import { pendingState } from '../modules/surveys/repository.ts'
import { participantRemindersDue, surveyRemindersDue, urgentDue } from './reminders.ts'
import { webhooksDue } from './webhook-delivery.ts'

/** Only one survey release at a time, across every replica. */
export const RELEASE_LOCK = 4_242_011
/** The housekeeping shares the purge's lock: one of the two at a time (retention/policy.ts). */
export const HOUSEKEEPING_LOCK = 7_300_730

const tryLock = async (trx: Trx, key: number) =>
  Boolean((await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${key}) AS ok`.execute(trx)).rows[0]?.ok)

export const jobPolicies = {
  'job.expire-requests': definePolicy({
    summary: 'The expiry job: the requests of one Ambassador unanswered past their 5 days expire, their slots freed, their managers told (ENG-11). Under the Ambassador row lock; a row another transaction holds waits for the next run.',
    auditAs: 'system',
    async check(trx, actor, target: { id: string }) {
      if (!isJob(actor, 'request-expiry')) throw forbidden()
      const r = await sql<{ locked: boolean; overdue: number }>`
        WITH amb AS (SELECT id FROM ambassadors WHERE id = ${target.id} FOR UPDATE SKIP LOCKED)
        SELECT EXISTS (SELECT 1 FROM amb) AS locked,
          (SELECT count(*)::int FROM engagement_effective e WHERE e.ambassador_id = (SELECT id FROM amb) AND e.overdue) AS overdue`.execute(trx)
      const { locked, overdue } = r.rows[0]
      return { ambassadorId: target.id, locked, overdue }
    },
    idleWhen: (facts) => !facts.locked || facts.overdue === 0,
  }),

  'job.offer-waitlist-slots': definePolicy({
    summary: 'The waitlist job (#16): for one Ambassador, offers past their 48 h end (their managers told) and every free slot that fits a waiting manager is offered. Under the Ambassador row lock; a row another transaction holds waits for the next run.',
    auditAs: 'system',
    async check(trx, actor, target: { id: string }) {
      if (!isJob(actor, 'waitlist-offers')) throw forbidden()
      const r = await sql<{ locked: boolean }>`SELECT EXISTS (SELECT 1 FROM ambassadors WHERE id = ${target.id} FOR UPDATE SKIP LOCKED) AS locked`.execute(trx)
      return { ambassadorId: target.id, locked: Boolean(r.rows[0]?.locked) }
    },
    idleWhen: (facts) => !facts.locked,
  }),

  'job.rollup-stats': definePolicy({
    summary: 'The statistics rollup: queued reports move into report_rollups (RPT-4). One replica at a time (advisory lock).',
    auditAs: 'system',
    async check(trx, actor, _target: Record<string, never>) {
      if (!isJob(actor, 'stats-rollup')) throw forbidden()
      const r = await sql<{ locked: boolean; due: boolean }>`
        SELECT pg_try_advisory_xact_lock(${ROLLUP_LOCK}) AS locked, EXISTS (SELECT 1 FROM report_rollup_queue) AS due`.execute(trx)
      return r.rows[0]
    },
    idleWhen: (facts) => !facts.locked || !facts.due,
  }),

  'job.release-surveys': definePolicy({
    summary: 'The survey release: held answers move to the response tables in shuffled batches (RPT-2, #11 finding 4). One replica at a time (advisory lock).',
    auditAs: 'system',
    async check(trx, actor, target: { force?: boolean }) {
      if (!isJob(actor, 'survey-release')) throw forbidden()
      const locked = await tryLock(trx, RELEASE_LOCK)
      if (!locked) return { locked, due: false }
      const state = await pendingState(trx)
      return { locked, due: state.n > 0 && (target.force === true || state.n >= RELEASE_BATCH || state.due) }
    },
    idleWhen: (facts) => !facts.locked || !facts.due,
    // Appended with the anonymous events after the release (surveys/release.ts): the responses'
    // transaction holds nothing else.
    auditApart: true,
  }),

  'job.urgent-requests': definePolicy({
    summary: 'The urgent-request sweep (#14 item 3): an urgent request unanswered at half of URGENT_RESPONSE_HOURS reminds its Ambassador; at the deadline the office is told (de-identified) and the manager that they may choose another Ambassador; the request stays open. One replica at a time.',
    auditAs: 'system',
    async check(trx, actor, target: { hours: number }) {
      if (!isJob(actor, 'urgent-requests')) throw forbidden()
      const locked = await tryLock(trx, URGENT_LOCK)
      return { locked, hours: target.hours, due: locked && (await urgentDue(trx, target.hours)) }
    },
    idleWhen: (facts) => !facts.locked || !facts.due,
  }),

  'job.remind-surveys': definePolicy({
    summary: 'The survey reminder (#14 item 4): a manager whose survey token is still unspent 7 days after closing is reminded once; nothing once it is spent or expired. One replica at a time.',
    auditAs: 'system',
    async check(trx, actor, _target: Record<string, never>) {
      if (!isJob(actor, 'survey-reminders')) throw forbidden()
      const locked = await tryLock(trx, SURVEY_REMINDER_LOCK)
      return { locked, due: locked && (await surveyRemindersDue(trx)) }
    },
    idleWhen: (facts) => !facts.locked || !facts.due,
  }),

  'job.remind-participants': definePolicy({
    summary: 'The participants’ reminders (#16): a meeting within 24 h (both participants), a follow-up due (the Ambassador), a routine request at half its 5-day deadline (the Ambassador); each once, ever (unique index). One replica at a time.',
    auditAs: 'system',
    async check(trx, actor, _target: Record<string, never>) {
      if (!isJob(actor, 'reminders')) throw forbidden()
      const locked = await tryLock(trx, PARTICIPANT_REMINDER_LOCK)
      return { locked, due: locked && (await participantRemindersDue(trx)) }
    },
    idleWhen: (facts) => !facts.locked || !facts.due,
  }),

  'job.deliver-webhooks': definePolicy({
    summary: 'The webhook delivery (#16): due outbox rows are claimed (FOR UPDATE SKIP LOCKED, a lease), POSTed signed, and recorded delivered, retried with backoff, or dead after the last attempt. The claim is audited; recording its outcomes is the same run.',
    auditAs: 'system',
    async check(trx, actor, target: { phase: 'claim' | 'record' }) {
      if (!isJob(actor, 'webhook-delivery')) throw forbidden()
      return { phase: target.phase, due: target.phase === 'claim' ? await webhooksDue(trx) : true }
    },
    idleWhen: (facts) => facts.phase === 'record' || !facts.due,
  }),

  'job.housekeeping': definePolicy({
    summary: 'Housekeeping: expired survey tokens, spent-token hashes past use, expired stored idempotent answers, settled notifications past retention go (RET-1). One at a time, never beside a purge.',
    auditAs: 'system',
    async check(trx, actor, target: { retentionDays: number }) {
      if (!isJob(actor, 'housekeeping')) throw forbidden()
      const locked = await tryLock(trx, HOUSEKEEPING_LOCK)
      return { locked, due: locked && (await anythingDue(trx, target.retentionDays, { engagements: false })) }
    },
    idleWhen: (facts) => !facts.locked || !facts.due,
  }),
}

/** One urgent-request sweep at a time, and one survey-reminder sweep at a time, across replicas. */
export const URGENT_LOCK = 4_242_014
export const SURVEY_REMINDER_LOCK = 4_242_015
export const PARTICIPANT_REMINDER_LOCK = 4_242_017

/** A release runs once this many answers wait (or one has waited past its time). */
export const RELEASE_BATCH = 10
