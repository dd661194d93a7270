// The route schemas' validators and serializers, compiled when first used and once per process.
// Fastify asks for every route's validators and serializers when an app is built; compiling them
// all then costs over a second at every start, and a process that builds many apps (the tests
// build one per test) would compile the same schemas again each time. Here a route gets a function
// that compiles its schema on its first request; a compiled function is pure, so it is shared by
// every app of the process, keyed by the schema's JSON and the compiler's settings.
import SerializerSelector from '@fastify/fast-json-stringify-compiler'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { boundedDate, boundedDateTime } from './formats.ts'

const addFormats = (addFormatsModule.default ?? addFormatsModule) as (ajv: Ajv) => Ajv

function makeAjv(coerce: boolean) {
  // removeAdditional: false — an unknown field is a 400, never silently stripped (mass assignment).
  const ajv = new Ajv({ removeAdditional: false, useDefaults: true, coerceTypes: coerce ? 'array' : false, allErrors: true, strict: false })
  addFormats(ajv)
  ajv.addFormat('date', boundedDate)
  ajv.addFormat('date-time', boundedDateTime)
  return ajv
}

// Bodies are never coerced ("3" is not 3); query strings, params and headers are.
const body = { ajv: makeAjv(false), compiled: new Map<string, ValidateFunction>() }
const other = { ajv: makeAjv(true), compiled: new Map<string, ValidateFunction>() }

/** What Fastify calls: true, or false with the errors on the function itself (as ajv does). */
interface Validator { (data: unknown): boolean; errors?: ValidateFunction['errors'] }

export function validatorFor({ schema, httpPart }: { schema: object; httpPart?: string }): Validator {
  const part = httpPart === 'body' ? body : other
  let compiled: ValidateFunction | undefined
  const validate: Validator = (data) => {
    if (!compiled) {
      const key = JSON.stringify(schema)
      compiled = part.compiled.get(key)
      if (!compiled) part.compiled.set(key, (compiled = part.ajv.compile(schema)))
    }
    const valid = compiled(data)
    validate.errors = compiled.errors
    return valid
  }
  return validate
}

type Serializer = (doc: unknown) => string
const serializerFactory = SerializerSelector()
const serializers = new Map<string, Serializer>()

/** Fastify's own serializer factory (fast-json-stringify), remembering what it compiled. */
export function buildSerializer(externalSchemas?: unknown, options?: Parameters<typeof serializerFactory>[1]) {
  const compile = serializerFactory(externalSchemas, options)
  const settings = JSON.stringify([externalSchemas, options])
  return (route: Parameters<typeof compile>[0]): Serializer => {
    let compiled: Serializer | undefined
    return (doc) => {
      if (!compiled) {
        const key = `${settings}${JSON.stringify(route.schema)}`
        compiled = serializers.get(key)
        if (!compiled) serializers.set(key, (compiled = compile(route)))
      }
      return compiled(doc)
    }
  }
}
