import { Type, type Static } from 'typebox'
import { EmployeeRef, INT32_MAX, Timestamp } from '../../shared/schemas.ts'

/** The largest snapshot accepted in one PUT (the department's headcount, with room to spare). */
export const REPORTING_LINES_MAX = 50_000
/** The route's own body limit: 50 000 items of up to ~300 bytes each. */
export const REPORTING_LINES_BODY_LIMIT = 16 * 1024 * 1024

export const ReportingLineSchema = Type.Object({
  employeeRef: EmployeeRef,
  supervisorRef: Type.Union([EmployeeRef, Type.Null()], { description: 'null at the top of the organisation' }),
  orgUnit: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])),
}, { additionalProperties: false })

export const ReplaceReportingLinesBodySchema = Type.Object({
  items: Type.Array(ReportingLineSchema, { maxItems: REPORTING_LINES_MAX, description: 'The whole snapshot; each employeeRef at most once' }),
}, { additionalProperties: false })
export type ReplaceReportingLinesBody = Static<typeof ReplaceReportingLinesBodySchema>

export const ReportingLinesImportSchema = Type.Object({
  count: Type.Integer({ minimum: 0, maximum: INT32_MAX, description: 'Reporting lines in the snapshot now' }),
  importedAt: Timestamp,
}, { additionalProperties: false })
