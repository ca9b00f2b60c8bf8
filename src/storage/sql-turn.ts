import type { TurnRecord } from "../core/ports.js";
import { OUTBOX_COLUMNS } from "./sql-outbox.js";

/**
 * What a turn writes besides its lead, as ONE statement: the replies (the last
 * row carries the new conversation state), the student's profile when it
 * changed, and for a message from the inbox its `done` mark and one outbox row
 * per reply. A statement is atomic on its own, so this needs no BEGIN/COMMIT:
 * one round trip instead of 4 + one per reply (PostgreSQL), and on PGlite one
 * call of the engine's six-message extended protocol instead of several.
 *
 * The data-modifying CTEs touch different rows (the UPDATE marks the inbound
 * message; the INSERTs add new rows), so they do not see or fight each other.
 */
export function turnStatement(t: TurnRecord): { sql: string; params: unknown[]; claims?: boolean } {
  const { inbound } = t;
  const texts = t.replies.length > 0 ? t.replies.map((r) => r.text) : [""];
  const params: unknown[] = [inbound.channel, inbound.conversation, inbound.id, t.intent, t.confidence, t.fellBack, t.at, JSON.stringify(t.state), ...texts];
  const next = (value: unknown) => `$${params.push(value)}`;
  // The language model's texts are marked, so that counselors see which answers it wrote.
  const generated = t.replies.map((r) => r.generated === true);
  const values = texts.map((_, i) => `($1, $2, 'out', $${i + 9}, $3, $4, $5, $6, $7, ${i === texts.length - 1 ? "$8::jsonb" : "NULL"}, ${generated[i] ? "true" : "false"})`);
  const replies = `INSERT INTO messages (channel, conversation, direction, text, reply_to, intent, confidence, fell_back, created_at, state, generated)
     VALUES ${values.join(", ")}`;
  const parts: string[] = [];
  if (t.profileChanged) {
    parts.push(`student AS (INSERT INTO students (channel, sender, profile, updated_at)
       VALUES ($1, ${next(inbound.sender)}, ${next(JSON.stringify(t.profile))}::jsonb, $7)
       ON CONFLICT (channel, sender) DO UPDATE SET profile = EXCLUDED.profile, updated_at = EXCLUDED.updated_at)`);
  }
  if (t.deliver) {
    parts.push(`done AS (UPDATE messages SET status = 'done' WHERE channel = $1 AND external_id = $3)`);
    if (t.replies.length > 0) {
      const inboundAt = inbound.receivedAt.toISOString();
      // One row per reply, in reply order: ORDER BY makes the ids (the delivery order) follow it.
      const rows = t.replies.map(
        (reply, i) => `(${i}, ${next(`reply:${inbound.channel}:${inbound.id}:${i}`)}, ${next(JSON.stringify({ kind: "reply", reply, inboundAt }))}::jsonb)`,
      );
      // The first reply's row can be written claimed (TurnRecord.claimFirstReplyMs) when nothing older of the
      // conversation waits to be sent: its deliverer then sends it without claiming it first.
      const claimUntil = t.claimFirstReplyMs ? next(new Date(t.at.getTime() + t.claimFirstReplyMs)) : undefined;
      const due = claimUntil
        ? `CASE WHEN r.n = 0 AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.channel = $1 AND p.conversation = $2 AND p.status = 'pending')
                THEN ${claimUntil}::timestamptz ELSE now() END`
        : "now()";
      parts.push(`queued AS (INSERT INTO outbox (dedupe_key, channel, conversation, payload, next_attempt_at, created_at)
         SELECT r.dedupe_key, $1, $2, r.payload, ${due}, now() FROM (VALUES ${rows.join(", ")}) AS r(n, dedupe_key, payload)
         ORDER BY r.n
         ON CONFLICT (dedupe_key) DO NOTHING${claimUntil ? `
         RETURNING ${OUTBOX_COLUMNS}, next_attempt_at = ${claimUntil}::timestamptz AS claimed` : ""})`);
      if (claimUntil) {
        // The replies' INSERT becomes a CTE too, so that the statement returns the claimed row.
        const sql = `WITH ${parts.join(",\n")},\nreplies AS (${replies})\nSELECT ${OUTBOX_COLUMNS} FROM queued WHERE claimed`;
        return { sql, params, claims: true };
      }
    }
  }
  if (parts.length === 0) return { sql: replies, params };
  return { sql: `WITH ${parts.join(",\n")}\n${replies}`, params };
}
