/**
 * The counselor desk: what counselors do to a lead from Slack (claim,
 * release, close, reply in its thread), and what the Slack relay needs from
 * storage. Ports only: implemented in SQL (`storage/sql-lead-desk.ts`,
 * `storage/sql-slack-outbox.ts`), driven by `channels/slack/`.
 *
 * Every change of a lead is written with its outbox rows in one transaction:
 * the card update (channel "slack", key `lead:<id>:card:<version>`), the
 * student's notice (on the student's channel) and thread notices, so the card
 * and the student never disagree with the lead row.
 */
import type { Channel, Reply } from "../core/model.js";
import type { OutboxItem } from "../core/ports.js";
import type { CounselorRef, Lead, LeadOutcome } from "../core/lead.js";

/** What a counselor's action did. `changed: false`: it was already so (a double click). */
export type DeskResult =
  | { ok: true; lead: Lead; changed: boolean }
  | { ok: false; reason: "already_claimed" | "not_holder" | "closed" | "not_found" | "not_queued"; lead: Lead | null };

/** A counselor's message in a lead's thread, from the Events API or the reconciler. */
export interface ThreadMessage {
  /** `slack:<slack channel>:<message ts>`: the same for the live event and the reconciler. */
  key: string;
  /** The Events API `event_id`, when it came as an event (retries carry the same one). */
  eventId?: string;
  /** The thread's parent: the lead's card. */
  card: { channel: string; ts: string };
  author: CounselorRef;
  /** The text as the student will read it; null for an internal note (recorded, never relayed). */
  reply: Reply | null;
  at: Date;
  /** Sent to the student when this reply claims a queued lead for its author. */
  claimNotice: Reply;
}

/**
 * `relayed`: in the student's outbox (`claimed`: the reply claimed the lead);
 * `duplicate`: seen before (a retry, or the reconciler after the event);
 * `unmapped`: the thread is not a lead's card; `note`: internal;
 * `held_by_other`: another counselor holds the lead; `closed`.
 */
export type ThreadOutcome =
  | { outcome: "relayed"; lead: Lead; claimed: boolean }
  | { outcome: "duplicate" | "unmapped" }
  | { outcome: "note" | "held_by_other" | "closed"; lead: Lead };

export interface LeadDesk {
  get(id: number): Promise<Lead | null>;
  /** Claims a queued lead, atomically: of two counselors clicking at once, one wins. */
  claim(id: number, counselor: CounselorRef, at: Date, notice: Reply): Promise<DeskResult>;
  /** The holder gives the lead back to the queue; the bot answers the student again. */
  release(id: number, counselor: CounselorRef, at: Date, notice: Reply): Promise<DeskResult>;
  /** Any counselor closes an open lead with an outcome; the bot answers the student again. */
  close(id: number, counselor: CounselorRef, outcome: Exclude<LeadOutcome, "stopped">, at: Date, notice: Reply): Promise<DeskResult>;
  /** Records a thread message once and relays it to the student when its author holds (or now claims) the lead. */
  threadMessage(message: ThreadMessage): Promise<ThreadOutcome>;
  /** Stores where the card was posted (first post); the claim timeout counts from then. */
  setCard(id: number, card: { channel: string; ts: string }, at: Date): Promise<void>;
  /** Leads with a card that are still open: the threads the reconciler reads. */
  openThreads(limit: number): Promise<Lead[]>;
  /** Queued leads nobody claimed within `timeoutMs` of their announcement (or last re-announcement). */
  dueForReannounce(now: Date, timeoutMs: number, maxTimes: number, limit: number): Promise<Lead[]>;
  /**
   * Records a re-announcement: a broadcast thread notice for counselors and
   * the student's honest-wait notice. The next timeout counts from
   * `countFrom` (default `at`; outside office hours, the next opening).
   * False when the lead is no longer queued.
   */
  reannounce(id: number, at: Date, what: { thread?: string; student?: Reply; countFrom?: Date }): Promise<boolean>;
  /**
   * A message to the student could not be delivered (blocked bot, closed
   * WhatsApp window): the lead (by id, or the open lead of the conversation)
   * is marked unreachable, its card updated and the thread told. `ref` makes
   * the thread notice unique (the outbox id). Null when there is no such lead.
   */
  markUnreachable(target: { leadId: number } | { channel: Channel; conversation: string }, reason: string, ref: string, at: Date, threadText: string): Promise<Lead | null>;
  /** Forgets the Slack event and message keys recorded before `before`; returns how many. */
  pruneEvents(before: Date): Promise<number>;
}

/**
 * The Slack side of the outbox. Rows of channel "slack" form one ordered
 * stream per lead (card, then thread messages); only the head of a stream is
 * ever handed out, leased so that several processes never send one row twice
 * at once.
 */
export interface SlackOutbox {
  /** Leases up to `limit` due stream heads until `now + leaseMs` (`FOR UPDATE SKIP LOCKED`), oldest first. */
  claimDue(now: Date, leaseMs: number, limit: number): Promise<OutboxItem[]>;
  /** `postedTs`: the Slack ts of a posted thread message, kept so that /forget can erase it there. */
  markSent(id: number, at: Date, postedTs?: string): Promise<void>;
  markRetry(id: number, error: string, next: Date): Promise<void>;
  markDead(id: number, error: string): Promise<void>;
  /** Gives leased items back without counting an attempt, due at `at`. */
  release(ids: number[], at: Date): Promise<void>;
  /**
   * Takes the next posting slot of a Slack channel, `spacingMs` after the
   * previous one, when it is at most `maxWaitMs` away (`reserved`); a later
   * slot (a pause, a long queue) is only reported.
   */
  reserveSlot(slackChannel: string, now: Date, spacingMs: number, maxWaitMs: number): Promise<{ at: Date; reserved: boolean }>;
  /** Nothing is posted to that Slack channel before `until` (a 429's Retry-After, an outage). */
  pause(slackChannel: string, until: Date): Promise<void>;
  /** Undelivered Slack rows: pending, and dead. */
  counts(): Promise<{ pending: number; dead: number }>;
}
