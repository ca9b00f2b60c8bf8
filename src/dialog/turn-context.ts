import type { Intent } from "../core/intents.js";
import type { CallContext, Classification, LanguageLayer, PastMessage } from "../core/language-model.js";
import type { Inbound } from "../core/model.js";
import type { LeadWrite, LoadedConversation, StoredMessage } from "../core/ports.js";
import type { ConversationState, Profile } from "../core/state.js";
import type { Turn, TurnResult } from "../intents/turn.js";
import type { LeadContext } from "../leads/workflow.js";
import type { LoadedKnowledge } from "../nlu/knowledge-source.js";
import type { Understanding } from "../nlu/understanding.js";
import type { Step } from "./compose.js";

/** What a turn answers, and the conversation as it is after it. */
export interface Outcome {
  intent: Intent;
  confidence: number;
  result: TurnResult;
  state: ConversationState;
  profile: Profile;
}

/** How the message was read (the read-message step), for the steps that answer and rephrase it. */
export interface Reading {
  /** The message as it is answered: a stale button of a finished form or offer is read as the text on it. */
  inbound: Inbound;
  /** The offline reading of the whole message. */
  understanding: Understanding;
  /** The language model was asked to read the message (it is on, and the offline reading was unsure). */
  model?: { context: CallContext; history: PastMessage[]; hint: Classification | null };
}

/**
 * Everything one turn's steps see, built once per turn by `bot.ts`. The
 * message, the conversation as loaded, the knowledge in force and the time
 * are read-only; the steps write what the turn will save: `outcome`, `lead`
 * and `withdrawConsent` (and `reading`, for the steps after read-message).
 */
export interface TurnContext {
  /** The message; its text is already cleaned and capped to `maxChars`. */
  readonly inbound: Inbound;
  /** The text was cut to `maxChars`. */
  readonly truncated: boolean;
  /** The student is over the rate limit: the turn answers with the notice only. */
  readonly limited: boolean;
  readonly conversation: Readonly<LoadedConversation>;
  readonly knowledge: LoadedKnowledge;
  readonly now: Date;
  readonly maxChars: number;
  /** The intent handler of a turn's understanding (see router.ts). */
  readonly route: (turn: Turn) => TurnResult;
  /** The optional language model; absent offline. */
  readonly language?: LanguageLayer;
  /** Whether a counselor desk sees the leads (false: the lead form tells the student they are only stored). */
  readonly counselorDesk?: boolean;
  /** The CPU budget of reading the message's sentences (answer-questions); past it, the turn gives up. */
  readonly turnBudgetMs: number;
  /** The conversation's last `limit` stored messages, oldest first. */
  history(limit: number): Promise<StoredMessage[]>;
  reading?: Reading;
  /** Set by the step that answers; the steps around it may amend it. */
  outcome?: Outcome;
  /** The change to the conversation's lead, saved with the turn. */
  lead?: LeadWrite;
  /** The student withdrew consent to be contacted; saved with the turn. */
  withdrawConsent?: { version: string };
}

/** A step of the turn (see steps/index.ts for the list, in order). */
export type TurnStep = Step<TurnContext>;

/** A turn that answers with a fixed message; any pending confirmation is dropped. */
export function fixedOutcome(ctx: TurnContext, text: string): Outcome {
  const { state, profile } = ctx.conversation;
  return { intent: "out_of_scope", confidence: 0, result: { replies: [{ text }] }, state: { ...state, pending: undefined }, profile };
}

/** The turn as the lead workflow (src/leads/workflow.ts) reads it. */
export function leadContext(ctx: TurnContext): LeadContext {
  const { state, profile, lead } = ctx.conversation;
  return { inbound: ctx.inbound, text: ctx.inbound.text, state, profile, lead: lead ?? null, loaded: ctx.knowledge, now: ctx.now, deskConnected: ctx.counselorDesk };
}
