import type { InlineKeyboardMarkup } from "grammy/types";
import type { Reply } from "../../core/model.js";
import { splitText } from "../split-text.js";

/** Telegram's limits (Bot API): message text and callback data. */
export const TELEGRAM_MAX_TEXT = 4096;
export const TELEGRAM_MAX_CALLBACK_BYTES = 64;

export interface TelegramMessage {
  text: string;
  parse_mode: "HTML";
  reply_markup?: InlineKeyboardMarkup;
}

/**
 * A reply as Telegram messages: split at paragraph boundaries under 4096
 * characters (counted before markup, as Telegram counts after parsing), HTML
 * escaped with **bold** as <b>, and quick replies as an inline keyboard under
 * the last piece, one button per row. Buttons whose value does not fit
 * Telegram's 64 bytes of callback data are left out rather than sent broken.
 */
export function renderTelegram(reply: Reply): TelegramMessage[] {
  const pieces = splitText(reply.text, TELEGRAM_MAX_TEXT, (s) => s.replace(/\*\*/g, "").length);
  const buttons = (reply.quickReplies ?? [])
    .filter((q) => Buffer.byteLength(q.payload, "utf8") <= TELEGRAM_MAX_CALLBACK_BYTES && q.payload.length > 0)
    .map((q) => [{ text: q.title, callback_data: q.payload }]);
  return pieces.map((piece, i) => ({
    text: toHtml(piece),
    parse_mode: "HTML" as const,
    ...(i === pieces.length - 1 && buttons.length > 0 ? { reply_markup: { inline_keyboard: buttons } } : {}),
  }));
}

/** Escapes everything Telegram's HTML mode would read as markup, then turns **bold** into <b>. */
export function toHtml(text: string): string {
  const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return escaped.replace(/\*\*([^*\n]+?)\*\*/g, "<b>$1</b>").replace(/\*\*/g, "");
}
