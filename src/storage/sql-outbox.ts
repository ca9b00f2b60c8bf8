import type { Channel } from "../core/model.js";
import type { OutboxItem, OutboxPayload } from "../core/ports.js";
import type { SqlExecutor } from "./driver.js";

/**
 * The `outbox` table (migration 002), shared by the messenger replies, the
 * lead desk's notices and the Slack stream of each lead: writing a row, reading
 * rows back, and recording what a delivery attempt did.
 */

/**
 * Puts a row in the outbox, due at `at` (default: the database's now); a
 * second write with the same key is a no-op.
 */
export async function enqueueOutbox(ex: SqlExecutor, key: string, channel: string, conversation: string, payload: OutboxPayload, at?: Date): Promise<void> {
  await ex.query(
    `INSERT INTO outbox (dedupe_key, channel, conversation, payload, next_attempt_at, created_at)
     VALUES ($1, $2, $3, $4::jsonb, COALESCE($5::timestamptz, now()), COALESCE($5::timestamptz, now()))
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [key, channel, conversation, JSON.stringify(payload), at ?? null],
  );
}

/** An `outbox` row as the outbox queries return it (OUTBOX_COLUMNS). */
export interface OutboxRow {
  id: number;
  dedupe_key: string;
  channel: Channel;
  conversation: string;
  payload: OutboxPayload;
  attempts: number;
  next_attempt_at: Date;
}

export const OUTBOX_COLUMNS = "id, dedupe_key, channel, conversation, payload, attempts, next_attempt_at";

export const outboxItem = (row: OutboxRow): OutboxItem => ({
  id: Number(row.id),
  key: row.dedupe_key,
  channel: row.channel,
  conversation: row.conversation,
  payload: row.payload,
  attempts: row.attempts,
  nextAttemptAt: new Date(row.next_attempt_at),
});

/** Whether a row is a /forget confirmation whose row goes once it is sent (see markSent). */
export const FORGOTTEN = "(dedupe_key LIKE 'forgotten:%' AND channel <> 'webchat') AS forgotten";

/** What happened to an outbox row after a delivery attempt; shared by the messenger and Slack outboxes. */
export function outboxUpdates(db: SqlExecutor) {
  /** The row of a sent /forget confirmation (see markSent). */
  const dropForgotten = async (id: number) => {
    await db.query("DELETE FROM outbox WHERE id = $1", [id]);
  };
  return {
    async markSent(id: number, at: Date, postedTs?: string) {
      // A posted Slack thread message keeps its ts in the payload, so that /forget can erase it there.
      const keepTs = postedTs === undefined ? "" : ", payload = payload || jsonb_build_object('postedTs', $3::text)";
      const r = await db.query<{ forgotten: boolean }>(
        `UPDATE outbox SET status = 'sent', sent_at = $2, attempts = attempts + 1${keepTs} WHERE id = $1 RETURNING ${FORGOTTEN}`,
        postedTs === undefined ? [id, at] : [id, at, postedTs],
      );
      // A /forget confirmation goes to an address that is erased: once it has left, its row goes too. On the
      // web chat, "sent" means stamped for the page, which reads the confirmation from that row (now, or after a
      // reload); the row keeps only the confirmation under the visitor's random id, which names nobody.
      if (r.rows[0]?.forgotten) await dropForgotten(id);
    },
    dropForgotten,
    async markRetry(id: number, error: string, next: Date) {
      await db.query("UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3 WHERE id = $1", [id, error.slice(0, 500), next]);
    },
    async markDead(id: number, error: string) {
      await db.query("UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = $2 WHERE id = $1", [id, error.slice(0, 500)]);
    },
  };
}
