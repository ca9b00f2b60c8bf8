import type { IntentHandler } from "./turn.js";
import { answerFrom } from "./answer.js";
import { formatProfile } from "./profile.js";
import { bestEntry } from "./select-entry.js";

/** Greetings, thanks, "who are you", and the channel-independent commands. */
export const smalltalk: IntentHandler = (turn) => {
  const { messages } = turn.kb;
  const { confirmation } = turn.understanding;
  const pending = turn.state.pending;
  if (turn.understanding.declined && messages.declined) return { replies: [{ text: messages.declined }], state: { misses: 0 } };
  if (confirmation && pending) {
    return confirmation === "yes"
      ? { replies: [{ text: messages.confirmed }], profile: { [pending.field]: pending.value }, state: { misses: 0 } }
      : { replies: [{ text: messages.not_confirmed }], state: { misses: 0 } };
  }
  switch (turn.understanding.command) {
    case "start":
      return { replies: [{ text: messages.welcome }], state: { misses: 0 } };
    case "help":
      return { replies: [{ text: messages.help }], state: { misses: 0 } };
    case "profile":
      return { replies: [{ text: formatProfile(turn.profile, messages) }] };
    case "forget":
      return { replies: [{ text: messages.forgotten }], forget: true };
    default: {
      const entry = bestEntry(turn, "smalltalk");
      return { replies: [entry ? answerFrom(entry, turn.kb) : { text: messages.help }], state: { lastIntent: "smalltalk", misses: 0 } };
    }
  }
};
