// #16 part 3: a meeting as an RFC 5545 calendar event (the `ics` package), for the two participants'
// calendars. Neutral on purpose: the title and description say "M2M conversation" and nothing else;
// no names, no attendees or organizer, no topic, no location, no mode; CLASS:PRIVATE so a shared
// calendar shows the slot as busy only. The UID is the meeting's (`<meetingId>@m2m`) for ever;
// SEQUENCE is the meeting row's version, raised by every change (a reschedule, a cancellation), so
// a calendar replaces its copy; a cancelled meeting is METHOD:CANCEL with STATUS:CANCELLED.
// `ics` is loaded on the first calendar answer only (#18: start time).

export const NEUTRAL_TITLE = 'M2M conversation'
export const uidOf = (meetingId: string) => `${meetingId}@m2m`

export interface CalendarMeeting {
  id: string
  scheduledAt: Date | string
  durationMinutes: number
  cancelled: boolean
  version: number
}

export async function meetingIcs(m: CalendarMeeting): Promise<string> {
  const { createEvent } = await import('ics')
  const { error, value } = createEvent({
    productId: '-//M2M Network//API//EN',
    method: m.cancelled ? 'CANCEL' : 'PUBLISH',
    uid: uidOf(m.id),
    sequence: m.version,
    start: new Date(m.scheduledAt).getTime(),
    startInputType: 'utc',
    startOutputType: 'utc',
    duration: { minutes: m.durationMinutes },
    title: NEUTRAL_TITLE,
    description: NEUTRAL_TITLE,
    status: m.cancelled ? 'CANCELLED' : 'CONFIRMED',
    classification: 'PRIVATE',
    busyStatus: 'BUSY',
  })
  if (error || !value) throw error ?? new Error('ics: no event')
  return value
}
