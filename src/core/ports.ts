import type { Channel, Inbound, Reply } from "./model.js";
import type { Intent } from "./intents.js";
import type { ConsentDecision, Lead, LeadContact, LeadOutcome, LeadStatus, LeadSummary, LeadTrigger } from "./lead.js";
import type { ConversationState, Profile } from "./state.js";

/** What a turn needs to know about the conversation and the student. */
export interface LoadedConversation {
  state: ConversationState;
  profile: Profile;
  /** The conversation's open lead (not closed), if any: it decides who answers (form, bot, counselor). */
  lead?: OpenLead | null;
}

export interface StoredMessage {
  direction: "in" | "out";
  text: string;
  intent: string | null;
  createdAt: Date;
  /** For a student's message: no knowledge entry answered it. */
  fellBack?: boolean;
  /** For a reply: the language model wrote it. */
  generated?: boolean;
}

// ---- Leads, turn side (the lead form, consent, the lead's Slack thread) ----

/** An open lead as the turn sees it: a phone number waiting for its country code is kept on the lead, not in the state. */
export type OpenLead = Lead & { pendingPhone: string | null };

/** The lead columns a turn may set. `contact: null` erases every contact detail. */
export interface LeadFields {
  status?: LeadStatus;
  step?: string | null;
  trigger?: LeadTrigger;
  score?: number;
  scoreReasons?: string[];
  consent?: ConsentDecision | null;
  contact?: (LeadContact & { pendingPhone?: string }) | null;
  summary?: LeadSummary | null;
  outcome?: LeadOutcome | null;
  closedAt?: Date | null;
  queuedAt?: Date | null;
}

/**
 * What a turn does to a lead, written in the turn's transaction: create one
 * (no `id`) or change the open lead `id` (its version is bumped), record a
 * consent decision, enqueue its card (`lead_card`, keyed by the new version)
 * and messages for its thread (`thread`, key `lead:<id>:<key>`).
 */
export interface LeadWrite {
  id?: number;
  /** Change the lead only while it still has this status (a counselor may have acted meanwhile). */
  whileStatus?: LeadStatus;
  set?: LeadFields;
  consent?: { decision: ConsentDecision; version: string };
  card?: boolean;
  thread?: { key: string; from: "student" | "bot" | "system"; text: string; generated?: boolean }[];
}

/** What saving a turn did to its lead. */
export interface SavedTurn {
  lead?: { id: number; status: LeadStatus; version: number };
  /** The outbox row of the first reply, already claimed for its sender (see TurnRecord.claimFirstReplyMs). */
  claimed?: OutboxItem;
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
  /**
   * With `deliver`: the first reply's outbox row is written already claimed for this long (see
   * InboxStore.claimNext), for the worker that sends it right after the turn, unless an older reply of the
   * conversation still waits to be sent. Saves the delivery its first statement; after a crash the claim
   * runs out and the reply is sent by the next deliverer.
   */
  claimFirstReplyMs?: number;
  /** The turn's change to its conversation's lead. */
  lead?: LeadWrite;
  /**
   * The student withdrew consent: every lead of this student loses its contact
   * details, a `withdrawn` consent row is stored for each, and the cards of
   * announced leads are updated.
   */
  withdrawConsent?: { version: string };
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
  saveTurn(turn: TurnRecord): Promise<SavedTurn>;
  history(channel: Channel, conversation: string, limit: number): Promise<StoredMessage[]>;
  /** Messages that no knowledge entry answered, newest first: what admins should write next. */
  unanswered(options: { since?: Date; limit?: number }): Promise<{ text: string; channel: string; createdAt: Date }[]>;
  /**
   * Erases everything stored about one student on one channel: messages,
   * profile, dead letters and outbox rows. Their leads are anonymized (closed,
   * contact, summary and address erased, `redacted_at` set), their consent
   * rows lose the student's id, the thread messages of their leads leave the
   * outbox, and a `lead_card` row redacts each announced lead's card. With `inbox` (the request came
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
  /**
   * The conversation as this message's turn starts from (state, the sender's profile, the open lead), read with
   * the batch where the store has no copy in memory: on the first message of a batch only, since each turn
   * changes it.
   */
  conversation?: LoadedConversation;
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

/**
 * What the outbox carries.
 * - `reply`: to a student on their channel. `inboundAt`: when the student wrote
 *   the message this replies to (ISO), for reply windows. `leadId`: set when a
 *   counselor wrote it (relayed from the lead's Slack thread), so a failed
 *   delivery is reported back to that thread.
 * - `lead_card` and `thread`: Slack traffic of a lead, with outbox channel
 *   "slack" and conversation `leadStream(leadId)` (one ordered stream per
 *   lead). A card is rendered from the lead row when it is delivered: it is
 *   posted the first time and updated in place afterwards. `broadcast`
 *   (optional, Slack side): the thread message is also shown in the channel,
 *   as a re-announcement of an unclaimed lead is.
 * - `lead_event`: one event of a lead for the outgoing lead webhook (outbox
 *   channel "webhook", conversation `leadStream(leadId)`): what changed and the
 *   lead's facts at that moment, without contact details (those are read from
 *   the lead row at delivery, so a withdrawal or `/forget` before delivery
 *   removes them). See leads/webhook-event.ts.
 */
export type OutboxPayload =
  | { kind: "reply"; reply: Reply; inboundAt?: string; leadId?: number }
  | { kind: "lead_card"; leadId: number }
  | { kind: "thread"; leadId: number; from: "student" | "bot" | "system"; text: string; broadcast?: boolean; postedTs?: string; generated?: boolean }
  /** `/forget`: a thread message already posted (its Slack ts) is overwritten with a notice. */
  | { kind: "thread_erase"; leadId: number; ts: string }
  | { kind: "lead_event"; leadId: number; change: string; at: string; facts: Record<string, unknown> };

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
  deadLetter(letter: { channel: Channel; externalId: string; sender?: string; conversation?: string; reason: string; body: string }): Promise<void>;
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
  /**
   * The conversation's oldest undelivered outbox item, claimed until `until`
   * when it is due by `now` (`claimed: false` when it is not due yet or another
   * deliverer claimed it first); null when nothing is pending. With `sent`,
   * that item is first recorded as sent, in the same statement: a delivery
   * costs one statement per reply and one to start.
   */
  claimNext(channel: Channel, conversation: string, until: Date, now: Date, sent?: { id: number; at: Date }): Promise<{ item: OutboxItem; claimed: boolean } | null>;
  markSent(id: number, at: Date): Promise<void>;
  markRetry(id: number, error: string, next: Date): Promise<void>;
  markUndeliverable(id: number, error: string): Promise<void>;
  /** Renews the claim on a pending item until `until` (see claimNext); false when it is no longer pending. */
  lease(id: number, until: Date): Promise<boolean>;
  /** Counts for /metrics: pending inbox messages and undelivered outbox items per channel. */
  depths(): Promise<{ channel: string; inbox: number; outbox: number; dead: number }[]>;
  /**
   * Takes the conversation's lock unless someone holds it (see SqlDriver.tryLock). Its release says whether
   * messages of the conversation are pending (accepted by another process while the lock was held), in the
   * release's own round trip.
   */
  lockConversation(channel: Channel, conversation: string): Promise<{ release(): Promise<boolean> } | null>;
}

/**
 * The outbound half of a messenger channel: renders a `Reply` for its platform
 * (buttons, lists, splitting, escaping) and sends it. Throws ChannelApiError.
 */
export interface ChannelSender {
  readonly channel: Channel;
  /** How long after the student's last message free-form replies are allowed (WhatsApp: 24 h). */
  readonly replyWindowMs?: number;
  /**
   * `signal` aborts the send (the worker's bound on it): stop and throw. `outboxId`: the outbox row being
   * delivered, for a channel that keeps replies itself (the web chat).
   */
  send(conversation: string, reply: Reply, options?: { signal?: AbortSignal; outboxId?: number }): Promise<void>;
  /** Shows that a reply is being written, where the platform can. Never throws. */
  typing?(conversation: string): void;
}
