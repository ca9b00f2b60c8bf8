import type { IntentHandler, Turn, TurnResult } from "../core/turn.js";
import { answerFrom } from "./answer.js";
import { rankEntries } from "./select-entry.js";

const EMERGENCY_TOPIC = "emergency";

/**
 * Everything rotabot does not cover. A medical emergency always gets the
 * emergency entry; a message that was not understood gets the fallback, which
 * says what rotabot can help with.
 */
export const outOfScope: IntentHandler = (turn) => {
  const { understanding } = turn;
  const ranked = rankEntries(turn, "out_of_scope");
  if (understanding.analysis.emergency) {
    const emergency = ranked.find((r) => r.entry.topics.includes(EMERGENCY_TOPIC));
    if (emergency) return { replies: [answerFrom(emergency.entry, turn.kb)], state: { lastIntent: "out_of_scope", misses: 0 } };
  }
  if (understanding.fellBack) return fallback(turn);
  const top = ranked[0];
  if (!top) return fallback(turn);
  return { replies: [answerFrom(top.entry, turn.kb)], state: { lastIntent: "out_of_scope", misses: 0 } };
};

/** "I'm not sure I understood": counted as a miss so repeated misses can be noticed. */
export function fallback(turn: Turn): TurnResult {
  return {
    replies: [{ text: turn.kb.messages.fallback }],
    state: { misses: turn.state.misses + 1 },
    fellBack: true,
  };
}
