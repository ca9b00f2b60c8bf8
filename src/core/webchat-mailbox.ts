import type { Reply } from "./model.js";

/** A reply kept for a visitor, numbered in the order it was delivered. */
export interface StoredWebReply {
  /** The delivery stamp: increasing within a conversation; the event stream's id. */
  seq: number;
  reply: Reply;
  at: Date;
}

/** One line of a visitor's history: what they wrote, or a reply. */
export type HistoryItem = { kind: "in"; text: string; at: Date } | ({ kind: "out" } & StoredWebReply);

/**
 * The web chat's side of the outbox: a browser may be offline when its reply is
 * ready, so a reply counts as delivered once it is stamped for the visitor,
 * and the page reads stamped replies whenever it is connected. Implemented in
 * SQL (storage/sql-webchat.ts) over the same outbox rows, so /forget erases them.
 */
export interface WebchatMailbox {
  /** Stamps an outbox row as delivered to the page (a second stamp of the same row is a no-op). */
  stamp(outboxId: number): Promise<void>;
  /** The conversation's stamped replies after `seq`, in order. */
  after(conversation: string, seq: number, limit: number): Promise<StoredWebReply[]>;
  /** The newest stamp of each of these conversations that has one. */
  latest(conversations: string[]): Promise<Map<string, number>>;
  /** The last `limit` lines of the conversation, oldest first. */
  history(conversation: string, limit: number): Promise<HistoryItem[]>;
}
