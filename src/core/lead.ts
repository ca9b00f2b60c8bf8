/**
 * The lead model shared by the lead workflow (form, scoring, summary: the turn
 * side) and the counselor desk (Slack cards, claims, relay: the Slack side).
 * Stored in the `leads` table (migration 003); the Slack card is rendered from
 * a `Lead` as it is when the card is delivered.
 */
import type { Channel } from "./model.js";

/**
 * collecting: the form is asking the student; queued: waiting for a counselor
 * to claim it; claimed: a counselor holds the conversation (the bot only
 * relays); closed: done (any outcome), the bot has the conversation back.
 */
export const LEAD_STATUSES = ["collecting", "queued", "claimed", "closed"] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

/** What started the lead. */
export const LEAD_TRIGGERS = ["asked", "strong_intent", "repeated_misses", "score"] as const;
export type LeadTrigger = (typeof LEAD_TRIGGERS)[number];

/** How a counselor closed the lead; `stopped`: the student stopped the form. */
export const LEAD_OUTCOMES = ["contacted", "booked", "not_interested", "spam", "stopped"] as const;
export type LeadOutcome = (typeof LEAD_OUTCOMES)[number];

export type ConsentDecision = "granted" | "declined" | "withdrawn";

/** Who holds a lead in Slack. */
export interface CounselorRef {
  /** Slack user id. */
  id: string;
  name?: string;
}

/** What a counselor reads in ten seconds. Built by the lead workflow when the lead is queued. */
export interface LeadSummary {
  /** The profile as readable label/value pairs (status, year, Step 1, specialty, target start…). */
  profile: { label: string; value: string }[];
  /** The student's recent questions and what the bot answered (short), oldest first. */
  questions: { text: string; answer: string; entryId?: string; /** The language model wrote the answer: marked on the card. */ generated?: boolean }[];
  /** The question the bot could not answer, when the lead came from failed turns. */
  failedQuestion?: string;
  score: number;
  /** Why the score is what it is, one short reason per point source. */
  scoreReasons: string[];
  trigger: LeadTrigger;
}

/** Contact details: present only when consent is `granted`. */
export interface LeadContact {
  name?: string;
  email?: string;
  /** E.164. */
  phone?: string;
  bestTime?: string;
}

export interface Lead {
  id: number;
  channel: Channel;
  conversation: string;
  sender: string;
  status: LeadStatus;
  step: string | null;
  trigger: LeadTrigger;
  score: number;
  scoreReasons: string[];
  consent: ConsentDecision | null;
  contact: LeadContact | null;
  summary: LeadSummary | null;
  claimedBy: CounselorRef | null;
  claimedAt: Date | null;
  outcome: LeadOutcome | null;
  closedAt: Date | null;
  /** The Slack card (thread parent), once posted. */
  card: { channel: string; ts: string } | null;
  announcedAt: Date | null;
  reannounced: number;
  unreachable: string | null;
  redactedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The outbox `conversation` of a lead's Slack traffic: one ordered stream per lead (card first, then its thread). */
export function leadStream(leadId: number): string {
  return `lead:${leadId}`;
}
