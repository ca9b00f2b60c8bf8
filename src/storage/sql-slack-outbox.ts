import type { SlackOutbox } from "../leads/desk.js";
import type { SqlDriver } from "./driver.js";
import { outboxItem, outboxUpdates, type OutboxRow } from "./sql-outbox.js";

const ms = (param: string) => `make_interval(secs => ${param}::double precision / 1000)`;

/**
 * The Slack side of the outbox in SQL; the same statements run on PGlite and PostgreSQL.
 * `channel` "webhook" gives the lead webhook's outbox: the same per-lead streams, leases,
 * retries and pacing (its pace row is keyed by "webhook" in `slack_pace`).
 */
export function createSqlSlackOutbox(db: SqlDriver, channel: "slack" | "webhook" = "slack"): SlackOutbox {
  return {
    async claimDue(now, leaseMs, limit) {
      // One statement, so one short transaction: lock the due heads nobody else has locked,
      // and push their next attempt past the lease so no other relay takes them meanwhile.
      // A head still pending (leased or waiting for a retry) keeps the rest of its lead's stream back.
      const r = await db.query<OutboxRow>(
        `WITH heads AS (
           SELECT o.id FROM outbox o
            WHERE o.channel = $4 AND o.status = 'pending' AND o.next_attempt_at <= $1
              AND NOT EXISTS (SELECT 1 FROM outbox p
                               WHERE p.channel = $4 AND p.status = 'pending' AND p.conversation = o.conversation AND p.id < o.id)
            ORDER BY o.id
            LIMIT $3
            FOR UPDATE OF o SKIP LOCKED)
         UPDATE outbox SET next_attempt_at = $1::timestamptz + ${ms("$2")}
           FROM heads WHERE outbox.id = heads.id
         RETURNING outbox.id, outbox.dedupe_key, outbox.channel, outbox.conversation, outbox.payload, outbox.attempts, outbox.next_attempt_at`,
        [now, leaseMs, limit, channel],
      );
      return r.rows.map(outboxItem).sort((a, b) => a.id - b.id);
    },

    ...outboxUpdates(db),

    async release(ids, at) {
      if (ids.length === 0) return;
      await db.query("UPDATE outbox SET next_attempt_at = $2 WHERE id = ANY($1::bigint[]) AND status = 'pending'", [ids, at]);
    },

    async reserveSlot(slackChannel, now, spacingMs, maxWaitMs) {
      await db.query("INSERT INTO slack_pace (slack_channel, next_at) VALUES ($1, $2) ON CONFLICT (slack_channel) DO NOTHING", [slackChannel, now]);
      // The row is locked while it is read and moved, so two relays never get one slot.
      // A slot further away than maxWaitMs is only reported, not taken.
      const r = await db.query<{ old: Date; next_at: Date }>(
        `UPDATE slack_pace p
            SET next_at = CASE WHEN GREATEST(o.old, $2::timestamptz) <= $2::timestamptz + ${ms("$4")}
                               THEN GREATEST(o.old, $2::timestamptz) + ${ms("$3")} ELSE o.old END
           FROM (SELECT next_at AS old FROM slack_pace WHERE slack_channel = $1 FOR UPDATE) AS o
          WHERE p.slack_channel = $1
          RETURNING o.old, p.next_at`,
        [slackChannel, now, spacingMs, maxWaitMs],
      );
      const row = r.rows[0] as { old: Date; next_at: Date };
      const slot = new Date(Math.max(new Date(row.old).getTime(), now.getTime()));
      return { at: slot, reserved: new Date(row.next_at).getTime() !== new Date(row.old).getTime() || spacingMs === 0 };
    },

    async pause(slackChannel, until) {
      await db.query(
        `INSERT INTO slack_pace (slack_channel, next_at) VALUES ($1, $2)
         ON CONFLICT (slack_channel) DO UPDATE SET next_at = GREATEST(slack_pace.next_at, EXCLUDED.next_at)`,
        [slackChannel, until],
      );
    },

    async counts() {
      const r = await db.query<{ pending: number; dead: number }>(
        `SELECT count(*) FILTER (WHERE status = 'pending') AS pending, count(*) FILTER (WHERE status = 'dead') AS dead
           FROM outbox WHERE channel = $1`,
        [channel],
      );
      const row = r.rows[0];
      return { pending: Number(row?.pending ?? 0), dead: Number(row?.dead ?? 0) };
    },
  };
}
