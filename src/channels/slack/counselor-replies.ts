import type { Channel } from "../../core/model.js";
import type { LeadDesk, ThreadOutcome } from "../../leads/desk.js";
import type { Messages } from "../../knowledge/schema.js";
import { silentLogger, type Logger } from "../../logger.js";
import type { SlackMessage } from "./api.js";
import { isInternalNote, renderCounselorText } from "./counselor-text.js";

export interface CounselorRepliesOptions {
  desk: LeadDesk;
  messages: () => Messages;
  /** The bot's own user id, when known: its posts are never relayed. */
  botUserId?: string;
  /** A reply landed in a student's outbox: wake the messenger worker for that conversation. */
  notify(channel: Channel, conversation: string): void;
  /** Tell a counselor, privately, why their message did not go to the student. */
  tellCounselor?(args: { channel: string; user: string; threadTs: string; text: string }): Promise<void>;
  logger?: Logger;
  now(): Date;
}

/** A thread message from the Events API or from `conversations.replies`. */
export type IncomingThreadMessage = SlackMessage & { channel: string; eventId?: string };

/**
 * The one path from a lead's thread to the student, shared by live events and
 * the reconciler: only human messages in a lead's thread count (no bot posts,
 * no edits or deletions, no top-level chatter), internal notes stay in Slack,
 * and each message is relayed at most once, by its `slack:<channel>:<ts>` key.
 *
 * Decided: only the holder's replies are relayed; a reply in the thread of an
 * unclaimed lead claims it for its author (they are clearly taking it), and a
 * reply while someone else holds the lead stays in Slack, with a private note
 * to its author.
 */
export function createCounselorReplies(options: CounselorRepliesOptions) {
  const { desk } = options;
  const log = options.logger ?? silentLogger;

  return async function handle(m: IncomingThreadMessage, live: boolean): Promise<ThreadOutcome | { outcome: "ignored" }> {
    // thread_broadcast: a thread reply also sent to the channel; still a reply.
    const plain = m.subtype === undefined || m.subtype === "thread_broadcast";
    if (m.subtype === "file_share" && live && m.user && m.thread_ts && m.user !== options.botUserId && options.tellCounselor) {
      // Files never reach the student (their channels get text only); say so rather than drop it silently.
      await options.tellCounselor({ channel: m.channel, user: m.user, threadTs: m.thread_ts, text: "Files are not sent to the student; paste a link in a message instead." });
      return { outcome: "ignored" };
    }
    if (!plain || m.bot_id || !m.user || !m.thread_ts || m.thread_ts === m.ts || m.user === options.botUserId) return { outcome: "ignored" };
    const raw = m.text ?? "";
    const note = isInternalNote(raw);
    const text = note ? "" : renderCounselorText(raw);
    if (!note && text === "") return { outcome: "ignored" };
    const at = options.now();
    const result = await desk.threadMessage({
      key: `slack:${m.channel}:${m.ts}`,
      eventId: m.eventId,
      card: { channel: m.channel, ts: m.thread_ts },
      author: { id: m.user },
      reply: note ? null : { text },
      at,
      claimNotice: { text: options.messages().lead_claimed },
    });
    if (result.outcome === "relayed") {
      options.notify(result.lead.channel, result.lead.conversation);
      log.info({ channel: "slack", leadId: result.lead.id, claimed: result.claimed, live }, "counselor reply relayed to the student");
    } else if ((result.outcome === "held_by_other" || result.outcome === "closed") && live && options.tellCounselor) {
      const why =
        result.outcome === "closed"
          ? "This lead is closed, so your message was not sent to the student."
          : `<@${result.lead.claimedBy?.id ?? ""}> holds this lead, so your message was not sent to the student. Start with \`note:\` for internal notes.`;
      await options.tellCounselor({ channel: m.channel, user: m.user, threadTs: m.thread_ts, text: why }).catch((err: unknown) => {
        log.warn({ channel: "slack", err: err instanceof Error ? err.message : String(err) }, "could not tell the counselor");
      });
    }
    return result;
  };
}

export type CounselorReplies = ReturnType<typeof createCounselorReplies>;
