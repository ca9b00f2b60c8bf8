import type { Channel, Inbound } from "../core/model.js";
import type { InboxStore, OutboxItem, PendingMessage } from "../core/ports.js";
import type { SqlDriver } from "./driver.js";
import { FORGOTTEN, OUTBOX_COLUMNS, outboxItem, outboxUpdates, type OutboxRow } from "./sql-outbox.js";
import { conversationColumns, inboundParams, toLoaded } from "./sql-store.js";
import type { LeadRow } from "./sql-leads.js";

/** How far back the rate limit counts a student's messages. */
export const RATE_WINDOW_SECONDS = 60;

interface PendingRow {
  channel: Channel;
  conversation: string;
  external_id: string;
  sender: string;
  text: string;
  truncated: boolean;
  payload: string | null;
  content_type: string | null;
  created_at: Date;
  attempts: number;
  recent: number;
}

/**
 * The inbox and outbox in SQL; the same statements run on PGlite and PostgreSQL. `withConversation`: `pending`
 * reads the first message's conversation with the batch (see PendingMessage.conversation), for a store that
 * keeps no copy in memory (PostgreSQL, shared by processes).
 */
export function createSqlInbox(db: SqlDriver, options: { withConversation?: boolean } = {}): InboxStore {
  const updates = outboxUpdates(db);
  return {
    async accept(inbound: Inbound, options = {}) {
      const r = await db.query(
        `INSERT INTO messages (channel, conversation, external_id, direction, sender, text, truncated, created_at,
                               status, payload, content_type, seq)
         VALUES ($1, $2, $3, 'in', $4, $5, $6, $7, 'pending', $8, $9, $10)
         ON CONFLICT (channel, external_id) DO NOTHING`,
        [...inboundParams(inbound, options), inbound.payload ?? null, inbound.contentType ?? null, options.seq ?? null],
        { urgent: true },
      );
      return { isNew: r.rowCount > 0 };
    },

    async deadLetter({ channel, externalId, sender, conversation, reason, body }) {
      await db.query(
        `INSERT INTO dead_letters (channel, external_id, sender, conversation, reason, body) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (channel, external_id) DO NOTHING`,
        [channel, externalId, sender ?? null, conversation ?? sender ?? null, reason, body],
      );
    },

    async recordStatus({ channel, messageId, status, recipient, error, at }) {
      await db.query(
        // Only for a conversation rotabot still has: a receipt of the /forget confirmation
        // arrives after the student's rows are gone and would bring their number back.
        `INSERT INTO delivery_statuses (channel, message_id, status, recipient, error, at)
         SELECT $1, $2, $3, $4, $5, $6
          WHERE $4::text IS NULL OR EXISTS (SELECT 1 FROM messages WHERE channel = $1 AND conversation = $4::text)
         ON CONFLICT (channel, message_id, status) DO NOTHING`,
        [channel, messageId, status, recipient ?? null, error ?? null, at],
      );
    },

    async pending(channel, conversation, limit): Promise<PendingMessage[]> {
      // `recent` counts this student's messages in the minute before each one, the
      // pending one included, whatever their status: the rate limit of that moment.
      const batch = `SELECT m.id AS inbox_id, m.seq AS inbox_seq, m.channel, m.conversation, m.external_id, m.sender, m.text, m.truncated, m.payload, m.content_type, m.created_at, m.attempts,
                (SELECT count(*) FROM messages p
                  WHERE p.channel = m.channel AND p.conversation = m.conversation AND p.direction = 'in'
                    AND p.id <= m.id AND p.created_at > m.created_at - make_interval(secs => ${RATE_WINDOW_SECONDS})) AS recent
           FROM messages m
          WHERE m.channel = $1 AND m.conversation = $2 AND m.status = 'pending'
          ORDER BY m.seq NULLS LAST, m.id
          LIMIT $3`;
      // The first message's conversation comes with it: one round trip where the turn would make another.
      const sql = options.withConversation
        ? `WITH batch AS (SELECT b.*, row_number() OVER (ORDER BY b.inbox_seq NULLS LAST, b.inbox_id) AS n FROM (${batch}) AS b)
           SELECT batch.*, c.state, c.profile, c.lead FROM batch
             LEFT JOIN LATERAL (SELECT ${conversationColumns("batch.sender")}) AS c ON batch.n = 1
            ORDER BY batch.n`
        : batch;
      const r = await db.query<PendingRow & { state: unknown; profile: unknown; lead?: LeadRow | null }>(sql, [channel, conversation, limit]);
      return r.rows.map((row, i) => ({
        inbound: {
          id: row.external_id,
          channel: row.channel,
          conversation: row.conversation,
          sender: row.sender,
          text: row.text,
          payload: row.payload ?? undefined,
          contentType: row.content_type === "unsupported" ? "unsupported" : undefined,
          receivedAt: new Date(row.created_at),
        },
        truncated: row.truncated,
        attempts: row.attempts,
        recentCount: Number(row.recent),
        ...(options.withConversation && i === 0 ? { conversation: toLoaded(row) } : {}),
      }));
    },

    async waiting(now, limit) {
      // Slack rows belong to the Slack relay (channels/slack/relay.ts), lead webhook rows to the
      // webhook relay (channels/webhook/), never to a messenger worker.
      const r = await db.query<{ channel: Channel; conversation: string }>(
        `(SELECT DISTINCT channel, conversation FROM messages WHERE status = 'pending' LIMIT $2)
         UNION
         (SELECT DISTINCT channel, conversation FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 AND channel NOT IN ('slack', 'webhook') LIMIT $2)`,
        [now, limit],
      );
      return r.rows;
    },

    async markFailed(channel, externalId, error, dead) {
      await db.query(
        `UPDATE messages SET attempts = attempts + 1, error = $3, status = CASE WHEN $4::boolean THEN 'dead' ELSE status END
          WHERE channel = $1 AND external_id = $2`,
        [channel, externalId, error.slice(0, 500), dead],
      );
    },

    async markSkipped(channel, externalId, reason) {
      await db.query("UPDATE messages SET status = 'done', error = $3 WHERE channel = $1 AND external_id = $2", [channel, externalId, reason]);
    },

    async lastInboundAt(channel, conversation) {
      const r = await db.query<{ at: Date | null }>(
        "SELECT max(created_at) AS at FROM messages WHERE channel = $1 AND conversation = $2 AND direction = 'in'",
        [channel, conversation],
      );
      const at = r.rows[0]?.at;
      return at ? new Date(at) : null;
    },

    async claimNext(channel, conversation, until, now, sent) {
      // The head is read in the statement's snapshot, where a sent item is still pending: it is skipped by id.
      // The claim re-checks the row, so of two deliverers racing for it one gets claimed = false.
      const head = sent ? "AND id <> $5" : "";
      const params: unknown[] = [channel, conversation, until, now];
      if (sent) params.push(sent.id, sent.at);
      const r = await db.query<OutboxRow & { claimed: boolean | null; forgotten: boolean | null }>(
        `WITH ${sent ? `sent AS (UPDATE outbox SET status = 'sent', sent_at = $6, attempts = attempts + 1 WHERE id = $5 RETURNING ${FORGOTTEN}),` : ""}
              head AS (SELECT ${OUTBOX_COLUMNS} FROM outbox
                        WHERE channel = $1 AND conversation = $2 AND status = 'pending' ${head} ORDER BY id LIMIT 1),
              claim AS (UPDATE outbox o SET next_attempt_at = $3 FROM head
                         WHERE o.id = head.id AND o.status = 'pending' AND o.next_attempt_at <= $4 RETURNING o.id)
         SELECT head.*, EXISTS (SELECT 1 FROM claim) AS claimed, ${sent ? "(SELECT forgotten FROM sent)" : "NULL::boolean"} AS forgotten
           FROM (SELECT 1) AS one LEFT JOIN head ON true`,
        params,
      );
      const row = r.rows[0];
      if (sent && row?.forgotten) await updates.dropForgotten(sent.id);
      return row?.id === null || row?.id === undefined ? null : { item: outboxItem(row), claimed: row.claimed === true };
    },

    ...updates,
    markUndeliverable: updates.markDead,

    async lease(id, until) {
      const r = await db.query("UPDATE outbox SET next_attempt_at = $2 WHERE id = $1 AND status = 'pending' RETURNING id", [id, until]);
      return r.rows.length > 0;
    },

    async depths() {
      const r = await db.query<{ channel: string; inbox: number; outbox: number; dead: number }>(
        `SELECT channel, sum(inbox) AS inbox, sum(outbox) AS outbox, sum(dead) AS dead FROM (
           SELECT channel, count(*) AS inbox, 0 AS outbox, 0 AS dead FROM messages WHERE status = 'pending' GROUP BY channel
           UNION ALL SELECT channel, 0, count(*), 0 FROM outbox WHERE status = 'pending' GROUP BY channel
           UNION ALL SELECT channel, 0, 0, count(*) FROM dead_letters GROUP BY channel
           UNION ALL SELECT channel, 0, 0, count(*) FROM messages WHERE status = 'dead' GROUP BY channel
           UNION ALL SELECT channel, 0, 0, count(*) FROM outbox WHERE status = 'dead' AND channel IN ('slack', 'webhook') GROUP BY channel
         ) AS d GROUP BY channel ORDER BY channel`,
      );
      return r.rows.map((row) => ({ channel: row.channel, inbox: Number(row.inbox), outbox: Number(row.outbox), dead: Number(row.dead) }));
    },

    async lockConversation(channel, conversation) {
      const release = await db.tryLock(`conversation:${channel}:${conversation}`);
      if (!release) return null;
      const check = { sql: "EXISTS (SELECT 1 FROM messages WHERE channel = $1 AND conversation = $2 AND status = 'pending')", params: [channel, conversation] };
      return { release: async () => (await release(check)) === true };
    },
  };
}
