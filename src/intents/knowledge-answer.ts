import type { IntentHandler } from "./turn.js";
import { answerFrom, rememberEntry } from "./answer.js";
import { fallback } from "./out-of-scope.js";
import { personalBlock } from "./personal/personalize.js";
import { bestEntry } from "./select-entry.js";

/**
 * The handler of every factual intent (eligibility, costs, timing, …): the best
 * matching knowledge entry, with its sources, preceded by what rotabot can
 * compute for this student from the entry's structured facts.
 */
export const answerFromKnowledge: IntentHandler = (turn) => {
  const entry = bestEntry(turn);
  if (!entry) return fallback(turn);
  const reply = answerFrom(entry, turn.kb);
  const { before, after } = personalBlock(turn, entry);
  const text = [before, reply.text, after].filter(Boolean).join("\n\n");
  return {
    replies: [{ ...reply, text }],
    state: { ...rememberEntry(entry, turn.understanding.analysis.topics, turn.state.topics), misses: 0 },
  };
};
