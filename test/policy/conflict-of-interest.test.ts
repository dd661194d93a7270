// COI-1, COI-2: the shared conflict-of-interest rule, as a table of facts → conflict or not. The
// pair check (hasConflict) and the directory's set-based condition must always agree.
import { sql } from 'kysely'
import t from 'tap'
import type { Db } from '../../src/db/database.ts'
import { hasConflict, noConflictWithSql } from '../../src/policy/conflict-of-interest.ts'
import { testDatabase } from '../helper.ts'

interface Facts {
  /** Ambassador records: employee ref → status (default active). */
  ambassadors: string[]
  /** [ambassador's employee ref, employee ref] declarations. */
  declarations?: [string, string][]
  /** [employee, supervisor] reporting lines. */
  lines?: [string, string | null][]
}

const cases: { name: string; facts: Facts; ambassador: string; manager: string; conflict: boolean }[] = [
  { name: 'no facts: no conflict', facts: { ambassadors: ['A'] }, ambassador: 'A', manager: 'M', conflict: false },
  { name: 'the Ambassador declared the manager', facts: { ambassadors: ['A'], declarations: [['A', 'M']] }, ambassador: 'A', manager: 'M', conflict: true },
  { name: 'a declaration about someone else does not count', facts: { ambassadors: ['A'], declarations: [['A', 'X']] }, ambassador: 'A', manager: 'M', conflict: false },
  { name: 'the manager, an Ambassador too, declared the Ambassador (other direction)', facts: { ambassadors: ['A', 'M'], declarations: [['M', 'A']] }, ambassador: 'A', manager: 'M', conflict: true },
  { name: 'a declaration on another Ambassador does not count', facts: { ambassadors: ['A', 'B'], declarations: [['B', 'M']] }, ambassador: 'A', manager: 'M', conflict: false },
  { name: 'the manager reports directly to the Ambassador', facts: { ambassadors: ['A'], lines: [['M', 'A']] }, ambassador: 'A', manager: 'M', conflict: true },
  { name: 'the Ambassador reports directly to the manager', facts: { ambassadors: ['A'], lines: [['A', 'M']] }, ambassador: 'A', manager: 'M', conflict: true },
  { name: 'the manager is three levels below the Ambassador', facts: { ambassadors: ['A'], lines: [['M', 'X'], ['X', 'Y'], ['Y', 'A'], ['A', null]] }, ambassador: 'A', manager: 'M', conflict: true },
  { name: 'the Ambassador is two levels below the manager', facts: { ambassadors: ['A'], lines: [['A', 'X'], ['X', 'M']] }, ambassador: 'A', manager: 'M', conflict: true },
  { name: 'siblings under one supervisor are not in conflict', facts: { ambassadors: ['A'], lines: [['A', 'S'], ['M', 'S']] }, ambassador: 'A', manager: 'M', conflict: false },
  { name: 'cousins in the same tree are not in conflict', facts: { ambassadors: ['A'], lines: [['A', 'S1'], ['M', 'S2'], ['S1', 'T'], ['S2', 'T']] }, ambassador: 'A', manager: 'M', conflict: false },
  { name: 'a cycle in the snapshot ends (no conflict)', facts: { ambassadors: ['A'], lines: [['X', 'Y'], ['Y', 'Z'], ['Z', 'X'], ['A', 'X'], ['M', 'Q']] }, ambassador: 'A', manager: 'M', conflict: false },
  { name: 'a cycle above the manager ends (the Ambassador reports to the manager)', facts: { ambassadors: ['A'], lines: [['A', 'M'], ['M', 'X'], ['X', 'Y'], ['Y', 'X']] }, ambassador: 'A', manager: 'M', conflict: true },
  { name: 'a self-loop ends', facts: { ambassadors: ['A'], lines: [['M', 'M'], ['A', 'A']] }, ambassador: 'A', manager: 'M', conflict: false },
]

async function load(db: Db, facts: Facts) {
  await sql`TRUNCATE conflict_declarations, reporting_lines`.execute(db)
  await sql`DELETE FROM ambassadors`.execute(db)
  const ids: Record<string, string> = {}
  for (const ref of facts.ambassadors) {
    const r = await db.insertInto('ambassadors').values({
      employeeRef: ref, displayName: `Ambassador ${ref}`, status: 'active', termStart: new Date(), termEnd: new Date(Date.now() + 86_400_000),
    }).returning('id').executeTakeFirstOrThrow()
    ids[ref] = r.id
  }
  for (const [a, e] of facts.declarations ?? []) {
    await db.insertInto('conflictDeclarations').values({ ambassadorId: ids[a], employeeRef: e, kind: 'other', declarerRef: a, declarerRole: 'ambassador' }).execute()
  }
  for (const [e, s] of facts.lines ?? []) {
    await db.insertInto('reportingLines').values({ employeeRef: e, supervisorRef: s, orgUnit: 'U1' }).execute()
  }
  return ids
}

t.test('conflict of interest, facts → conflict (hasConflict and the directory condition agree)', async (t) => {
  const { db } = await testDatabase(t)
  for (const c of cases) {
    const ids = await load(db, c.facts)
    t.equal(await hasConflict(db, ids[c.ambassador], c.manager), c.conflict, `hasConflict: ${c.name}`)
    const r = await sql.raw<{ ok: boolean }>(
      `SELECT ${noConflictWithSql({ id: 'a.id' }, `'${c.manager}'`)} AS ok FROM ambassadors a WHERE a.id = '${ids[c.ambassador]}'`,
    ).execute(db)
    t.equal(r.rows[0].ok, !c.conflict, `directory condition: ${c.name}`)
  }
})

t.test('an unknown Ambassador is in conflict with nobody', async (t) => {
  const { db } = await testDatabase(t)
  t.equal(await hasConflict(db, '00000000-0000-4000-8000-000000000000', 'M'), false)
})
