import { appendReply, prependText } from "../core/replies.js";
import type { Inbound } from "../core/model.js";
import type { ConversationState, Profile } from "../core/state.js";
import { withSources } from "../intents/answer.js";
import { formatValue, profileLines } from "../intents/profile.js";
import type { Turn, TurnResult } from "../intents/turn.js";
import type { KnowledgeBase } from "../knowledge/loader.js";
import type { Messages } from "../knowledge/schema.js";
import { fill } from "../knowledge/template.js";
import { PAYLOAD } from "../nlu/understand.js";
import type { Understanding } from "../nlu/understanding.js";
import type { Outcome } from "./turn-context.js";

export interface AnswerOneInput {
  inbound: Inbound;
  /** The question's own text (one question of a message, or the whole message). */
  text: string;
  understanding: Understanding;
  state: ConversationState;
  profile: Profile;
  kb: KnowledgeBase;
  now: Date;
  route: (turn: Turn) => TurnResult;
  /** Add the Sources line to the replies (the default); off for one question of several, which share one line. */
  cite?: boolean;
}

/**
 * One question through the router, with the profile facts it states merged
 * first and noted in the reply ("Noted: graduate, 2021"); a message that only
 * tells rotabot about the student gets the note alone. A guessed fact is
 * confirmed with Yes/No at the end.
 */
export function answerOne(input: AnswerOneInput): Outcome {
  const { understanding, state, profile, kb } = input;
  const learned = changedFacts(profile, understanding.facts);
  const merged = Object.keys(learned).length > 0 ? { ...profile, ...learned } : profile;
  const turn: Turn = { inbound: input.inbound, text: input.text, truncated: false, understanding, state, profile: merged, kb, now: input.now };
  const m = kb.messages;
  const noted = profileLines(understanding.statement ? understanding.facts : learned, m);
  const note = noted.length > 0 ? fill(m.noted, { facts: noted.join(", ") }) : undefined;
  let result: TurnResult;
  if (understanding.statement) {
    // Only telling rotabot about themselves: acknowledge what was learned, nothing else.
    result = { replies: note ? [{ text: note }] : [], state: { misses: 0 } };
  } else {
    result = input.route(turn);
    if (input.cite !== false) result = { ...result, replies: withSources(result.replies, kb) };
    if (note) {
      // A statement about oneself is not a miss, even when there was no question in it.
      result = understanding.fellBack
        ? { ...result, replies: [{ text: note }], state: { ...result.state, misses: 0 }, fellBack: false }
        : { ...result, replies: prependText(result.replies, note) };
    }
  }
  if (understanding.unsure && !result.forget) result = askToConfirm(result, understanding.unsure, m);
  const nextProfile = result.profile ? { ...merged, ...result.profile } : merged;
  // A pending confirmation lasts one turn: only the question asked now is waiting for an answer.
  const nextState = { ...state, ...result.state, pending: result.state?.pending };
  return { intent: understanding.intent, confidence: understanding.confidence, result, state: nextState, profile: nextProfile };
}

/** Ends the reply with "Did I get that right: …?" and Yes/No quick replies, and remembers what waits for the answer. */
export function askToConfirm(result: TurnResult, unsure: { field: string; value: string }, m: Messages): TurnResult {
  const { field, value } = unsure;
  const label = (m.profile_labels as Record<string, string>)[field] ?? field;
  return {
    ...result,
    replies: appendReply(result.replies, {
      text: fill(m.confirm, { fact: `${label}: ${formatValue(value, field)}` }),
      quickReplies: [
        { title: m.confirm_yes, payload: PAYLOAD.confirmYes },
        { title: m.confirm_no, payload: PAYLOAD.confirmNo },
      ],
    }),
    state: { ...result.state, pending: { field, value } },
  };
}

/** The facts of `next` that differ from what `profile` already holds. */
function changedFacts(profile: Profile, next: Partial<Profile>): Partial<Profile> {
  return Object.fromEntries(Object.entries(next).filter(([k, v]) => v !== undefined && profile[k] !== v)) as Partial<Profile>;
}
