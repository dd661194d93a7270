// `npm run openapi`: writes openapi/openapi.json from the routes, and the typed client's types
// (clients/typescript/schema.d.ts) from it. A test checks both are up to date.
import { writeFileSync } from 'node:fs'
import { CLIENT_TYPES_PATH, generateClientTypes, generateOpenApi } from '../src/openapi-document.ts'

const doc = await generateOpenApi()
writeFileSync(new URL('../openapi/openapi.json', import.meta.url), doc)
console.log('openapi/openapi.json written')
writeFileSync(CLIENT_TYPES_PATH, await generateClientTypes(doc))
console.log('clients/typescript/schema.d.ts written')
