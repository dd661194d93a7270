// The synthetic year of network activity behind `npm run seed:demo` (and usable by benchmarks and
// tests): 300 Ambassadors per scale unit (most active, a few suspended, withdrawn, at the end of
// their term or still in selection), 4,000 engagements over the last 365 days in every status,
// their meetings, generic goals and referrals, one statistical report per meeting held (RPT-1),
// the de-identified engagement facts dated as the activity, manager surveys (RPT-2) for about 40 %
// of closures and Ambassador evaluations (RPT-3) for about 60 %.
//
// Everything is synthetic: employee refs start with DEMO-, names are invented, goals are generic.
// Deterministic (hash-based), written in SQL in one transaction.
import { sql } from 'kysely'
import type { Db } from '../src/db/database.ts'
import { refreshRollups } from '../src/modules/stats/job.ts'
import { sealServer } from '../src/shared/crypto.ts'
import { COMMENT_PURPOSE } from '../src/modules/surveys/repository.ts'

/** Refuses a database with activity already in it: demo data must never mix with real data. */
export async function assertEmpty(db: Db) {
  const r = await sql<{ what: string; n: string }>`
    SELECT 'engagements' AS what, count(*) AS n FROM (SELECT 1 FROM engagements LIMIT 1) x
    UNION ALL SELECT 'reports', count(*) FROM (SELECT 1 FROM reports LIMIT 1) x
    UNION ALL SELECT 'engagement facts', count(*) FROM (SELECT 1 FROM engagement_facts LIMIT 1) x
    UNION ALL SELECT 'manager surveys', count(*) FROM (SELECT 1 FROM manager_survey_responses LIMIT 1) x
    UNION ALL SELECT 'Ambassador evaluations', count(*) FROM (SELECT 1 FROM ambassador_survey_responses LIMIT 1) x
    UNION ALL SELECT 'demo Ambassadors', count(*) FROM (SELECT 1 FROM ambassadors WHERE employee_ref LIKE 'DEMO-%' LIMIT 1) x`.execute(db)
  const busy = r.rows.filter((x) => Number(x.n) > 0).map((x) => x.what)
  if (busy.length) throw new Error(`seed:demo fills an empty database; this one already has ${busy.join(', ')}. Point DATABASE_URL or PGLITE_DIR at a fresh one.`)
}

export interface DemoSize { ambassadors: number; engagements: number }

/** Scale 1: 300 Ambassadors and 4,000 engagements (about 10,000 reports). */
export const demoSize = (scale: number): DemoSize => ({ ambassadors: 300 * scale, engagements: 4000 * scale })

export async function seedDemo(db: Db, { ambassadors, engagements }: DemoSize = demoSize(1)): Promise<Record<string, number>> {
  await db.transaction().execute(async (trx) => {
    // h(salt, i, n): a deterministic pseudo-random integer in [0, n).
    await sql`CREATE FUNCTION pg_temp.h(salt text, i bigint, n int) RETURNS int LANGUAGE sql IMMUTABLE
      AS $$ SELECT ((hashtext(salt || ':' || i)::bigint + 2147483648) % n)::int $$`.execute(trx)

    // ---- Ambassadors: 91 % active, then suspended, withdrawn, term ended, applicants ----
    await sql`
      INSERT INTO ambassadors (employee_ref, display_name, bio_en, bio_fr, languages, modes, topics, capacity, status,
        term_start, term_end, designated_contact_ref, guidelines_version, guidelines_accepted_at, supervisor_arrangement_on)
      SELECT 'DEMO-A' || lpad(i::text, 6, '0'),
        (ARRAY['Alex','Camille','Dominique','Frédérique','Jordan','Louis','Marie','Nadia','Olivier','Priya','Samuel','Sophie',
          'Thomas','Valérie','William','Yasmine','Karim','Isabelle','Chen','Amara'])[1 + pg_temp.h('first', i, 20)]
          || ' ' ||
        (ARRAY['Tremblay','Gagnon','Roy','Côté','Bouchard','Gauthier','Morin','Lavoie','Fortin','Gagné','Smith','Brown',
          'Wilson','MacDonald','Singh','Nguyen','Martin','Lee','Ouellet','Bélanger'])[1 + pg_temp.h('last', i, 20)],
        'Manager for ' || (6 + pg_temp.h('years', i, 22)) || ' years; has supported teams through return to work, accommodation and difficult conversations.',
        'Gestionnaire depuis ' || (6 + pg_temp.h('years', i, 22)) || ' ans; a accompagné des équipes lors du retour au travail, de mesures d’adaptation et de conversations difficiles.',
        CASE pg_temp.h('lang', i, 5) WHEN 1 THEN ARRAY['en'] WHEN 2 THEN ARRAY['fr'] WHEN 3 THEN ARRAY['en'] ELSE ARRAY['en','fr'] END,
        CASE pg_temp.h('modes', i, 4) WHEN 0 THEN ARRAY['in_person','phone','video'] WHEN 1 THEN ARRAY['phone','video']
          WHEN 2 THEN ARRAY['in_person','video'] ELSE ARRAY['video','email','phone'] END,
        ARRAY(SELECT DISTINCT t FROM unnest(ARRAY[
          -- #15: no Ambassador offers substance_use, a gap the pilot dashboard shows (uncovered topics).
          (ARRAY['recognizing_signs','role_and_responsibilities','difficult_conversation','performance_and_wellbeing','return_to_work',
            'accommodation','team_impact','crisis','grief_and_loss','workplace_conflict','manager_self_care'])[1 + pg_temp.h('t1', i, 11)],
          (ARRAY['recognizing_signs','difficult_conversation','performance_and_wellbeing','return_to_work','accommodation','team_impact'])[1 + pg_temp.h('t2', i, 6)],
          (ARRAY['role_and_responsibilities','workplace_conflict','grief_and_loss','crisis'])[1 + pg_temp.h('t3', i, 4)]]) t ORDER BY t),
        3,
        s.status,
        s.term_start,
        s.term_start + interval '24 months',
        'DEMO-N' || lpad((1 + pg_temp.h('contact', i, 8))::text, 2, '0'),
        CASE WHEN s.term_start IS NOT NULL THEN 1 END,
        s.term_start,
        (s.term_start - interval '7 days')::date
      FROM generate_series(1, ${ambassadors}) i
      CROSS JOIN LATERAL (SELECT CASE
          WHEN pg_temp.h('status', i, 100) < 91 THEN 'active'
          WHEN pg_temp.h('status', i, 100) < 94 THEN 'suspended'
          WHEN pg_temp.h('status', i, 100) < 96 THEN 'withdrawn'
          WHEN pg_temp.h('status', i, 100) < 98 THEN 'active_ended'
          ELSE 'screened' END AS kind) k
      CROSS JOIN LATERAL (SELECT
          CASE k.kind WHEN 'active_ended' THEN 'active' ELSE k.kind END AS status,
          CASE k.kind
            WHEN 'screened' THEN NULL
            WHEN 'active_ended' THEN now() - interval '24 months' - (pg_temp.h('ended', i, 60) || ' days')::interval
            ELSE now() - (30 + pg_temp.h('start', i, 660) || ' days')::interval END AS term_start) s`.execute(trx)
    await sql`
      INSERT INTO training_records (ambassador_id, kind, part, held_on, attended, recorded_by, language)
      SELECT a.id, 'orientation_part', p, (a.term_start - interval '30 days')::date + p, true, 'DEMO-N01', a.languages[1]
      FROM ambassadors a CROSS JOIN generate_series(1, 6) p
      WHERE a.employee_ref LIKE 'DEMO-%' AND a.term_start IS NOT NULL`.execute(trx)
    // Annex F: two satisfactory reference checks before references_checked (#14 item 5).
    await sql`
      INSERT INTO reference_checks (ambassador_id, checked_on, outcome, recorded_by)
      SELECT a.id, (a.term_start - interval '45 days')::date + r, 'satisfactory', 'DEMO-N01'
      FROM ambassadors a CROSS JOIN generate_series(1, 2) r
      WHERE a.employee_ref LIKE 'DEMO-%' AND a.term_start IS NOT NULL`.execute(trx)
    // #15: professional development in the last year for about three quarters of them (training compliance).
    await sql`
      INSERT INTO training_records (ambassador_id, kind, part, held_on, attended, recorded_by)
      SELECT x.id, 'pd_session', NULL, current_date - (10 + pg_temp.h('pd', x.n, 300)), true, 'DEMO-N01'
      FROM (SELECT a.id, row_number() OVER (ORDER BY a.employee_ref) AS n FROM ambassadors a
        WHERE a.employee_ref LIKE 'DEMO-%' AND a.term_start IS NOT NULL) x
      WHERE pg_temp.h('haspd', x.n, 100) < 75`.execute(trx)

    // ---- Engagements: requests over the last 365 days; the last weeks' still open ----
    await sql`
      CREATE TEMP TABLE demo_amb ON COMMIT DROP AS
      SELECT row_number() OVER (ORDER BY employee_ref) - 1 AS k, id, languages, modes, topics
      FROM ambassadors WHERE employee_ref LIKE 'DEMO-%' AND status = 'active' AND term_end > now()`.execute(trx)
    await sql`
      CREATE TEMP TABLE demo_eng ON COMMIT DROP AS
      WITH base AS (
        SELECT i, pg_temp.h('age', i, 365) AS age, pg_temp.h('fate', i, 100) AS fate, 2 + pg_temp.h('meetings', i, 4) AS meetings
        FROM generate_series(1, ${engagements}) i
      ), planned AS (
        -- an accepted engagement closes about two weeks after its last meeting (one every 9 days)
        SELECT b.*, 14 + 9 * b.meetings + pg_temp.h('close', b.i, 20) AS close_after FROM base b
      ), fated AS (
        SELECT i, age, fate, meetings, close_after,
          CASE
            WHEN age < 4 AND fate < 40 THEN 'requested'
            WHEN age < 6 AND fate < 50 THEN 'declined'
            WHEN fate < 74 THEN CASE WHEN close_after < age THEN 'closed' WHEN age < 7 THEN 'accepted' ELSE 'active' END
            WHEN fate < 84 THEN 'declined'
            WHEN fate < 92 OR age < 5 THEN 'withdrawn' -- a request expires after 5 days
            ELSE 'expired' END AS status
        FROM planned
      ), numbered AS (
        SELECT f.*, row_number() OVER (PARTITION BY f.status IN ('requested','accepted','active') ORDER BY i) - 1 AS rank
        FROM fated f
      )
      SELECT gen_random_uuid() AS id, n.i, n.age, n.status, a.id AS ambassador_id, a.languages, a.modes, a.topics,
        now() - (n.age || ' days')::interval - (pg_temp.h('hour', n.i, 600) || ' minutes')::interval AS requested_at,
        -- Open engagements go round-robin over the active Ambassadors (within capacity); others by hash.
        CASE WHEN n.status IN ('requested','accepted','active') THEN 'DEMO-M' || lpad(n.i::text, 7, '0')
          ELSE 'DEMO-M' || lpad((1 + pg_temp.h('mgr', n.i, greatest(1, ${engagements} * 85 / 100)))::text, 7, '0') END AS manager_ref,
        n.meetings, n.close_after
      FROM numbered n
      JOIN demo_amb a ON a.k = CASE WHEN n.status IN ('requested','accepted','active')
        THEN n.rank % (SELECT count(*) FROM demo_amb) ELSE pg_temp.h('amb', n.i, (SELECT count(*) FROM demo_amb)::int) END`.execute(trx)
    await sql`
      INSERT INTO engagements (id, ambassador_id, manager_ref, status, stage, language, preferred_modes, urgency, topics,
        decline_reason, outcome, requested_at, expires_at, responded_at, closed_at, updated_at)
      SELECT e.id, e.ambassador_id, e.manager_ref, e.status,
        CASE e.status WHEN 'closed' THEN 'ending' WHEN 'active' THEN (ARRAY['building_trust','goal_setting','working_toward_goals'])[1 + pg_temp.h('stage', e.i, 3)]
          ELSE 'building_trust' END,
        e.languages[1 + pg_temp.h('elang', e.i, cardinality(e.languages))],
        e.modes[1:1 + pg_temp.h('emodes', e.i, cardinality(e.modes))],
        CASE WHEN pg_temp.h('urgent', e.i, 100) < 12 THEN 'urgent' ELSE 'routine' END,
        ARRAY(SELECT DISTINCT t FROM unnest(e.topics[1:1 + pg_temp.h('etopics', e.i, 2)]) t ORDER BY t),
        CASE WHEN e.status = 'declined' THEN (ARRAY['capacity','outside_competence','conflict_of_interest','other'])[1 + pg_temp.h('decline', e.i, 4)] END,
        CASE WHEN e.status = 'closed' THEN (ARRAY['goals_met','goals_met','partially_met','referred_to_resource','no_longer_needed','other'])[1 + pg_temp.h('outcome', e.i, 6)] END,
        e.requested_at, e.requested_at + interval '5 days',
        -- Answered within hours: urgent requests faster (#15: the dashboard's median time to a first answer).
        CASE WHEN e.status NOT IN ('requested','expired','withdrawn') THEN least(now(), e.requested_at + ((CASE WHEN pg_temp.h('urgent', e.i, 100) < 12
          THEN 1 + pg_temp.h('answer', e.i, 8) ELSE 2 + pg_temp.h('answer', e.i, 46) END) || ' hours')::interval) END,
        CASE e.status
          WHEN 'closed' THEN e.requested_at + (e.close_after || ' days')::interval
          WHEN 'withdrawn' THEN least(now(), e.requested_at + interval '2 days')
          WHEN 'declined' THEN least(now(), e.requested_at + interval '1 day') END,
        now()
      FROM demo_eng e`.execute(trx)
    await sql`
      UPDATE ambassadors a SET open_engagements = o.n
      FROM (SELECT ambassador_id, count(*) AS n FROM engagements WHERE status IN ('requested','accepted','active') GROUP BY 1) o
      WHERE o.ambassador_id = a.id`.execute(trx)
    // #15: about one in eight Ambassadors with open engagements has lowered their capacity to them (at capacity: the dashboard's load).
    await sql`UPDATE ambassadors a SET capacity = a.open_engagements
      WHERE a.employee_ref LIKE 'DEMO-%' AND a.open_engagements > 0 AND (hashtext('cap:' || a.employee_ref)::bigint + 2147483648) % 8 = 0`.execute(trx)

    // ---- Meetings (held, every 9 days), generic goals, referrals ----
    await sql`
      INSERT INTO meetings (engagement_id, scheduled_at, duration_minutes, mode, held)
      SELECT e.id, e.requested_at + ((2 + 9 * (m - 1)) || ' days')::interval,
        (ARRAY[30, 45, 45, 60, 60, 90])[1 + pg_temp.h('dur', e.i * 10 + m, 6)],
        g.preferred_modes[1 + pg_temp.h('mmode', e.i * 10 + m, cardinality(g.preferred_modes))],
        e.requested_at + ((2 + 9 * (m - 1)) || ' days')::interval < coalesce(g.closed_at, now())
      FROM demo_eng e JOIN engagements g ON g.id = e.id
      CROSS JOIN LATERAL generate_series(1, e.meetings) m
      WHERE e.status IN ('accepted','active','closed')
        AND (e.status <> 'accepted' OR m = 1)
        AND e.requested_at + ((2 + 9 * (m - 1)) || ' days')::interval < coalesce(g.closed_at, now() + interval '14 days')`.execute(trx)
    await sql`
      INSERT INTO goals (engagement_id, title, status)
      SELECT e.id,
        (ARRAY['Prepare a conversation about workload','Plan a gradual return to work','Set up a workplace accommodation',
          'Find words to check in with the employee','Support the team after a loss','Plan follow-up with the EAP'])[1 + pg_temp.h('goal', e.i, 6)],
        CASE WHEN e.status = 'closed' THEN (ARRAY['achieved','achieved','dropped'])[1 + pg_temp.h('gstatus', e.i, 3)] ELSE 'open' END
      FROM demo_eng e WHERE e.status IN ('active','closed') AND pg_temp.h('hasgoal', e.i, 100) < 70`.execute(trx)
    await sql`
      INSERT INTO referrals (engagement_id, resource_id, for_whom, follow_up_due_at, followed_up_at, helpful)
      SELECT e.id, r.id,
        CASE WHEN pg_temp.h('forwhom', e.i, 100) < 10 THEN 'manager_self_care' ELSE 'employee_situation' END,
        e.requested_at + interval '25 days',
        CASE WHEN e.status = 'closed' THEN e.requested_at + interval '24 days' END,
        CASE WHEN e.status = 'closed' THEN pg_temp.h('helpful', e.i, 100) < 78 END
      FROM demo_eng e
      JOIN resources r ON r.slug = (ARRAY['eap','eap','peer_support_program','disability_management','human_resources',
        'informal_conflict_management','learning','tools_and_guides','union_representative','values_and_ethics','external_resources'])[1 + pg_temp.h('res', e.i, 11)]
      WHERE e.status IN ('active','closed') AND e.age > 20 AND pg_temp.h('refer', e.i, 100) < 45`.execute(trx)

    // ---- One statistical report per meeting held (RPT-1) ----
    await sql`
      WITH ins AS (
        INSERT INTO reports (ambassador_id, engagement_id, occurred_on, mode, duration_minutes, meeting_number, stage, topics,
          referral_categories, urgency, language)
        SELECT g.ambassador_id, g.id, m.scheduled_at::date, m.mode, m.duration_minutes, m.n,
          CASE WHEN m.n = 1 THEN 'building_trust' WHEN m.n = 2 THEN 'goal_setting'
            WHEN g.status = 'closed' AND m.n = m.last THEN 'ending' ELSE 'working_toward_goals' END,
          g.topics,
          CASE WHEN m.n = m.last THEN coalesce((SELECT array_agg(DISTINCT r.slug ORDER BY r.slug) FROM referrals f
            JOIN resources r ON r.id = f.resource_id WHERE f.engagement_id = g.id), '{}') ELSE '{}' END,
          g.urgency, g.language
        FROM engagements g
        JOIN (SELECT engagement_id, scheduled_at, mode, duration_minutes,
                row_number() OVER (PARTITION BY engagement_id ORDER BY scheduled_at) AS n,
                count(*) OVER (PARTITION BY engagement_id) AS last
              FROM meetings WHERE held) m ON m.engagement_id = g.id
        WHERE g.manager_ref LIKE 'DEMO-%'
        RETURNING id)
      INSERT INTO report_rollup_queue (report_id) SELECT id FROM ins`.execute(trx)

    // ---- De-identified engagement facts, dated as the activity (the triggers date them today) ----
    await sql`DELETE FROM engagement_facts`.execute(trx)
    await sql`
      INSERT INTO engagement_facts (event, period, language, urgency, stage, topics)
      SELECT 'requested', date_trunc('month', requested_at)::date, language, urgency, 'building_trust', topics
      FROM engagements WHERE manager_ref LIKE 'DEMO-%'`.execute(trx)
    await sql`
      INSERT INTO engagement_facts (event, period, language, urgency, stage, outcome, modes, topics, referral_categories,
        decline_reason, hours_to_answer, meetings_held)
      SELECT g.status,
        date_trunc('month', CASE g.status WHEN 'expired' THEN g.expires_at ELSE coalesce(g.closed_at, g.responded_at, g.requested_at) END)::date,
        g.language, g.urgency, g.stage, g.outcome,
        coalesce((SELECT array_agg(DISTINCT m.mode ORDER BY m.mode) FROM meetings m WHERE m.engagement_id = g.id AND m.held), '{}'),
        g.topics,
        coalesce((SELECT array_agg(DISTINCT r.slug ORDER BY r.slug) FROM referrals f JOIN resources r ON r.id = f.resource_id
          WHERE f.engagement_id = g.id), '{}'),
        g.decline_reason,
        CASE WHEN g.status = 'declined' THEN least(240, floor(extract(epoch FROM g.responded_at - g.requested_at) / 3600))::smallint END,
        CASE WHEN g.status = 'closed' THEN least(20, (SELECT count(*) FROM meetings m WHERE m.engagement_id = g.id AND m.held))::smallint END
      FROM engagements g WHERE g.manager_ref LIKE 'DEMO-%' AND g.status IN ('closed','declined','withdrawn','expired')`.execute(trx)
    // #15: acceptances (with the hours to answer) and transfers (about 8 % of accepted engagements, by reason).
    await sql`
      INSERT INTO engagement_facts (event, period, language, urgency, stage, topics, hours_to_answer)
      SELECT 'accepted', date_trunc('month', g.responded_at)::date, g.language, g.urgency, 'building_trust', g.topics,
        least(240, floor(extract(epoch FROM g.responded_at - g.requested_at) / 3600))::smallint
      FROM engagements g WHERE g.manager_ref LIKE 'DEMO-%' AND g.status IN ('accepted','active','closed')`.execute(trx)
    await sql`
      INSERT INTO engagement_facts (event, period, language, urgency, stage, topics, transfer_reason)
      SELECT 'transfer_required', date_trunc('month', g.responded_at + interval '10 days')::date, g.language, g.urgency, 'goal_setting', g.topics,
        (ARRAY['outside_competence','outside_competence','conflict_of_interest','ambassador_unavailable'])[1 + pg_temp.h('treason', e.i, 4)]
      FROM demo_eng e JOIN engagements g ON g.id = e.id
      WHERE g.status IN ('active','closed') AND g.responded_at + interval '10 days' < now() AND pg_temp.h('transfer', e.i, 100) < 8`.execute(trx)

    // ---- Surveys: manager (RPT-2) for ~40 % of closures, Ambassador evaluation (RPT-3) for ~60 % ----
    await sql`
      INSERT INTO manager_survey_responses (period, trust_built, felt_judged, knowledge_experience, referrals_effective,
        follow_up_after_referral, needed_more_than_two_meetings, awareness_channel)
      SELECT date_trunc('month', g.closed_at)::date,
        (ARRAY[2, 3, 4, 4, 5, 5, 5])[1 + pg_temp.h('trust', e.i, 7)],
        pg_temp.h('judged', e.i, 100) < 6,
        (ARRAY[3, 4, 4, 5, 5])[1 + pg_temp.h('knowledge', e.i, 5)],
        CASE WHEN NOT EXISTS (SELECT 1 FROM referrals f WHERE f.engagement_id = g.id) THEN 'not_applicable'
          WHEN pg_temp.h('refeff', e.i, 100) < 80 THEN 'yes' ELSE 'no' END,
        CASE WHEN NOT EXISTS (SELECT 1 FROM referrals f WHERE f.engagement_id = g.id) THEN 'not_applicable'
          WHEN pg_temp.h('follow', e.i, 100) < 70 THEN 'yes' ELSE 'no' END,
        e.meetings > 2,
        -- #15: how they heard of the Network (optional: about a quarter leave it out)
        CASE WHEN pg_temp.h('aware?', e.i, 100) < 75 THEN (ARRAY['national_managers_community','national_managers_community','team_leaders_community_of_practice',
          'management_committee','human_resources','human_resources','union_representative','eap','eap','informal_conflict_management',
          'values_and_ethics','disability_management','iservice','iservice','iservice','other'])[1 + pg_temp.h('aware', e.i, 16)] END
      FROM demo_eng e JOIN engagements g ON g.id = e.id
      WHERE g.status = 'closed' AND pg_temp.h('msurvey', e.i, 100) < 40`.execute(trx)
    await sql`
      WITH chosen AS (
        SELECT e.i, g.id, g.closed_at, e.meetings FROM demo_eng e JOIN engagements g ON g.id = e.id
        WHERE g.status = 'closed' AND pg_temp.h('asurvey', e.i, 100) < 60
      ), receipts AS (
        INSERT INTO ambassador_survey_receipts (engagement_hash)
        SELECT encode(sha256(convert_to('ambassador-evaluation:' || id, 'UTF8')), 'hex') FROM chosen
      )
      INSERT INTO ambassador_survey_responses (period, training_adequate, able_to_fulfil_role, meetings_needed)
      SELECT date_trunc('month', closed_at)::date, (ARRAY[3, 4, 4, 5, 5])[1 + pg_temp.h('training', i, 5)],
        (ARRAY['yes','yes','yes','yes','partly','no'])[1 + pg_temp.h('able', i, 6)], meetings
      FROM chosen`.execute(trx)
  })
  await seedGovernance(db)
  await refreshRollups(db)
  const counts = await sql<Record<string, string>>`
    SELECT (SELECT count(*) FROM ambassadors WHERE employee_ref LIKE 'DEMO-%') AS ambassadors,
      (SELECT count(*) FROM engagements WHERE manager_ref LIKE 'DEMO-%') AS engagements,
      (SELECT count(*) FROM meetings) AS meetings,
      (SELECT count(*) FROM goals) AS goals,
      (SELECT count(*) FROM referrals) AS referrals,
      (SELECT count(*) FROM reports) AS reports,
      (SELECT count(*) FROM engagement_facts) AS "engagementFacts",
      (SELECT count(*) FROM manager_survey_responses) AS "managerSurveys",
      (SELECT count(*) FROM ambassador_survey_responses) AS "ambassadorEvaluations",
      (SELECT count(*) FROM governance_reviews) AS "governanceReviews",
      (SELECT count(*) FROM governance_recommendations) AS recommendations,
      (SELECT count(*) FROM program_milestones) AS milestones,
      (SELECT count(*) FROM survey_comments_pending) AS "heldComments"`.execute(db)
  return Object.fromEntries(Object.entries(counts.rows[0]).map(([k, v]) => [k, Number(v)]))
}


const DEMO_COMMENTS = [
  'Having someone outside my chain of command to talk to made all the difference.',
  'The first meeting was hard to schedule; after that it went well.',
  'I would have liked a list of resources in French earlier.',
  'The Ambassador helped me prepare a difficult conversation.',
  'I did not know the EAP could also help me as a manager.',
  'Two meetings were enough for my situation.',
  'More Ambassadors with experience of accommodation would help.',
  'The video meetings worked well for me.',
  'It took a few days to get an answer to my request.',
  'I felt listened to and not judged.',
  'A short guide on return to work would be useful.',
  'The goal-setting checklist was helpful.',
]

/**
 * #15: governance activity (two reviews with meetings, recommendations in every state, an accepted
 * one acknowledged by most active Ambassadors, the pilot's milestones with some overdue) and a month
 * of held survey comments (more than STATS_MIN_CELL, so governance can take a batch).
 */
async function seedGovernance(db: Db) {
  await db.transaction().execute(async (trx) => {
    const review = async (title: string, scope: string, from: string, to: string, outcome: string | null) => (await sql<{ id: string }>`
      INSERT INTO governance_reviews (title, scope, period_from, period_to, created_by, status, outcome, concluded_by, concluded_at)
      VALUES (${title}, ${scope}, ${from}::date, ${to}::date, 'DEMO-G01', ${outcome ? 'concluded' : 'open'}, ${outcome},
        ${outcome ? 'DEMO-G01' : null}, ${outcome ? sql`now() - interval '20 days'` : null}) RETURNING id`.execute(trx)).rows[0].id
    const first = await review('Mid-pilot review of the Ambassador role', 'ambassador_role', '2026-01-01', '2026-06-30',
      'The role is confirmed as defined; professional development sessions become quarterly.')
    const second = await review('Review of the governance structure', 'governance_structure', '2026-01-01', '2026-12-31', null)
    await sql`INSERT INTO governance_review_meetings (review_id, held_on, attendees, minutes, recorded_by) VALUES
      (${first}, current_date - 60, ${JSON.stringify([{ role: 'governance', count: 2 }, { role: 'nmno', count: 2 }, { role: 'ambassador', count: 3 }])}::jsonb,
        'Reviewed the first six months: demand, declines for capacity, training attendance.', 'DEMO-G01'),
      (${first}, current_date - 25, ${JSON.stringify([{ role: 'governance', count: 2 }, { role: 'nmno', count: 1 }])}::jsonb,
        'Agreed on the outcome and two recommendations.', 'DEMO-G01'),
      (${second}, current_date - 5, ${JSON.stringify([{ role: 'governance', count: 3 }, { role: 'hr', count: 1 }, { role: 'union', count: 1 }])}::jsonb,
        'Opened the review of the governance structure; terms of reference discussed.', 'DEMO-G02')`.execute(trx)
    const rec = async (title: string, body: string, audience: string, status: string, reason: string | null = null) => (await sql<{ id: string }>`
      INSERT INTO governance_recommendations (review_id, title, body, audience, due_on, status, reason, created_by, created_at, accepted_by, accepted_at, closed_by, closed_at)
      VALUES (${first}, ${title}, ${body}, ${audience}, current_date + 60, ${status}, ${reason}, 'DEMO-G01', now() - interval '24 days',
        ${status === 'accepted' || status === 'implemented' ? 'DEMO-G01' : null}, ${status === 'accepted' || status === 'implemented' ? sql`now() - interval '20 days'` : null},
        ${status === 'implemented' || status === 'rejected' ? 'DEMO-G01' : null}, ${status === 'implemented' || status === 'rejected' ? sql`now() - interval '3 days'` : null})
      RETURNING id`.execute(trx)).rows[0].id
    const calls = await rec('Attend a network call every quarter', 'Every Ambassador attends at least one network call per quarter.', 'ambassadors', 'accepted')
    await rec('Publish the resource list in both languages', 'The office publishes the referral catalogue in English and French.', 'nmno', 'implemented')
    await rec('Recruit Ambassadors for grief and substance use', 'Topics with few Ambassadors get a recruitment drive.', 'nmno', 'open')
    await rec('Regional Ambassador leads', 'Name a lead Ambassador per region.', 'all', 'rejected', 'Ambassadors have no territory (FAQ Q8).')
    await sql`INSERT INTO recommendation_progress (recommendation_id, note, reported_by, reported_at)
      VALUES (${calls}, 'Calendar of quarterly calls sent to every Ambassador.', 'DEMO-N01', now() - interval '15 days')`.execute(trx)
    await sql`INSERT INTO recommendation_acknowledgements (recommendation_id, ambassador_id)
      SELECT ${calls}, a.id FROM ambassadors a WHERE ambassador_in_term(a.status, a.term_end) AND a.employee_ref LIKE 'DEMO-%'
        AND (hashtext('ack:' || a.employee_ref)::bigint + 2147483648) % 100 < 70`.execute(trx)
    await sql`INSERT INTO program_milestones (title, due_on, status, note, created_by) VALUES
      ('Selection and orientation of the first cohort', current_date - 300, 'done', 'Six orientation parts delivered.', 'DEMO-N01'),
      ('Launch of the directory on iService', current_date - 270, 'done', NULL, 'DEMO-N01'),
      ('Mid-pilot evaluation report', current_date - 20, 'in_progress', 'Survey analysis under way.', 'DEMO-N01'),
      ('Communication campaign to the management committees', current_date - 10, 'planned', NULL, 'DEMO-N01'),
      ('Final evaluation and recommendation on the Network', current_date + 120, 'planned', NULL, 'DEMO-N01')`.execute(trx)
    const month = `${new Date().toISOString().slice(0, 7)}-01`
    for (const [i, text] of DEMO_COMMENTS.entries()) {
      await sql`INSERT INTO survey_comments_pending (audience, period, sealed) VALUES (${i % 4 === 3 ? 'ambassador' : 'manager'}, ${month}::date,
        ${sealServer(COMMENT_PURPOSE, text)})`.execute(trx)
    }
  })
}
