import type { Channel, Inbound, Reply } from "../core/model.js";
import type { ConversationStore, LoadedConversation, SavedTurn, StoredMessage, TurnRecord } from "../core/ports.js";
import { parseProfile, parseState } from "../core/state.js";
import type { SqlDriver, SqlExecutor } from "./driver.js";
import { enqueueOutbox, outboxItem, type OutboxRow } from "./sql-outbox.js";
import { turnStatement } from "./sql-turn.js";
import { forgetLeads, OPEN_LEAD_COLUMN, openLeadFromRow, openLead, type LeadRow, withdrawConsent, writeLead } from "./sql-leads.js";

const CACHE_LIMIT = 10_000;

/** Stores an inbound message unless its (channel, platform id) was stored before. Parameters: see inboundParams. */
const INSERT_INBOUND = `INSERT INTO messages (channel, conversation, external_id, direction, sender, text, truncated, created_at)
  VALUES ($1, $2, $3, 'in', $4, $5, $6, $7)
  ON CONFLICT (channel, external_id) DO NOTHING`;

/**
 * The conversation's state (from its newest reply) and the student's profile,
 * as two columns; `$1` is the channel, `$2` the conversation, `sender` the
 * parameter holding the student's id.
 */
export const conversationColumns = (sender: string) => `(SELECT state FROM messages
     WHERE channel = $1 AND conversation = $2 AND state IS NOT NULL
     ORDER BY id DESC LIMIT 1) AS state,
   (SELECT profile FROM students WHERE channel = $1 AND sender = ${sender}) AS profile,
   ${OPEN_LEAD_COLUMN}`;

/** The parameters of INSERT_INBOUND, in order. */
export const inboundParams = (inbound: Inbound, options: { truncated?: boolean }) => [
  inbound.channel,
  inbound.conversation,
  inbound.id,
  inbound.sender,
  inbound.text,
  options.truncated ?? false,
  inbound.receivedAt,
];

/** Puts a reply in the outbox; a second write with the same key is a no-op. */
const enqueue = (ex: SqlExecutor, dedupeKey: string, channel: string, conversation: string, reply: Reply, inboundAt: Date) =>
  enqueueOutbox(ex, dedupeKey, channel, conversation, { kind: "reply", reply, inboundAt: inboundAt.toISOString() });

export const toLoaded = (row: { state: unknown; profile: unknown; lead?: LeadRow | null } | undefined): LoadedConversation => ({
  state: parseState(row?.state),
  profile: parseProfile(row?.profile),
  lead: row?.lead ? openLeadFromRow(row.lead) : null,
});

/**
 * A cached conversation: its state and profile, and whether it may have an
 * open lead. Only turns create leads, so "no open lead" stays true until this
 * process saves one; an open lead is read afresh on every turn, because a
 * counselor may claim, release or close it from Slack meanwhile.
 */
interface Cached {
  state: LoadedConversation["state"];
  profile: LoadedConversation["profile"];
  hasLead: boolean;
}

/** Keeps at most `limit` entries, forgetting the least recently written first. */
function boundedMap<V>(limit: number) {
  const map = new Map<string, V>();
  return {
    get: (k: string) => map.get(k),
    set(k: string, v: V) {
      map.delete(k);
      map.set(k, v);
      if (map.size > limit) map.delete(map.keys().next().value as string);
    },
    clear: () => map.clear(),
  };
}

/**
 * The conversation store in SQL; the same statements run on PGlite and PostgreSQL.
 * With `exclusive` (no other process writes this database) it keeps the last
 * state of recent conversations and the profile of recent students in memory,
 * written through on every turn, and skips the read at the start of the next
 * turn. A profile is the student's, not the conversation's: it is cached per
 * student, so that what a student says in one chat (a group, a private one) is
 * what the next turn in the other one reads.
 */
export function createSqlStore(db: SqlDriver, options: { exclusive?: boolean } = {}): ConversationStore {
  const states = options.exclusive ? boundedMap<Omit<Cached, "profile">>(CACHE_LIMIT) : null;
  const profiles = options.exclusive ? boundedMap<Cached["profile"]>(CACHE_LIMIT) : null;
  const conversationKey = (channel: string, conversation: string, sender: string) => `${channel}\u0000${conversation}\u0000${sender}`;
  const studentKey = (channel: string, sender: string) => `${channel}\u0000${sender}`;
  const cached = (channel: string, conversation: string, sender: string): Cached | undefined => {
    const c = states?.get(conversationKey(channel, conversation, sender));
    const profile = profiles?.get(studentKey(channel, sender));
    return c && profile ? { ...c, profile } : undefined;
  };
  const remember = (channel: string, conversation: string, sender: string, value: LoadedConversation | Cached) => {
    states?.set(conversationKey(channel, conversation, sender), { state: value.state, hasLead: "hasLead" in value ? value.hasLead : Boolean(value.lead) });
    profiles?.set(studentKey(channel, sender), value.profile);
  };
  /** A cached conversation, with its open lead read afresh when it may have one. */
  const fromCache = async (hit: Cached, channel: string, conversation: string): Promise<LoadedConversation> => ({
    state: hit.state,
    profile: hit.profile,
    lead: hit.hasLead ? await openLead(db, channel, conversation) : null,
  });
  const saveInbound = async (inbound: Inbound, options: { truncated?: boolean } = {}) => {
    const r = await db.query(INSERT_INBOUND, inboundParams(inbound, options));
    return { isNew: r.rowCount > 0 };
  };

  return {
    saveInbound,

    async receive(inbound, options = {}) {
      const hit = cached(inbound.channel, inbound.conversation, inbound.sender);
      if (hit) {
        const { isNew } = await saveInbound(inbound, options);
        return isNew ? { isNew, ...(await fromCache(hit, inbound.channel, inbound.conversation)) } : { isNew };
      }
      // One statement: store the message and read the conversation (as it was before it).
      const r = await db.query<{ inserted: number; state: unknown; profile: unknown; lead: LeadRow | null }>(
        `WITH inserted AS (${INSERT_INBOUND} RETURNING 1)
         SELECT (SELECT count(*) FROM inserted) AS inserted, ${conversationColumns("$4")}`,
        inboundParams(inbound, options),
      );
      const row = r.rows[0];
      if (!row || Number(row.inserted) === 0) return { isNew: false };
      const loaded = toLoaded(row);
      remember(inbound.channel, inbound.conversation, inbound.sender, loaded);
      return { isNew: true, ...loaded };
    },

    async load(channel, conversation, sender): Promise<LoadedConversation> {
      const hit = cached(channel, conversation, sender);
      if (hit) return fromCache(hit, channel, conversation);
      const r = await db.query<{ state: unknown; profile: unknown; lead: LeadRow | null }>(`SELECT ${conversationColumns("$3")}`, [channel, conversation, sender]);
      const loaded = toLoaded(r.rows[0]);
      remember(channel, conversation, sender, loaded);
      return loaded;
    },

    async saveTurn(t: TurnRecord) {
      const { inbound } = t;
      // Replies, profile, done mark and outbox rows: one statement (sql-turn.ts).
      const turn = turnStatement(t);
      let saved: SavedTurn = {};
      const claimed = (rows: OutboxRow[]) => {
        if (turn.claims && rows[0]) saved = { ...saved, claimed: outboxItem(rows[0]) };
      };
      if (!t.lead && !t.withdrawConsent) {
        claimed((await db.query<OutboxRow>(turn.sql, turn.params)).rows);
      } else {
        await db.transaction(async (tx) => {
          claimed((await tx.query<OutboxRow>(turn.sql, turn.params)).rows);
          if (t.withdrawConsent) await withdrawConsent(tx, inbound.channel, inbound.sender, t.withdrawConsent.version, t.at);
          if (t.lead) {
            const lead = await writeLead(tx, inbound, t.lead, t.at);
            if (lead) saved = { ...saved, lead };
          }
        });
      }
      // Unknown (not cached) counts as "may have a lead": the next turn then reads it.
      const hasLead = saved.lead ? saved.lead.status !== "closed" : (states?.get(conversationKey(inbound.channel, inbound.conversation, inbound.sender))?.hasLead ?? true);
      remember(inbound.channel, inbound.conversation, inbound.sender, { state: t.state, profile: t.profile, hasLead });
      return saved;
    },

    async history(channel: Channel, conversation: string, limit: number): Promise<StoredMessage[]> {
      const r = await db.query<{ direction: "in" | "out"; text: string; intent: string | null; fell_back: boolean | null; created_at: Date; generated: boolean }>(
        `SELECT direction, text, created_at, generated,
                COALESCE(intent, (SELECT o.intent FROM messages o
                                   WHERE o.channel = recent.channel AND o.reply_to = recent.external_id
                                   ORDER BY o.id LIMIT 1)) AS intent,
                CASE WHEN direction = 'in' THEN (SELECT bool_or(o.fell_back) FROM messages o
                                   WHERE o.channel = recent.channel AND o.reply_to = recent.external_id) END AS fell_back
           FROM (SELECT id, channel, direction, text, intent, external_id, created_at, generated FROM messages
                  WHERE channel = $1 AND conversation = $2
                  ORDER BY id DESC LIMIT $3) AS recent
          ORDER BY id ASC`,
        [channel, conversation, limit],
      );
      return r.rows.map((m) => ({
        direction: m.direction,
        text: m.text,
        intent: m.intent,
        createdAt: new Date(m.created_at),
        ...(m.direction === "in" ? { fellBack: m.fell_back ?? false } : {}),
        ...(m.generated ? { generated: true } : {}),
      }));
    },

    async unanswered({ since, limit }) {
      const r = await db.query<{ text: string; channel: string; created_at: Date }>(
        `SELECT DISTINCT ON (i.id) i.text, i.channel, i.created_at
           FROM messages o
           JOIN messages i ON i.channel = o.channel AND i.external_id = o.reply_to
          WHERE o.fell_back AND o.created_at >= $1 AND i.text <> ''
          ORDER BY i.id DESC LIMIT $2`,
        [since ?? new Date(0), limit ?? 10_000],
      );
      return r.rows.map((m) => ({ text: m.text, channel: m.channel, createdAt: new Date(m.created_at) }));
    },

    async forget(channel: Channel, sender: string, inbox) {
      // A private chat's id is the student's own id: drop it whole, replies included.
      // In group chats only the student's own messages are theirs to erase.
      states?.clear();
      profiles?.clear();
      await db.transaction(async (tx) => {
        await tx.query(
          `DELETE FROM messages WHERE channel = $1 AND (sender = $2 OR conversation = $2)
              AND (status <> 'pending' OR external_id = $3)`,
          [channel, sender, inbox?.messageId ?? null],
        );
        await tx.query("DELETE FROM students WHERE channel = $1 AND sender = $2", [channel, sender]);
        await tx.query("DELETE FROM dead_letters WHERE channel = $1 AND (sender = $2 OR conversation = $2)", [channel, sender]);
        // A WhatsApp receipt names its recipient: the student's phone number.
        await tx.query("DELETE FROM delivery_statuses WHERE channel = $1 AND recipient = $2", [channel, sender]);
        await tx.query("DELETE FROM outbox WHERE channel = $1 AND conversation = $2", [channel, sender]);
        await forgetLeads(tx, channel, sender);
        for (const [i, reply] of (inbox?.replies ?? []).entries()) {
          // "forgotten:" rows are deleted once sent (outboxUpdates.markSent): their address is the erased student's.
          await enqueue(tx, `forgotten:${channel}:${inbox?.messageId}:${i}`, channel, inbox?.conversation ?? sender, reply, inbox?.receivedAt ?? new Date());
        }
      });
    },

    async ping() {
      await db.query("SELECT 1");
    },
  };
}
