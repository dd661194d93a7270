// #16 part 3: the integration kit's tables.
//
// Webhooks, content-free. webhook_subscriptions: a receiver (url), the notification kinds it wants
// (events, or '*'), its signing secret sealed under DATA_KEY (never readable through the API after the
// 201), and who made it (nmno or the iservice client). webhook_deliveries is the transactional outbox:
// a trigger on notifications writes one row per matching subscription for every notification a
// principal gets (audience 'principal'), in the transaction that inserts the notification, so a
// rolled-back write sends nothing and no code path can forget it. A delivery holds ids only; what it
// sends (recipient, notification id, kind) is read from the notification when it is sent, so purging
// the notification (RET-1, housekeeping) takes its deliveries with it (ON DELETE CASCADE).
//
// Reminders (#16: a meeting tomorrow, a follow-up due, a routine request at half its deadline): one
// notification per subject and recipient, ever: a partial unique index the jobs insert against
// (ON CONFLICT DO NOTHING), so two runs, or two replicas, never remind twice.
// Frozen in time: imports no application code.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE webhook_subscriptions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      url text NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
      events text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 64),
      sealed_secret text NOT NULL,
      owner_ref text NOT NULL,
      owner_role text NOT NULL CHECK (owner_role IN ('nmno','iservice')),
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  await sql`
    CREATE TABLE webhook_deliveries (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      subscription_id uuid NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
      notification_id uuid NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivered','dead')),
      attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      last_status_code integer CHECK (last_status_code BETWEEN 100 AND 599),
      last_error text CHECK (length(last_error) <= 200),
      created_at timestamptz NOT NULL DEFAULT now(),
      delivered_at timestamptz,
      UNIQUE (subscription_id, notification_id)
    )`.execute(db)
  await sql`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`.execute(db)
  await sql`CREATE INDEX webhook_deliveries_by_status ON webhook_deliveries (status, created_at DESC, id DESC)`.execute(db)
  await sql`CREATE INDEX webhook_deliveries_notification ON webhook_deliveries (notification_id)`.execute(db)

  await sql`
    CREATE FUNCTION webhook_outbox_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO webhook_deliveries (subscription_id, notification_id)
      SELECT s.id, NEW.id FROM webhook_subscriptions s WHERE NEW.kind = ANY (s.events) OR '*' = ANY (s.events);
      RETURN NULL;
    END $$`.execute(db)
  await sql`
    CREATE TRIGGER notifications_webhook_outbox AFTER INSERT ON notifications
    FOR EACH ROW WHEN (NEW.audience = 'principal') EXECUTE FUNCTION webhook_outbox_write()`.execute(db)

  await sql`
    CREATE UNIQUE INDEX notifications_reminder_once ON notifications (kind, subject_id, recipient_ref)
    WHERE kind IN ('meeting_tomorrow','follow_up_due','request_reminder')`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS notifications_reminder_once`.execute(db)
  await sql`DROP TRIGGER IF EXISTS notifications_webhook_outbox ON notifications`.execute(db)
  await sql`DROP FUNCTION IF EXISTS webhook_outbox_write()`.execute(db)
  await sql`DROP TABLE IF EXISTS webhook_deliveries`.execute(db)
  await sql`DROP TABLE IF EXISTS webhook_subscriptions`.execute(db)
}
