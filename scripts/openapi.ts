// `npm run openapi`: writes openapi/openapi.json from the routes (a test checks it is up to date).
import { writeFileSync } from 'node:fs'
import { generateOpenApi } from '../src/openapi-document.ts'

writeFileSync(new URL('../openapi/openapi.json', import.meta.url), await generateOpenApi())
console.log('openapi/openapi.json written')
