// Seeds active, in-term Ambassadors directly with SQL (faster than the API, and the directory
// only reads these columns).
import pg from 'pg'

const TOPICS = ['recognizing_signs', 'role_and_responsibilities', 'difficult_conversation', 'performance_and_wellbeing',
  'return_to_work', 'accommodation', 'team_impact', 'crisis', 'grief_and_loss', 'substance_use', 'workplace_conflict', 'manager_self_care']
const MODES = ['in_person', 'phone', 'video', 'email']
const LANGS = [['en', 'fr'], ['en'], ['fr']]

export async function seedAmbassadors(url: string, n: number): Promise<void> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    for (let i = 0; i < n; i++) {
      await c.query(
        `INSERT INTO ambassadors (employee_ref, display_name, bio_en, bio_fr, languages, modes, topics, capacity,
           status, term_start, term_end, guidelines_version, guidelines_accepted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 3, 'active', now(), now() + interval '2 years', 1, now())`,
        [
          `E${100000 + i}`,
          `Ambassador ${String(i).padStart(4, '0')}`,
          `Manager for ${5 + (i % 25)} years; has supported teams through return to work and difficult conversations.`,
          `Gestionnaire depuis ${5 + (i % 25)} ans; a accompagné des équipes lors du retour au travail et de conversations difficiles.`,
          LANGS[i % LANGS.length],
          [MODES[i % 4], MODES[(i + 1) % 4]],
          [TOPICS[i % 12], TOPICS[(i + 5) % 12], TOPICS[(i + 7) % 12]],
        ],
      )
    }
    // Planner statistics of the seeded table, as autovacuum would soon have them.
    await c.query('ANALYZE ambassadors')
  } finally {
    await c.end()
  }
}

/**
 * The engagement write rows' load (#18): `ambassadors` more active, in-term Ambassadors with the
 * largest capacity (10), named after every directory entry so that they come after it; `managers`
 * managers (subs M-bench-<i>) who accepted the current engagement terms. Returns the Ambassadors'
 * ids. The load pairs request n with manager n mod managers and Ambassador n mod ambassadors (make
 * the two counts coprime): a pair comes back only after managers × ambassadors requests, so no
 * request is a duplicate, and each Ambassador takes one request in `ambassadors`.
 */
export async function seedWriteLoad(url: string, ambassadors: number, managers: number): Promise<string[]> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO ambassadors (employee_ref, display_name, bio_en, languages, modes, topics, capacity,
         status, term_start, term_end, guidelines_version, guidelines_accepted_at)
       SELECT 'W' || (200000 + i), 'Writer ' || lpad(i::text, 5, '0'), 'Bench Ambassador for the write rows.', '{en,fr}',
         '{video,phone}', '{team_impact,return_to_work}', 10, 'active', now(), now() + interval '2 years', 1, now()
       FROM generate_series(0, $1 - 1) i ORDER BY i RETURNING id`, [ambassadors])
    await c.query(`INSERT INTO engagement_terms_acceptances (manager_ref, version)
      SELECT 'M-bench-' || i, (SELECT max(version) FROM engagement_terms) FROM generate_series(0, $1 - 1) i ON CONFLICT DO NOTHING`, [managers])
    await c.query('ANALYZE ambassadors')
    return rows.map((r) => r.id)
  } finally {
    await c.end()
  }
}

/**
 * Between two write measurements: every request still open on the write Ambassadors is withdrawn
 * (straight in the database, as if its manager had) and their slots are free again, so each
 * measurement starts with the same room and none answers 409 for a full Ambassador.
 */
export async function resetWriteLoad(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    await c.query(`UPDATE engagements SET status = 'withdrawn' WHERE status IN ('requested', 'accepted')
      AND ambassador_id IN (SELECT id FROM ambassadors WHERE employee_ref LIKE 'W%')`)
    await c.query(`UPDATE ambassadors SET open_engagements = 0 WHERE employee_ref LIKE 'W%' AND open_engagements <> 0`)
    await c.query('VACUUM ANALYZE engagements')
  } finally {
    await c.end()
  }
}
