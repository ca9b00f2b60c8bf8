import type { Channel, Inbound } from "../core/model.js";
import type { ConversationStore, LoadedConversation, StoredMessage, TurnRecord } from "../core/ports.js";
import { parseProfile, parseState } from "../core/state.js";
import type { SqlDriver } from "./driver.js";

/** The conversation store in SQL; the same statements run on PGlite and PostgreSQL. */
export function createSqlStore(db: SqlDriver): ConversationStore {
  return {
    async saveInbound(inbound: Inbound, options = {}) {
      const r = await db.query(
        `INSERT INTO messages (channel, conversation, external_id, direction, sender, text, truncated, created_at)
         VALUES ($1, $2, $3, 'in', $4, $5, $6, $7)
         ON CONFLICT (channel, external_id) DO NOTHING`,
        [inbound.channel, inbound.conversation, inbound.id, inbound.sender, inbound.text, options.truncated ?? false, inbound.receivedAt],
      );
      return { isNew: r.rowCount > 0 };
    },

    async load(channel, conversation, sender): Promise<LoadedConversation> {
      const r = await db.query<{ state: unknown; profile: unknown }>(
        `SELECT c.state, s.profile
           FROM (SELECT 1) AS one
           LEFT JOIN conversations c ON c.channel = $1 AND c.conversation = $2
           LEFT JOIN students s ON s.channel = $1 AND s.sender = $3`,
        [channel, conversation, sender],
      );
      const row = r.rows[0];
      return { state: parseState(row?.state), profile: parseProfile(row?.profile) };
    },

    async saveTurn(t: TurnRecord) {
      const { inbound } = t;
      await db.transaction(async (tx) => {
        await tx.query(
          `UPDATE messages SET intent = $3, confidence = $4, fell_back = $5, processed_at = $6
            WHERE channel = $1 AND external_id = $2`,
          [inbound.channel, inbound.id, t.intent, t.confidence, t.fellBack, t.at],
        );
        for (const reply of t.replies) {
          await tx.query(
            `INSERT INTO messages (channel, conversation, direction, text, intent, created_at)
             VALUES ($1, $2, 'out', $3, $4, $5)`,
            [inbound.channel, inbound.conversation, reply.text, t.intent, t.at],
          );
        }
        await tx.query(
          `INSERT INTO conversations (channel, conversation, sender, state, updated_at)
           VALUES ($1, $2, $3, $4::jsonb, $5)
           ON CONFLICT (channel, conversation)
           DO UPDATE SET state = EXCLUDED.state, sender = EXCLUDED.sender, updated_at = EXCLUDED.updated_at`,
          [inbound.channel, inbound.conversation, inbound.sender, JSON.stringify(t.state), t.at],
        );
        await tx.query(
          `INSERT INTO students (channel, sender, profile, updated_at)
           VALUES ($1, $2, $3::jsonb, $4)
           ON CONFLICT (channel, sender)
           DO UPDATE SET profile = EXCLUDED.profile, updated_at = EXCLUDED.updated_at`,
          [inbound.channel, inbound.sender, JSON.stringify(t.profile), t.at],
        );
      });
    },

    async history(channel: Channel, conversation: string, limit: number): Promise<StoredMessage[]> {
      const r = await db.query<{ direction: "in" | "out"; text: string; intent: string | null; created_at: Date }>(
        `SELECT direction, text, intent, created_at FROM (
           SELECT id, direction, text, intent, created_at FROM messages
            WHERE channel = $1 AND conversation = $2
            ORDER BY id DESC LIMIT $3
         ) AS recent ORDER BY id ASC`,
        [channel, conversation, limit],
      );
      return r.rows.map((m) => ({ direction: m.direction, text: m.text, intent: m.intent, createdAt: new Date(m.created_at) }));
    },

    async forget(channel: Channel, sender: string) {
      // A private chat's id is the student's own id: drop it whole, replies included.
      // In group chats only the student's own messages are theirs to erase.
      await db.transaction(async (tx) => {
        await tx.query("DELETE FROM messages WHERE channel = $1 AND (sender = $2 OR conversation = $2)", [channel, sender]);
        await tx.query("DELETE FROM conversations WHERE channel = $1 AND conversation = $2", [channel, sender]);
        await tx.query("DELETE FROM students WHERE channel = $1 AND sender = $2", [channel, sender]);
      });
    },

    async ping() {
      await db.query("SELECT 1");
    },
  };
}
