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
