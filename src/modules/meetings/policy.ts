// Who may book or change a meeting, and ENG-5: two initial meetings; after the second held one, a
// further meeting needs an extension agreed by both sides (the Ambassador proposes, the manager agrees).
import type { Trx } from '../../db/tx.ts'
import { AppError, NotFound, PolicyDenied } from '../../errors/app-error.ts'
import { definePolicy } from '../../policy/define.ts'
import { requireRoom } from '../../shared/caps.ts'
import { checkIfMatch, etagOf } from '../../shared/etag.ts'
import { lockAsParticipant, requireRunning } from '../engagements/policy.ts'
import type { UpdateMeetingBody } from './schemas.ts'
import { meetingColumns, meetingCounts } from './repository.ts'

export const INITIAL_MEETINGS = 2
/** Each agreed extension allows this many more held meetings. */
export const MEETINGS_PER_EXTENSION = 2

/** ENG-5: how many meetings the engagement may have (held or booked) with its agreed extensions. */
const allowedMeetings = (e: { extensions: number }) => INITIAL_MEETINGS + MEETINGS_PER_EXTENSION * Number(e.extensions)

function extensionRequired(held: number, allowed: number) {
  return new PolicyDenied('extension-required', {
    en: `${held} of ${allowed} meetings were held and the others are booked: another needs an extension proposed by the Ambassador and agreed by the manager, or the engagement is closed.`,
    fr: `${held} des ${allowed} rencontres ont eu lieu et les autres sont prévues : une autre exige une prolongation proposée par l’ambassadeur et acceptée par le gestionnaire, sinon le jumelage est clos.`,
  }, { extensions: { held, allowed } })
}

/**
 * ENG-5 re-checked after a meeting write, in its transaction (#13): whatever path led here (a meeting
 * booked, or booked ones marked held), the engagement never holds more meetings than allowed.
 */
export async function assertMeetingCount(trx: Trx, engagement: { id: string; extensions: number }, write: 'booked' | 'updated') {
  const { held, booked } = await meetingCounts(trx, engagement.id)
  const allowed = allowedMeetings(engagement)
  // An update never adds a booking (meetings booked before this rule keep their place until held).
  if (held > allowed || (write === 'booked' && booked > allowed)) throw extensionRequired(held, allowed)
}

export const meetingPolicies = {
  'meeting.create': definePolicy({
    summary: 'The manager or the assigned Ambassador schedules a meeting; past the allowed number, an agreed extension is needed (ENG-5).',
    auditAs: 'participant',
    async check(trx, actor, target: { engagementId: string }) {
      const { engagement, side } = await lockAsParticipant(trx, actor, target.engagementId)
      requireRunning(engagement)
      // Every meeting not cancelled counts, held or to come: a third is booked only once an
      // extension is agreed (ENG-5), so booking four and marking them held later cannot pass.
      const { held, booked } = await meetingCounts(trx, engagement.id)
      const allowed = allowedMeetings(engagement)
      if (booked >= allowed) throw extensionRequired(held, allowed)
      await requireRoom(trx, engagement.id, 'scheduledMeetings', 'meetings')
      return { engagement, side }
    },
  }),
  'meeting.update': definePolicy({
    summary: 'Either side reschedules, cancels or records a meeting as held; the first held meeting makes the engagement active (ENG-3, ENG-5).',
    auditAs: 'participant',
    async check(trx, actor, target: { engagementId: string; meetingId: string; body: UpdateMeetingBody; ifMatch?: string }) {
      const { engagement, side } = await lockAsParticipant(trx, actor, target.engagementId)
      requireRunning(engagement)
      const meeting = await trx.selectFrom('meetings').select(meetingColumns).where('id', '=', target.meetingId).where('engagementId', '=', engagement.id).forUpdate().executeTakeFirst()
      if (!meeting) throw new NotFound()
      checkIfMatch(etagOf('meeting', meeting.version), target.ifMatch)
      if (meeting.held || meeting.cancelled) {
        throw new PolicyDenied('invalid-transition', { en: 'A held or cancelled meeting cannot change.', fr: 'Une rencontre tenue ou annulée ne peut plus changer.' })
      }
      const when = target.body.scheduledAt ? Date.parse(target.body.scheduledAt) : new Date(meeting.scheduledAt).getTime()
      if (target.body.held && when > Date.now() + 5 * 60_000) {
        throw new PolicyDenied('rule-violated', { en: 'A meeting cannot be recorded as held before it takes place.', fr: 'Une rencontre ne peut être consignée comme tenue avant d’avoir lieu.' })
      }
      if (target.body.held && engagement.meetingsHeld >= allowedMeetings(engagement)) throw extensionRequired(engagement.meetingsHeld, allowedMeetings(engagement))
      if (target.body.held && target.body.cancelled) {
        throw new AppError('validation-failed', { en: 'A meeting is either held or cancelled.', fr: 'Une rencontre est soit tenue, soit annulée.' }, { errors: [{ path: '/body', message: 'held and cancelled together' }] })
      }
      return { engagement, side, meeting }
    },
  }),
}
