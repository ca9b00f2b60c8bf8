import type { Message, MessageEntity, Update } from "grammy/types";
import { botInfo } from "../fakes/telegram-api.js";

/**
 * Builders for Telegram Bot API Update objects, shaped like what Telegram
 * sends (dates in seconds, bot_command entities, a `from` on every message),
 * plus postTelegram() to deliver one to our webhook.
 */

let lastUpdateId = 100_000;
let lastMessageId = 50_000;
let lastCallbackId = 0;

type ChatType = "private" | "group" | "supergroup";

/** Fields every message builder accepts. */
export interface TgMessageOptions {
  chatId: number;
  /** Default: the next id of a counter shared by all builders. */
  updateId?: number;
  messageId?: number;
  /** Default: chatId in private chats, a fixed student id in groups. */
  fromId?: number;
  chatType?: ChatType;
  /** Default: now. */
  date?: Date;
}

const seconds = (date = new Date()) => Math.floor(date.getTime() / 1000);
const nextUpdateId = (given?: number) => given ?? ++lastUpdateId;

function chat(chatId: number, type: ChatType = "private") {
  return type === "private"
    ? { id: chatId, type, first_name: "Student" }
    : { id: chatId, type, title: "Rotation group" };
}

function user(id: number) {
  return { id, is_bot: false, first_name: "Student", language_code: "en" };
}

/** The common part of a message from a student. */
function baseMessage(o: TgMessageOptions) {
  const type = o.chatType ?? "private";
  return {
    message_id: o.messageId ?? ++lastMessageId,
    from: user(o.fromId ?? (type === "private" ? o.chatId : 424242)),
    chat: chat(o.chatId, type),
    date: seconds(o.date),
  };
}

/** A message the bot sent earlier, as Telegram embeds it in callbacks and replies. */
function botMessage(chatId: number, messageId: number, text: string, type: ChatType = "private") {
  return {
    message_id: messageId,
    from: { id: botInfo.id, is_bot: true, first_name: botInfo.first_name, username: botInfo.username },
    chat: chat(chatId, type),
    date: seconds(),
    text,
  };
}

function commandEntities(text: string): MessageEntity[] | undefined {
  const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
  // Telegram measures offsets in UTF-16 code units, which is what String#length counts.
  return command ? [{ type: "bot_command", offset: 0, length: command[0].length }] : undefined;
}

/**
 * A text message update. A text starting with "/command" gets the bot_command
 * entity Telegram adds; `entities` replaces the computed ones.
 */
export function tgText(o: TgMessageOptions & { text: string; replyToBot?: boolean; entities?: MessageEntity[] }): Update {
  const entities = o.entities ?? commandEntities(o.text);
  const base = baseMessage(o);
  return {
    update_id: nextUpdateId(o.updateId),
    message: {
      ...base,
      text: o.text,
      ...(entities ? { entities } : {}),
      ...(o.replyToBot ? { reply_to_message: botMessage(o.chatId, base.message_id - 1, "Earlier answer", o.chatType) } : {}),
    } as Message & Update.NonChannel,
  };
}

/**
 * A click on an inline keyboard button under a message the bot sent
 * (`messageId`, default a fresh id; `messageText` its text).
 */
export function tgCallback(o: { chatId: number; data: string; updateId?: number; messageId?: number; messageText?: string; fromId?: number }): Update {
  return {
    update_id: nextUpdateId(o.updateId),
    callback_query: {
      id: `cbq${++lastCallbackId}`,
      from: user(o.fromId ?? o.chatId),
      message: botMessage(o.chatId, o.messageId ?? ++lastMessageId, o.messageText ?? "Pick one"),
      chat_instance: `ci${o.chatId}`,
      data: o.data,
    },
  } as Update;
}

function withMessage(o: TgMessageOptions, extra: Record<string, unknown>): Update {
  return { update_id: nextUpdateId(o.updateId), message: { ...baseMessage(o), ...extra } } as Update;
}

const file = (kind: string) => ({ file_id: `${kind}-file-${++lastMessageId}`, file_unique_id: `${kind}-u-${lastMessageId}` });

/** A photo (three sizes, like Telegram), with an optional caption. */
export function tgPhoto(o: TgMessageOptions & { caption?: string }): Update {
  const sizes = [90, 320, 1280].map((width) => ({ ...file("photo"), width, height: Math.round(width * 0.75), file_size: width * 60 }));
  return withMessage(o, { photo: sizes, ...(o.caption !== undefined ? { caption: o.caption } : {}) });
}

/** A voice note. */
export function tgVoice(o: TgMessageOptions & { duration?: number }): Update {
  return withMessage(o, { voice: { ...file("voice"), duration: o.duration ?? 3, mime_type: "audio/ogg", file_size: 9000 } });
}

/** A sticker. */
export function tgSticker(o: TgMessageOptions & { emoji?: string }): Update {
  return withMessage(o, {
    sticker: { ...file("sticker"), type: "regular", width: 512, height: 512, is_animated: false, is_video: false, emoji: o.emoji ?? "👍" },
  });
}

/** A document (a CV as PDF by default). */
export function tgDocument(o: TgMessageOptions & { fileName?: string; mimeType?: string; caption?: string }): Update {
  return withMessage(o, {
    document: { ...file("doc"), file_name: o.fileName ?? "cv.pdf", mime_type: o.mimeType ?? "application/pdf", file_size: 120_000 },
    ...(o.caption !== undefined ? { caption: o.caption } : {}),
  });
}

/** A shared location. */
export function tgLocation(o: TgMessageOptions & { latitude?: number; longitude?: number }): Update {
  return withMessage(o, { location: { latitude: o.latitude ?? 40.7128, longitude: o.longitude ?? -74.006 } });
}

/** An edited text message (`edited_message`, with `edit_date`). */
export function tgEdited(o: TgMessageOptions & { text: string }): Update {
  const message = { ...baseMessage(o), text: o.text, edit_date: seconds() };
  return { update_id: nextUpdateId(o.updateId), edited_message: message } as Update;
}

/** An update of a type the library does not know yet: only update_id and one unknown field. */
export function tgUnknown(o: { updateId?: number; field?: string } = {}): { update_id: number } & Record<string, unknown> {
  return { update_id: nextUpdateId(o.updateId), [o.field ?? "some_future_update"]: {} };
}

/** The bot's own membership changed in a chat: `kicked` (default, the student blocked the bot) or back to `member`. */
export function tgMyChatMember(o: { chatId: number; status?: "kicked" | "member"; updateId?: number }): Update {
  const status = o.status ?? "kicked";
  const bot = { id: botInfo.id, is_bot: true, first_name: botInfo.first_name, username: botInfo.username };
  const was = status === "kicked" ? "member" : "kicked";
  const member = (s: "kicked" | "member") => (s === "kicked" ? { user: bot, status: s, until_date: 0 } : { user: bot, status: s });
  return {
    update_id: nextUpdateId(o.updateId),
    my_chat_member: {
      chat: chat(o.chatId),
      from: user(o.chatId),
      date: seconds(),
      old_chat_member: member(was),
      new_chat_member: member(status),
    },
  } as Update;
}

/**
 * POSTs an update (an object, or a raw string for malformed bodies) to
 * `${baseUrl}/telegram/webhook`, with `X-Telegram-Bot-Api-Secret-Token` when
 * `secret` is given, as Telegram delivers webhooks.
 */
export function postTelegram(baseUrl: string, update: object | string, options: { secret?: string } = {}): Promise<Response> {
  return fetch(`${baseUrl}/telegram/webhook`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(options.secret !== undefined ? { "x-telegram-bot-api-secret-token": options.secret } : {}),
    },
    body: typeof update === "string" ? update : JSON.stringify(update),
  });
}
