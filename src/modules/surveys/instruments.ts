// #15 item 2: versioned survey instruments. Pure rules (no SQL): which answers a version accepts, and
// what a new version must keep. Version 1 of each audience is Annex I (migration 20261207T200000).
import { AppError, type FieldError } from '../../errors/app-error.ts'
import type { InstrumentQuestion } from '../../db/json-types.ts'

/** Version 1's scored questions: every later version keeps them (same id and type), so the pilot's measures stay comparable. */
export const CORE_QUESTIONS: Record<'manager' | 'ambassador', Record<string, InstrumentQuestion['type']>> = {
  manager: { trustBuilt: 'scale_1_5', feltJudged: 'yes_no', knowledgeExperience: 'scale_1_5', referralsEffective: 'yes_no_na', followUpAfterReferral: 'yes_no_na', neededMoreThanTwoMeetings: 'yes_no' },
  ambassador: { trainingAdequate: 'scale_1_5', ableToFulfilRole: 'choice', meetingsNeeded: 'count' },
}
/** Answers stored in columns of their own (the others go to the response's extra answers). */
export const COLUMN_ANSWERS = new Set(['trustBuilt', 'feltJudged', 'knowledgeExperience', 'referralsEffective', 'followUpAfterReferral', 'neededMoreThanTwoMeetings', 'awarenessChannel', 'trainingAdequate', 'ableToFulfilRole', 'meetingsNeeded'])

function answerError(q: InstrumentQuestion, v: unknown): string | undefined {
  switch (q.type) {
    case 'scale_1_5': return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 5 ? undefined : 'must be an integer from 1 to 5'
    case 'yes_no': return typeof v === 'boolean' ? undefined : 'must be true or false'
    case 'yes_no_na': return v === 'yes' || v === 'no' || v === 'not_applicable' ? undefined : 'must be yes, no or not_applicable'
    case 'choice': return typeof v === 'string' && (q.options ?? []).some((o) => o.value === v) ? undefined : `must be one of ${(q.options ?? []).map((o) => o.value).join(', ')}`
    case 'count': return Number.isInteger(v) && (v as number) >= (q.min ?? 0) && (v as number) <= (q.max ?? 1000) ? undefined : `must be an integer from ${q.min ?? 0} to ${q.max ?? 1000}`
    case 'comment': return 'is answered with the top-level `comment` field'
  }
}

/** What is wrong with these answers (and comment) for this version's questions; empty when nothing. */
export function answerErrors(questions: readonly InstrumentQuestion[], answers: Record<string, unknown>, comment: string | undefined): FieldError[] {
  const errors: FieldError[] = []
  const byId = new Map(questions.map((q) => [q.id, q]))
  for (const [key, value] of Object.entries(answers)) {
    const q = byId.get(key)
    if (!q) { errors.push({ path: `/answers/${key}`, message: 'is not a question of this survey' }); continue }
    const e = answerError(q, value)
    if (e) errors.push({ path: `/answers/${key}`, message: e })
  }
  for (const q of questions) {
    if (q.required && q.type !== 'comment' && !(q.id in answers)) errors.push({ path: `/answers/${q.id}`, message: 'is required' })
  }
  if (comment !== undefined && !questions.some((q) => q.type === 'comment')) errors.push({ path: '/comment', message: 'this survey takes no comment' })
  return errors
}

export const invalidAnswers = (errors: FieldError[]) => new AppError('validation-failed', {
  en: `The answers do not fit the survey: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}.`,
  fr: `Les réponses ne correspondent pas au sondage : ${errors.map((e) => e.path).join(', ')}.`,
}, { errors })

/** What a proposed version breaks: duplicate ids, a choice without options, a count without bounds, version 1's scored questions missing. */
export function instrumentErrors(audience: 'manager' | 'ambassador', questions: readonly InstrumentQuestion[], first: readonly InstrumentQuestion[]): FieldError[] {
  const errors: FieldError[] = []
  const seen = new Set<string>()
  questions.forEach((q, i) => {
    if (seen.has(q.id)) errors.push({ path: `/questions/${i}/id`, message: 'is repeated' })
    seen.add(q.id)
    if (q.type === 'choice' && !q.options?.length) errors.push({ path: `/questions/${i}/options`, message: 'a choice lists its options' })
    if (q.type !== 'choice' && q.options) errors.push({ path: `/questions/${i}/options`, message: 'only a choice has options' })
    if (q.type === 'count' && (q.min === undefined || q.max === undefined || q.min > q.max)) errors.push({ path: `/questions/${i}`, message: 'a count has min ≤ max' })
    if (q.type !== 'count' && (q.min !== undefined || q.max !== undefined)) errors.push({ path: `/questions/${i}`, message: 'only a count has min and max' })
    if (q.type === 'comment' && q.required) errors.push({ path: `/questions/${i}/required`, message: 'a comment is optional' })
    if (q.options && new Set(q.options.map((o) => o.value)).size !== q.options.length) errors.push({ path: `/questions/${i}/options`, message: 'a value is repeated' })
  })
  if (questions.filter((q) => q.type === 'comment').length > 1) errors.push({ path: '/questions', message: 'at most one comment question' })
  // The scored questions of version 1 are kept as they were (their texts may be reworded); the
  // awareness channel may be dropped but not changed: each has a column of its own in the responses.
  const shape = (q: InstrumentQuestion) => JSON.stringify([q.type, q.required, (q.options ?? []).map((o) => o.value), q.min, q.max])
  for (const id of [...Object.keys(CORE_QUESTIONS[audience]), 'awarenessChannel']) {
    const was = first.find((x) => x.id === id)
    const q = questions.find((x) => x.id === id)
    if (!was || (!q && id === 'awarenessChannel')) continue
    if (!q || shape(q) !== shape(was)) errors.push({ path: '/questions', message: `version 1’s question ${id} must be kept as it is (type, required, options, bounds); only its text may change` })
  }
  return errors
}
