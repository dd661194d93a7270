// The route schemas' validators and serializers, compiled once per process. Fastify compiles every
// route's schemas when an app is built; a process that builds many apps (the tests build one per
// test) would compile the same schemas again each time, over a second per build. A compiled
// function is pure, so it is shared, keyed by the schema's JSON and the compiler's settings.
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

export function validatorFor({ schema, httpPart }: { schema: object; httpPart?: string }): ValidateFunction {
  const part = httpPart === 'body' ? body : other
  const key = JSON.stringify(schema)
  let validate = part.compiled.get(key)
  if (!validate) {
    validate = part.ajv.compile(schema)
    part.compiled.set(key, validate)
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
    const key = `${settings}${JSON.stringify(route.schema)}`
    let serialize = serializers.get(key)
    if (!serialize) {
      serialize = compile(route)
      serializers.set(key, serialize)
    }
    return serialize
  }
}
