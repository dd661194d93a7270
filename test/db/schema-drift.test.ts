// Item 5 of #13: src/db/schema.ts, the Kysely table types, is generated from the migrated database
// (`npm run db:types`) and committed; this fails when it differs from what the migrations give, as
// test/openapi.test.ts does for the OpenAPI document. Runs on either database: both give one file.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { SCHEMA_FILE, generateSchema } from '../../scripts/db-types.ts'
import { testDatabase } from '../helper.ts'

t.test('#13 item 5: the committed src/db/schema.ts is what the migrated database generates', async (t) => {
  const { db } = await testDatabase(t)
  const generated = await generateSchema(db)
  const committed = readFileSync(SCHEMA_FILE, 'utf8')
  t.ok(generated === committed, 'src/db/schema.ts is out of date: run `npm run db:types` and commit it')
  // The CHECK-constraint unions made it into the file (a codegen that fell back to `string` would not drift-fail on its own).
  t.match(generated, /status: Generated<"applicant" \| "screened"/, 'ambassadors.status is the union its CHECK constraint lists')
  t.match(generated, /period: ColumnType<string, never, never>/, 'a generated column cannot be written')
})
