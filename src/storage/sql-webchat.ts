import type { Reply } from "../core/model.js";
import type { OutboxPayload } from "../core/ports.js";
import type { HistoryItem, StoredWebReply, WebchatMailbox } from "../core/webchat-mailbox.js";
import type { SqlExecutor } from "./driver.js";

interface ReplyRow {
  web_seq: number;
  payload: OutboxPayload;
  created_at: Date;
}

const toReply = (row: ReplyRow): StoredWebReply => ({
  seq: Number(row.web_seq),
  reply: row.payload.kind === "reply" ? row.payload.reply : ({ text: "" } satisfies Reply),
  at: new Date(row.created_at),
});

/** The web chat's mailbox over the outbox (migration 007); the same statements run on PGlite and PostgreSQL. */
export function createSqlWebchat(db: SqlExecutor): WebchatMailbox {
  return {
    async stamp(outboxId) {
      await db.query("UPDATE outbox SET web_seq = nextval('webchat_reply_seq') WHERE id = $1 AND channel = 'webchat' AND web_seq IS NULL", [outboxId]);
    },

    async after(conversation, seq, limit) {
      const r = await db.query<ReplyRow>(
        `SELECT web_seq, payload, created_at FROM outbox
          WHERE channel = 'webchat' AND conversation = $1 AND web_seq > $2 AND payload->>'kind' = 'reply'
          ORDER BY web_seq LIMIT $3`,
        [conversation, seq, limit],
      );
      return r.rows.map(toReply);
    },

    async latest(conversations) {
      if (conversations.length === 0) return new Map();
      const r = await db.query<{ conversation: string; seq: number }>(
        `SELECT conversation, max(web_seq) AS seq FROM outbox
          WHERE channel = 'webchat' AND conversation = ANY($1::text[]) AND web_seq IS NOT NULL
          GROUP BY conversation`,
        [conversations],
      );
      return new Map(r.rows.map((row) => [row.conversation, Number(row.seq)]));
    },

    async history(conversation, limit) {
      // What the visitor wrote (a button press shows its label; the opening /start has no text)
      // and the stamped replies, merged by when each was written; a reply never precedes its question.
      const r = await db.query<{ kind: "in" | "out"; text: string | null; web_seq: number | null; payload: OutboxPayload | null; created_at: Date }>(
        `SELECT * FROM (
           SELECT 'in' AS kind, text, NULL::bigint AS web_seq, NULL::jsonb AS payload, created_at, 0 AS side, id AS n
             FROM messages WHERE channel = 'webchat' AND conversation = $1 AND direction = 'in' AND text <> ''
           UNION ALL
           SELECT 'out', NULL, web_seq, payload, created_at, 1, web_seq
             FROM outbox WHERE channel = 'webchat' AND conversation = $1 AND web_seq IS NOT NULL AND payload->>'kind' = 'reply'
         ) AS h ORDER BY created_at DESC, side DESC, n DESC LIMIT $2`,
        [conversation, limit],
      );
      return r.rows.reverse().map((row): HistoryItem =>
        row.kind === "in"
          ? { kind: "in", text: row.text ?? "", at: new Date(row.created_at) }
          : { kind: "out", ...toReply({ web_seq: row.web_seq as number, payload: row.payload as OutboxPayload, created_at: row.created_at }) },
      );
    },
  };
}
