import type { HistoryItem, StoredWebReply } from "../../core/webchat-mailbox.js";

/** What a page receives for a reply: plain data, rendered by the widget with textContent only. */
export interface WebReplyMessage {
  seq: number;
  text: string;
  quickReplies?: { title: string; payload: string }[];
  at: string;
}

export type WebHistoryMessage = ({ from: "visitor"; text: string; at: string }) | ({ from: "bot" } & WebReplyMessage);

/** Bounds of what is sent to a page: a broken knowledge entry cannot make a page render megabytes. */
export const WEB_LIMITS = { text: 10_000, quickReplies: 10, title: 80, payload: 300 } as const;

const clip = (s: string, max: number) => ([...s].length <= max ? s : `${[...s].slice(0, max - 1).join("")}…`);

export function toWebReply(r: StoredWebReply): WebReplyMessage {
  const options = (r.reply.quickReplies ?? [])
    .filter((q) => q.payload.length > 0 && q.payload.length <= WEB_LIMITS.payload)
    .slice(0, WEB_LIMITS.quickReplies)
    .map((q) => ({ title: clip(q.title, WEB_LIMITS.title), payload: q.payload }));
  return { seq: r.seq, text: clip(r.reply.text, WEB_LIMITS.text), ...(options.length > 0 ? { quickReplies: options } : {}), at: r.at.toISOString() };
}

export function toWebHistory(items: HistoryItem[]): WebHistoryMessage[] {
  return items.map((i) => (i.kind === "in" ? { from: "visitor", text: clip(i.text, WEB_LIMITS.text), at: i.at.toISOString() } : { from: "bot", ...toWebReply(i) }));
}
