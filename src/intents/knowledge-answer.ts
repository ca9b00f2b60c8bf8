import type { IntentHandler } from "../core/turn.js";
import { answerFrom, rememberEntry } from "./answer.js";
import { fallback } from "./out-of-scope.js";
import { bestEntry } from "./select-entry.js";

/**
 * The handler of every factual intent (eligibility, costs, timing, …): the best
 * matching knowledge entry, with its sources.
 */
export const answerFromKnowledge: IntentHandler = (turn) => {
  const entry = bestEntry(turn);
  if (!entry) return fallback(turn);
  return {
    replies: [answerFrom(entry, turn.kb)],
    state: { ...rememberEntry(entry, turn.understanding.analysis.topics, turn.state.topics), misses: 0 },
  };
};
