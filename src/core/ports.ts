import type { Channel, Inbound, Reply } from "./model.js";
import type { Intent } from "./intents.js";
import type { ConversationState, Profile } from "./state.js";

/** What a turn needs to know about the conversation and the student. */
export interface LoadedConversation {
  state: ConversationState;
  profile: Profile;
}

export interface StoredMessage {
  direction: "in" | "out";
  text: string;
  intent: string | null;
  createdAt: Date;
}

/** The outcome of a turn, written in one transaction. */
export interface TurnRecord {
  inbound: Inbound;
  intent: Intent;
  confidence: number;
  fellBack: boolean;
  replies: Reply[];
  state: ConversationState;
  profile: Profile;
  /** Whether `profile` differs from the one loaded at the start of the turn. */
  profileChanged: boolean;
  at: Date;
  /**
   * The inbound message came through the inbox: mark it done and put the
   * replies in the outbox, in the same transaction as the turn.
   */
  deliver?: boolean;
}

/**
 * The conversation store port. Implemented once in SQL over a driver that runs
 * on PGlite and on PostgreSQL (see `storage/`).
 */
export interface ConversationStore {
  /**
   * Persists an inbound message before anything else happens to it.
   * Returns `isNew: false` when this (channel, id) was stored before: a redelivery.
   */
  saveInbound(inbound: Inbound, options?: { truncated?: boolean }): Promise<{ isNew: boolean }>;
  load(channel: Channel, conversation: string, sender: string): Promise<LoadedConversation>;
  /**
   * `saveInbound` and, for a new message, `load`, in as few round trips as the
   * store can: the start of every turn.
   */
  receive(inbound: Inbound, options?: { truncated?: boolean }): Promise<{ isNew: false } | ({ isNew: true } & LoadedConversation)>;
  saveTurn(turn: TurnRecord): Promise<void>;
  history(channel: Channel, conversation: string, limit: number): Promise<StoredMessage[]>;
  /** Messages that no knowledge entry answered, newest first: what admins should write next. */
  unanswered(options: { since?: Date; limit?: number }): Promise<{ text: string; channel: string; createdAt: Date }[]>;
  /**
   * Erases everything stored about one student on one channel: messages,
   * profile, dead letters and outbox rows. With `inbox` (the request came
   * through the inbox), messages still waiting after the request are kept,
   * the request itself is marked done, and the confirmation goes into the
   * outbox, all in the same transaction.
   */
  forget(channel: Channel, sender: string, inbox?: { conversation: string; messageId: string; receivedAt: Date; replies: Reply[] }): Promise<void>;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
}

/** An inbound message waiting in the inbox, with what the worker needs to know about it. */
export interface PendingMessage {
  inbound: Inbound;
  /** The text was cut to the length limit when it was accepted. */
  truncated: boolean;
  /** Earlier failed processing attempts. */
  attempts: number;
  /** Messages of this conversation in the minute up to and including this one (the rate limit). */
  recentCount: number;
}

/** Something waiting in the outbox. */
export interface OutboxItem {
  id: number;
  key: string;
  channel: Channel;
  conversation: string;
  payload: OutboxPayload;
  attempts: number;
  nextAttemptAt: Date;
}

/** `inboundAt`: when the student wrote the message this replies to (ISO), for reply windows. */
export type OutboxPayload = { kind: "reply"; reply: Reply; inboundAt?: string };

/**
 * The inbox and outbox of the messenger channels. Webhooks `accept` (durably,
 * deduplicated on the platform id) before they answer; workers process a
 * conversation's pending messages in order under its lock, and deliver its
 * outbox in order. Everything lives in the database, so several processes on
 * one PostgreSQL share the work safely.
 */
export interface InboxStore {
  /** Stores an inbound event as pending. `isNew: false` for a redelivery. Throws when the database fails. */
  accept(inbound: Inbound, options?: { seq?: number; truncated?: boolean }): Promise<{ isNew: boolean }>;
  /** Keeps an authenticated event that cannot be processed, with the reason. */
  deadLetter(letter: { channel: Channel; externalId: string; sender?: string; reason: string; body: string }): Promise<void>;
  /** Records a delivery receipt (sent, delivered, read, failed). */
  recordStatus(status: { channel: Channel; messageId: string; status: string; recipient?: string; error?: string; at: Date }): Promise<void>;
  /** The conversation's pending messages, in platform order. */
  pending(channel: Channel, conversation: string, limit: number): Promise<PendingMessage[]>;
  /** Conversations with pending messages or outbox items due by `now`. */
  waiting(now: Date, limit: number): Promise<{ channel: Channel; conversation: string }[]>;
  /** A processing attempt failed; `dead` gives up on the message (the chat goes on). */
  markFailed(channel: Channel, externalId: string, error: string, dead: boolean): Promise<void>;
  /** Marks a message handled without a turn (over the rate limit), keeping it. */
  markSkipped(channel: Channel, externalId: string, reason: string): Promise<void>;
  /** When the student last wrote, for channels with a reply window (WhatsApp's 24 hours). */
  lastInboundAt(channel: Channel, conversation: string): Promise<Date | null>;
  /** The outbox items of a conversation not yet delivered, oldest first. */
  undelivered(channel: Channel, conversation: string, limit: number): Promise<OutboxItem[]>;
  markSent(id: number, at: Date): Promise<void>;
  markRetry(id: number, error: string, next: Date): Promise<void>;
  markUndeliverable(id: number, error: string): Promise<void>;
  /** Counts for /metrics: pending inbox messages and undelivered outbox items per channel. */
  depths(): Promise<{ channel: string; inbox: number; outbox: number; dead: number }[]>;
  /** The conversation lock (see SqlDriver.tryLock). */
  tryLock(key: string): Promise<(() => Promise<void>) | null>;
}

/**
 * The outbound half of a messenger channel: renders a `Reply` for its platform
 * (buttons, lists, splitting, escaping) and sends it. Throws ChannelApiError.
 */
export interface ChannelSender {
  readonly channel: Channel;
  /** How long after the student's last message free-form replies are allowed (WhatsApp: 24 h). */
  readonly replyWindowMs?: number;
  send(conversation: string, reply: Reply): Promise<void>;
  /** Shows that a reply is being written, where the platform can. Never throws. */
  typing?(conversation: string): void;
}
