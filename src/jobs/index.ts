// The schedule of the system jobs (#13 item 3). server.ts calls scheduleJobs once the app is built;
// tests and scripts never schedule: they run a job's function when they choose.
//
// Each job tries every `everyMs` in this process (never two runs of it at once here), and runs only
// if it claims the period in job_runs (one UPDATE: the first replica to claim wins; the others skip
// that period), so with several replicas each job runs once per period. The jobs are safe to run
// concurrently anyway (their own locks: see each file), so a manual run or a lost claim harms
// nothing. A failure is logged and the next period tried as usual.
import { sql } from 'kysely'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.ts'
import type { Db } from '../db/database.ts'
// An entry point of its own (the jobs run without the HTTP app): the policies they authorize by.
import '../policy/actions.ts'
import { houseKeep } from './housekeeping.ts'
import { expireRequests } from './request-expiry.ts'
import { purge } from './retention-purge.ts'
import { rollUpStats } from './stats-rollup.ts'
import { releaseSurveys } from './survey-release.ts'
import { endTerms } from './term-expiry.ts'
import { remindParticipants, remindSurveys, remindUrgentRequests } from './reminders.ts'
import { offerWaitlistSlots } from './waitlist-offers.ts'
import { deliverWebhooks } from './webhook-delivery.ts'

export interface Job {
  name: string
  /** How often this process tries. */
  everyMs: number
  /** The period claimed in job_runs: one run per period across replicas (≤ everyMs, with some slack). */
  periodMs: number
  /** First try after this long (default everyMs). */
  firstAfterMs?: number
  /** One run; returns what to log (or nothing when there was nothing to do). */
  run(db: Db): Promise<Record<string, unknown> | undefined>
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const some = (key: string) => (n: number) => (n > 0 ? { [key]: n } : undefined)

export function jobs(config: Readonly<Config>): Job[] {
  const list: Job[] = [
    // ENG-11, then AMB-5: the two sweeps.
    { name: 'request-expiry', everyMs: MINUTE, periodMs: MINUTE, run: (db) => expireRequests(db).then(some('expired')) },
    { name: 'term-expiry', everyMs: MINUTE, periodMs: MINUTE, run: (db) => endTerms(db).then(some('moved')) },
    // #14 items 3 and 4: urgent requests answered in time; the survey reminder.
    {
      name: 'urgent-requests', everyMs: MINUTE, periodMs: MINUTE,
      run: async (db) => {
        const r = await remindUrgentRequests(db, config.urgentResponseHours)
        return r.reminded + r.unanswered > 0 ? r : undefined
      },
    },
    // #16: offers past their 48 h, and room no write offered yet.
    {
      name: 'waitlist-offers', everyMs: MINUTE, periodMs: MINUTE,
      run: async (db) => {
        const r = await offerWaitlistSlots(db)
        return r.lapsed + r.offered > 0 ? r : undefined
      },
    },
    { name: 'survey-reminders', everyMs: HOUR, periodMs: HOUR, run: (db) => remindSurveys(db).then(some('reminded')) },
    // #16: a meeting tomorrow, a follow-up due, a routine request at half its deadline (each once).
    {
      name: 'reminders', everyMs: 5 * MINUTE, periodMs: 5 * MINUTE,
      run: async (db) => {
        const r = await remindParticipants(db)
        return r.meeting_tomorrow + r.follow_up_due + r.request_reminder > 0 ? r : undefined
      },
    },
    // #16: the webhook outbox, sent every few seconds (rows are claimed with SKIP LOCKED: replicas share it).
    {
      name: 'webhook-delivery', everyMs: 5_000, periodMs: 5_000,
      run: async (db) => {
        const r = await deliverWebhooks(db, config.webhooks)
        return r.delivered + r.retried + r.dead > 0 ? r : undefined
      },
    },
    // RPT-4 and RPT-2.
    { name: 'stats-rollup', everyMs: 15_000, periodMs: 15_000, run: (db) => rollUpStats(db).then(some('reports')) },
    { name: 'survey-release', everyMs: MINUTE, periodMs: MINUTE, run: (db) => releaseSurveys(db).then(some('answers')) },
  ]
  // RET-1, opt-in (PURGE_DAILY=true): the purge once a day, first an hour after start; it ends
  // with the housekeeping. Without it the housekeeping still runs daily on its own.
  if (config.purgeDaily) {
    list.push({
      name: 'retention', everyMs: HOUR, periodMs: 24 * HOUR, firstAfterMs: HOUR,
      run: async (db) => {
        const r = await purge(db, { retentionDays: config.retentionDays })
        return r.skipped ? { skipped: 1 } : { ...r }
      },
    })
  } else {
    list.push({
      name: 'housekeeping', everyMs: HOUR, periodMs: 24 * HOUR, firstAfterMs: HOUR,
      run: async (db) => {
        const r = await houseKeep(db, { retentionDays: config.retentionDays })
        return r && { ...r }
      },
    })
  }
  return list
}

/** Claims this period of the job for this replica: true if no replica ran it within the period. */
export async function claimPeriod(db: Db, job: string, periodMs: number): Promise<boolean> {
  // 10% slack: a timer that fires a little early still finds its period over.
  const r = await sql<{ job: string }>`
    INSERT INTO job_runs (job, last_run_at) VALUES (${job}, now())
    ON CONFLICT (job) DO UPDATE SET last_run_at = now()
    WHERE job_runs.last_run_at <= now() - make_interval(secs => ${(periodMs * 0.9) / 1000})
    RETURNING job`.execute(db)
  return r.rows.length > 0
}

/**
 * One try of a job in this process: claim its period, run it, log and count the outcome
 * (m2m_job_runs_total: done, idle: nothing to do, skipped: another replica has the period, failed).
 */
export async function runJob(app: FastifyInstance, db: Db, job: Job): Promise<void> {
  let outcome: 'done' | 'idle' | 'skipped' | 'failed' = 'skipped'
  try {
    if (!(await claimPeriod(db, job.name, job.periodMs))) return
    const done = await job.run(db)
    outcome = done ? 'done' : 'idle'
    if (done) app.log.info({ job: job.name, ...done }, `job ${job.name} done`)
  } catch (err) {
    outcome = 'failed'
    app.log.warn({ err, job: job.name }, `job ${job.name} failed`)
  } finally {
    app.metrics?.jobRuns.inc({ job: job.name, outcome })
  }
}

export function scheduleJobs(app: FastifyInstance, db: Db, config: Readonly<Config>) {
  const timers: NodeJS.Timeout[] = []
  for (const job of jobs(config)) {
    let running = false
    const tick = () => {
      if (running) return
      running = true
      void runJob(app, db, job).finally(() => { running = false })
    }
    const first = setTimeout(() => {
      tick()
      const every = setInterval(tick, job.everyMs)
      every.unref()
      timers.push(every)
    }, job.firstAfterMs ?? job.everyMs)
    first.unref()
    timers.push(first)
  }
  app.addHook('onClose', async () => {
    for (const t of timers) clearTimeout(t)
  })
}
