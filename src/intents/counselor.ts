import type { IntentHandler } from "./turn.js";
import { answerFrom } from "./answer.js";
import { bestEntry } from "./select-entry.js";

/** The student wants a human: answer from the knowledge base and record the wish. */
export const counselor: IntentHandler = (turn) => {
  const entry = bestEntry(turn, "counselor");
  const replies = entry ? [answerFrom(entry, turn.kb)] : [{ text: turn.kb.messages.help }];
  return { replies, state: { wantsCounselor: true, lastIntent: "counselor", misses: 0 }, handoff: { reason: "asked" } };
};
