import type { Message, Update, UserFromGetMe } from "grammy/types";
import type { Inbound } from "../../core/model.js";

/** What to do with one Telegram update. */
export type MappedUpdate =
  | { kind: "message"; inbound: Inbound; seq: number; callbackQueryId?: string }
  | { kind: "ignore"; reason: string; callbackQueryId?: string }
  | { kind: "dead"; reason: string; externalId: string; sender?: string; conversation?: string };

const UNSUPPORTED_CONTENT = ["photo", "voice", "audio", "video", "video_note", "sticker", "document", "animation", "location", "venue", "contact", "poll", "dice"] as const;

/**
 * Translates a Telegram update into rotabot's message model. Private chats are
 * answered always; in groups only messages addressed to the bot (a mention, a
 * command for it, or a reply to it). The update id is the dedupe key and the
 * processing order.
 */
export function mapUpdate(update: Update, me: Pick<UserFromGetMe, "id" | "username">): MappedUpdate {
  const id = String(update.update_id);
  if (update.message) return mapMessage(update.message, update.update_id, me);
  if (update.callback_query) {
    const q = update.callback_query;
    const chat = q.message?.chat;
    if (!chat || !q.data) return { kind: "ignore", reason: "callback without chat or data", callbackQueryId: q.id };
    const buttons = q.message && "reply_markup" in q.message ? (q.message.reply_markup?.inline_keyboard ?? []).flat() : [];
    const title = buttons.find((b) => "callback_data" in b && b.callback_data === q.data)?.text ?? "";
    return {
      kind: "message",
      seq: update.update_id,
      callbackQueryId: q.id,
      inbound: { id, channel: "telegram", conversation: String(chat.id), sender: String(q.from.id), text: title, payload: q.data, receivedAt: new Date() },
    };
  }
  if (update.edited_message || update.edited_channel_post || update.channel_post) return { kind: "ignore", reason: "edits and channel posts are not answered" };
  if (update.my_chat_member || update.chat_member) return { kind: "ignore", reason: "membership change" };
  const type = Object.keys(update).find((k) => k !== "update_id") ?? "empty";
  return { kind: "dead", reason: `unsupported update type: ${type.slice(0, 60)}`, externalId: id, ...peopleOf(update) };
}

/**
 * Who an update that cannot be processed is about, as far as its body says
 * (`from`, `user`, `chat` of its one payload): kept on the dead letter, so
 * that the student's /forget finds it. Never throws.
 */
export function peopleOf(update: unknown): { sender?: string; conversation?: string } {
  const id = (v: unknown) => (typeof v === "number" || typeof v === "string" ? String(v) : undefined);
  const field = (o: unknown, k: string): unknown => (typeof o === "object" && o !== null ? (o as Record<string, unknown>)[k] : undefined);
  const body = typeof update === "object" && update !== null ? Object.entries(update).find(([k]) => k !== "update_id")?.[1] : undefined;
  const sender = id(field(field(body, "from"), "id")) ?? id(field(field(body, "user"), "id")) ?? id(field(field(field(body, "message"), "from"), "id"));
  const conversation = id(field(field(body, "chat"), "id")) ?? id(field(field(field(body, "message"), "chat"), "id")) ?? sender;
  return { ...(sender ? { sender } : {}), ...(conversation ? { conversation } : {}) };
}

function mapMessage(message: Message, updateId: number, me: Pick<UserFromGetMe, "id" | "username">): MappedUpdate {
  const { chat } = message;
  if (!message.from) return { kind: "ignore", reason: "message without a sender" };
  const group = chat.type === "group" || chat.type === "supergroup";
  let text = message.text ?? message.caption ?? "";
  if (group) {
    const mention = new RegExp(`@${escapeRegExp(me.username)}\\b`, "i");
    const addressed = mention.test(text) || message.reply_to_message?.from?.id === me.id;
    if (!addressed) return { kind: "ignore", reason: "group message not addressed to the bot" };
    text = text.replace(mention, "").trim();
  } else if (chat.type !== "private") {
    return { kind: "ignore", reason: `chat type ${chat.type}` };
  }
  // "/help@rotabot_bot" and deep links ("/start ref42") are the plain commands to the core.
  text = text.replace(/^(\/[a-z_]+)(@\w+)?(\s.*)?$/is, (whole, cmd: string, _at: string | undefined, rest: string | undefined) =>
    ["/start", "/help"].includes(cmd.toLowerCase()) ? cmd : `${cmd}${rest ?? ""}`,
  );
  const unsupported = !message.text && !message.caption && UNSUPPORTED_CONTENT.some((k) => k in message);
  if (!message.text && !message.caption && !unsupported) return { kind: "dead", reason: "message without text or known content", externalId: String(updateId), sender: String(message.from.id), conversation: String(chat.id) };
  return {
    kind: "message",
    seq: updateId,
    inbound: {
      id: String(updateId),
      channel: "telegram",
      conversation: String(chat.id),
      sender: String(message.from.id),
      text,
      contentType: unsupported ? "unsupported" : undefined,
      receivedAt: Number.isFinite(message.date) && message.date > 0 && message.date < 1e11 ? new Date(message.date * 1000) : new Date(),
    },
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
