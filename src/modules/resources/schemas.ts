import { Type, type Static } from 'typebox'
import { Id, PaginationQuery, Str, StringEnum, Timestamp, Version } from '../../shared/schemas.ts'

export const RESOURCE_KINDS = ['advisory_service', 'learning', 'tools_and_guides', 'external_resource'] as const

const Slug = Type.String({ maxLength: 63, pattern: '^[a-z][a-z0-9_]{1,62}$', description: 'Stable identifier used by code and clients, e.g. `eap`, `peer_support_program`' })
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description: 'Not blank (it is stored trimmed)' })
const Description = Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S', description: 'Not blank (it is stored trimmed)' })
const Url = Type.String({ format: 'uri', maxLength: 2000, pattern: '^https?://' })
const Text = Type.Object({ name: Str(200), description: Str(2000) }, { additionalProperties: false })

export const ResourceSchema = Type.Object({
  id: Id,
  slug: Slug,
  kind: StringEnum(RESOURCE_KINDS),
  name: Type.String({ maxLength: 200, description: 'In the language of the response (Content-Language)' }),
  description: Type.String({ maxLength: 2000, description: 'In the language of the response (Content-Language)' }),
  translations: Type.Object({ en: Text, fr: Text }, { additionalProperties: false, description: 'Both official languages' }),
  url: Type.Union([Str(2000, { format: 'uri' }), Type.Null()]),
  active: Type.Boolean({ description: 'Retired resources are hidden from the catalogue and cannot be newly referred to' }),
  version: Version,
  updatedAt: Timestamp,
}, { additionalProperties: false })
export type Resource = Static<typeof ResourceSchema>

export const ListResourcesQuerySchema = Type.Object({
  kind: Type.Optional(StringEnum(RESOURCE_KINDS)),
  includeInactive: Type.Optional(Type.Boolean({ description: 'nmno: list retired resources too' })),
  ...PaginationQuery,
}, { additionalProperties: false })
export type ListResourcesQuery = Static<typeof ListResourcesQuerySchema>

export const CreateResourceBodySchema = Type.Object({
  slug: Slug,
  kind: StringEnum(RESOURCE_KINDS),
  name: Type.Object({ en: Name, fr: Name }, { additionalProperties: false }),
  description: Type.Object({ en: Description, fr: Description }, { additionalProperties: false }),
  url: Type.Optional(Type.Union([Url, Type.Null()])),
}, { additionalProperties: false, description: 'A new resource of the catalogue, in both official languages' })
export type CreateResourceBody = Static<typeof CreateResourceBodySchema>

export const UpdateResourceBodySchema = Type.Object({
  kind: Type.Optional(StringEnum(RESOURCE_KINDS)),
  name: Type.Optional(Type.Object({ en: Type.Optional(Name), fr: Type.Optional(Name) }, { additionalProperties: false, minProperties: 1 })),
  description: Type.Optional(Type.Object({ en: Type.Optional(Description), fr: Type.Optional(Description) }, { additionalProperties: false, minProperties: 1 })),
  url: Type.Optional(Type.Union([Url, Type.Null()])),
  active: Type.Optional(Type.Boolean()),
}, { additionalProperties: false, minProperties: 1, description: 'The slug never changes' })
export type UpdateResourceBody = Static<typeof UpdateResourceBodySchema>
