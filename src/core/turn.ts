import type { KnowledgeBase } from "../knowledge/loader.js";
import type { Analysis } from "../nlu/classifier.js";
import type { Details } from "../nlu/details.js";
import type { Intent } from "./intents.js";
import type { Inbound, Reply } from "./model.js";
import type { ConversationState, Profile } from "./state.js";

export const COMMANDS = ["start", "help", "profile", "forget", "counselor"] as const;
export type Command = (typeof COMMANDS)[number];

/** What the NLU made of one message. */
export interface Understanding {
  intent: Intent;
  confidence: number;
  /** True when no intent was confident enough and nothing in context explained the message. */
  fellBack: boolean;
  /** True when the intent came from the conversation (a follow-up such as "and for observerships?"). */
  followUp: boolean;
  command?: Command;
  analysis: Analysis;
  /** Facts the student stated about themselves in this message. */
  facts: Partial<Profile>;
  /** A guessed fact to confirm with the student before storing it. */
  unsure?: { field: string; value: string };
  /** Weeks, currency, start date, Match year named in the message. */
  details: Details;
  /** The entry the student picked from a clarifying question. */
  chosenEntryId?: string;
  /** The message only tells rotabot about the student; there is no question to answer. */
  statement?: boolean;
  /** The student's answer to a confirmation question. */
  confirmation?: "yes" | "no";
}

/** Everything an intent handler may look at. Read-only. */
export interface Turn {
  readonly inbound: Inbound;
  /** The cleaned, length-capped text. */
  readonly text: string;
  readonly truncated: boolean;
  readonly understanding: Understanding;
  readonly state: Readonly<ConversationState>;
  /** The profile with this message's facts already merged in. */
  readonly profile: Readonly<Profile>;
  readonly kb: KnowledgeBase;
  readonly now: Date;
}

export interface TurnResult {
  replies: Reply[];
  /** Merged into the conversation state by the shell. */
  state?: Partial<ConversationState>;
  /** Merged into the student's profile by the shell (a confirmed guess). */
  profile?: Partial<Profile>;
  /**
   * The student should be handed to a counselor. The lead workflow will act on
   * it; until it exists, the wish is kept in the conversation state (wantsCounselor).
   */
  handoff?: { reason: "asked" | "repeated_misses" };
  /** The student asked to erase their data. */
  forget?: boolean;
  /** Nothing in the knowledge base answered this turn; stored so admins can see what to write next. */
  fellBack?: boolean;
}

/** An intent handler: a pure function from a turn to its result. */
export type IntentHandler = (turn: Turn) => TurnResult;
