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
  /** Erases everything stored about one student on one channel. */
  forget(channel: Channel, sender: string): Promise<void>;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
}
