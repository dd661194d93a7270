// Framework-free errors. Anything thrown that is not an AppError becomes a 500 with no detail.
import { problemTypes, type ProblemCode } from './problems.ts'

export type Localized = { en: string; fr: string }

export interface FieldError {
  /** JSON pointer or dotted path to the offending input. */
  path: string
  message: string
}

export class AppError extends Error {
  readonly code: ProblemCode
  readonly status: number
  readonly detail?: Localized
  readonly errors?: FieldError[]
  /** Extra members of the problem document (RFC 9457 extensions). */
  readonly extensions?: Record<string, unknown>

  constructor(code: ProblemCode, detail?: Localized, opts: { errors?: FieldError[]; extensions?: Record<string, unknown> } = {}) {
    super(detail?.en ?? problemTypes[code].title.en)
    this.name = 'AppError'
    this.code = code
    this.status = problemTypes[code].status
    this.detail = detail
    this.errors = opts.errors
    this.extensions = opts.extensions
  }
}

/** The caller may not see the thing, or it does not exist: the two are indistinguishable (CONF-1). */
export class NotFound extends AppError {
  constructor() {
    super('not-found', { en: 'The requested resource does not exist.', fr: 'La ressource demandée n’existe pas.' })
  }
}

/** A rule of the policy layer refused the action. */
export class PolicyDenied extends AppError {}

/** The caller's role does not give access to the action (403): what a policy throws before any fact is read. */
export const forbidden = () => new AppError('forbidden', { en: 'Your role does not give access to this.', fr: 'Votre rôle ne donne pas accès à ceci.' })
