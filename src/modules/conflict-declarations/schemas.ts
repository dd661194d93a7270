import { Type, type Static } from 'typebox'
import { EmployeeRef, Id, PaginationQuery, StringEnum, Timestamp } from '../../shared/schemas.ts'

export const CONFLICT_KINDS = ['family', 'reporting_line', 'personal_conflict', 'close_friend', 'other'] as const

export const ConflictDeclarationSchema = Type.Object({
  id: Id,
  ambassadorId: Id,
  employeeRef: EmployeeRef,
  kind: StringEnum(CONFLICT_KINDS),
  declarerRef: Type.String({ maxLength: 128, pattern: '^[A-Za-z0-9._:@-]+$', description: 'Who declared it (the caller, unless nmno lists all)' }),
  declarerRole: StringEnum(['ambassador', 'manager', 'nmno'] as const, { description: 'In what capacity it was declared' }),
  createdAt: Timestamp,
}, { additionalProperties: false })
export type ConflictDeclaration = Static<typeof ConflictDeclarationSchema>

export const CreateConflictDeclarationBodySchema = Type.Object({
  ambassadorId: Id,
  employeeRef: EmployeeRef,
  kind: StringEnum(CONFLICT_KINDS),
}, {
  additionalProperties: false,
  description: 'An active Ambassador declares about any employee (ambassadorId: their own record); a manager declares about an Ambassador (employeeRef: their own); nmno either way (COI-1).',
})
export type CreateConflictDeclarationBody = Static<typeof CreateConflictDeclarationBodySchema>

export const ListConflictDeclarationsQuerySchema = Type.Object({
  ...PaginationQuery,
}, { additionalProperties: false })
export type ListConflictDeclarationsQuery = Static<typeof ListConflictDeclarationsQuerySchema>
