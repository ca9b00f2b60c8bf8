import type { Intent } from "./intents.js";
import type { Profile } from "./state.js";

/**
 * The port of the optional language model (issue 7). The core asks it two
 * things and decides everything else itself: it never hands the model a tool,
 * a storage call or a handoff. An implementation (see `src/llm/`) returns null
 * instead of throwing on every failure (timeout, HTTP error, malformed or
 * invalid output, exhausted budget, failed grounding check), so that the turn
 * goes on with the offline answer.
 */
export interface LanguageLayer {
  /** How the model reads a message the offline classifier was unsure of, or that is not in English; null on any failure. */
  classify(input: ClassifyInput): Promise<Classification | null>;
  /**
   * The offline answer rewritten in the student's language and tone, only if
   * it passed the grounding check against `facts`; null on any failure or
   * rejection (the caller then sends the offline answer unchanged).
   */
  phrase(input: PhraseInput): Promise<Phrased | null>;
}

/** One earlier message of the same conversation, oldest first. */
export interface PastMessage {
  from: "student" | "bot";
  text: string;
}

/** What the pseudonymous call is about: ids for logs and metrics, never personal data. */
export interface CallContext {
  channel: string;
  conversation: string;
  /** The student's name as stored in their profile, if any: redacted before any call. */
  knownNames?: string[];
  /**
   * The student's earlier messages, beyond the recent turns: never sent, only
   * read for names they introduced ("my name is …"), which are redacted
   * wherever they come up again.
   */
  earlierTexts?: readonly string[];
}

export interface ClassifyInput extends CallContext {
  text: string;
  /** This student's recent turns only; never another conversation. */
  history: PastMessage[];
}

/** A validated reading of a message. */
export interface Classification {
  intent: Intent;
  /** 0..1, as the model reports it. */
  confidence: number;
  /** The message restated as one plain English question, for the offline pipeline. */
  english: string;
  /** ISO 639-1 code of the student's language. */
  language: string;
  /** Profile fields the student stated, already validated against the profile schema. */
  facts: Partial<Profile>;
}

/** A knowledge entry as the model may see it. */
export interface SuppliedEntry {
  id: string;
  title: string;
  body: string;
}

export interface PhraseInput extends CallContext {
  /** The student's message. */
  question: string;
  /** The reply rotabot computed offline: the only facts besides `entries`. */
  offlineAnswer: string;
  /** The entries the offline answer cites. */
  entries: SuppliedEntry[];
  /** The language to answer in, when known (ISO 639-1). */
  language?: string;
  history: PastMessage[];
}

export interface Phrased {
  text: string;
  citedEntryIds: string[];
  language: string;
}
