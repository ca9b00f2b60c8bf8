import type { Inbound, Reply } from "../core/model.js";
import type { ConversationState, Profile } from "../core/state.js";
import type { KnowledgeBase } from "../knowledge/loader.js";
import type { Understanding } from "../nlu/understanding.js";

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
  /** Asked the student which of a few entries they mean (honest doubt): not an answer, but not a miss to drop either. */
  askedBack?: boolean;
}

/** An intent handler: a pure function from a turn to its result. */
export type IntentHandler = (turn: Turn) => TurnResult;
