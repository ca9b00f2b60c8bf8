import type { IntentHandler } from "./turn.js";
import { answerFrom, rememberEntry, restFrom } from "./answer.js";
import { fallback } from "./out-of-scope.js";
import { provenance } from "./personal/facts.js";
import { personalBlock } from "./personal/personalize.js";
import { fill } from "../knowledge/template.js";
import { bestEntry } from "./select-entry.js";

/**
 * The handler of every factual intent (eligibility, costs, timing, …): the best
 * matching knowledge entry, with its sources, preceded by what rotabot can
 * compute for this student from the entry's structured facts, and one line
 * when the entry's review date has passed.
 */
export const answerFromKnowledge: IntentHandler = (turn) => {
  const entry = bestEntry(turn);
  if (!entry) return fallback(turn);
  if (turn.understanding.expand) {
    return { replies: [restFrom(entry, turn.kb)], state: { ...rememberEntry(entry, [], turn.state.topics), misses: 0 } };
  }
  const reply = answerFrom(entry, turn.kb);
  const { before, after } = personalBlock(turn, entry);
  // The same review-date check computed answers make (provenance), for the entry's own text.
  const { overdue } = provenance([entry], turn.now);
  const stale = overdue ? fill(turn.kb.messages.answer_review_overdue, { date: overdue }) : undefined;
  const text = [before, reply.text, stale, after].filter(Boolean).join("\n\n");
  return {
    replies: [{ ...reply, text }],
    state: {
      ...rememberEntry(entry, turn.understanding.analysis.topics, turn.state.topics),
      misses: 0,
      ...(turn.understanding.details.weeks ? { weeks: turn.understanding.details.weeks } : {}),
    },
  };
};
