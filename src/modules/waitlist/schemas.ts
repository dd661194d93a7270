// #16 item 2: the waitlist's request and answer shapes.
import { Type, type Static } from 'typebox'
import { Id, StringEnum, Timestamp } from '../../shared/schemas.ts'
import { LANGUAGES, MODES, TOPICS } from '../../shared/vocabularies.ts'

export const WAITLIST_TOPICS_MAX = 5

export const JoinWaitlistBodySchema = Type.Object({
  language: StringEnum(LANGUAGES, { description: 'The language the conversation must be in' }),
  modes: Type.Array(StringEnum(MODES), { uniqueItems: true, minItems: 1, maxItems: 4, description: 'Modes that would do (an Ambassador fits when they offer one of them)' }),
  topics: Type.Array(StringEnum(TOPICS), { uniqueItems: true, maxItems: WAITLIST_TOPICS_MAX, description: 'Topics (an Ambassador fits when they cover one of them; none: any)' }),
  urgency: StringEnum(['routine', 'urgent'] as const, { description: 'urgent entries are offered a slot first' }),
  aboutMyEmployee: Type.Boolean({ description: 'true: support for an employee. false: the network is not for a manager’s own challenges (ENG-1)' }),
}, { additionalProperties: false })
export type JoinWaitlistBody = Static<typeof JoinWaitlistBodySchema>

export const WaitlistEntrySchema = Type.Object({
  id: Id,
  language: StringEnum(LANGUAGES),
  modes: Type.Array(StringEnum(MODES), { maxItems: 4 }),
  topics: Type.Array(StringEnum(TOPICS), { maxItems: WAITLIST_TOPICS_MAX }),
  urgency: StringEnum(['routine', 'urgent'] as const),
  status: StringEnum(['waiting', 'offered', 'lapsed'] as const, {
    description: 'waiting; offered: a slot of the Ambassador named in `offer` is held for you until `offer.expiresAt` (accept with POST …/accept-offer); lapsed: the offer ran out (the entry ends)',
  }),
  offer: Type.Union([Type.Object({
    ambassador: Type.Object({ id: Id, displayName: Type.String({ maxLength: 120 }) }, { additionalProperties: false }),
    expiresAt: Timestamp,
  }, { additionalProperties: false }), Type.Null()]),
  createdAt: Timestamp,
  version: Type.Integer({ minimum: 1, maximum: 2147483647 }),
}, { additionalProperties: false })
export type WaitlistEntry = Static<typeof WaitlistEntrySchema>

export const WaitlistPageSchema = Type.Object({
  items: Type.Array(WaitlistEntrySchema, { maxItems: 1, description: 'A manager has at most one live entry' }),
  nextCursor: Type.Null(),
}, { additionalProperties: false })

export const AcceptOfferBodySchema = Type.Object({}, { additionalProperties: false })

const Count = Type.Union([Type.Integer({ minimum: 0, maximum: 1000000 }), Type.Null()], { description: 'Within ±2 of the true count (cell-key perturbation); null when suppressed' })
const Cell = (key: string) => Type.Object({
  [key]: Type.String({ maxLength: 40 }), count: Count, suppressed: Type.Boolean(),
}, { additionalProperties: false })

export const DemandSchema = Type.Object({
  threshold: Type.Integer({ minimum: 1, maximum: 1000, description: 'STATS_MIN_CELL: counts from 1 to threshold−1 are never published' }),
  byLanguage: Type.Array(Cell('language'), { maxItems: 2 }),
  byTopic: Type.Array(Cell('topic'), { maxItems: 13, description: '`none` for entries that named no topic; an entry counts once per topic it names' }),
  total: Type.Object({ count: Count, suppressed: Type.Boolean() }, { additionalProperties: false }),
}, { additionalProperties: false, description: 'Managers waiting now, counts only (no entry, no manager, no date)' })
