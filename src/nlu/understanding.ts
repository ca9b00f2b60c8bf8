import type { Intent } from "../core/intents.js";
import type { Profile } from "../core/state.js";
import type { Analysis } from "./classifier.js";
import type { Details } from "./details.js";

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
  /** The entry the student picked from a clarifying question, a "more" button or a further question's button. */
  chosenEntryId?: string;
  /** The student asked for the rest of `chosenEntryId` ("Tell me more"). */
  expand?: boolean;
  /** The message only tells rotabot about the student; there is no question to answer. */
  statement?: boolean;
  /** The student's answer to a confirmation question. */
  confirmation?: "yes" | "no";
  /** The message only says no to something ("I don't need a counselor"): acknowledged, nothing to answer. */
  declined?: boolean;
}


/** Whether the message states something about the student: a fact, or a guess at one to confirm. */
export function statesFacts(u: Pick<Understanding, "facts" | "unsure">): boolean {
  return Object.keys(u.facts).length > 0 || u.unsure !== undefined;
}
