import type { IntentHandler, Turn, TurnResult } from "./turn.js";
import type { QuickReply } from "../core/model.js";
import { PAYLOAD } from "../nlu/understand.js";
import { answerFrom } from "./answer.js";
import { rankEntries } from "./select-entry.js";

const EMERGENCY_TOPIC = "emergency";
/** Entries scoring at least this much are offered as choices in a clarifying question. */
const CLARIFY_MIN = 0.22;
const CLARIFY_OPTIONS = 3;
/** Content words a not-understood message needs to count as a question about something else. */
const OFF_TOPIC_WORDS = 2;
/** Misses in a row after which a counselor is offered. */
const MISSES_BEFORE_COUNSELOR = 2;

/**
 * Everything rotabot does not cover. A medical emergency always gets the
 * emergency entry; a message that was not understood gets a clarifying
 * question or the fallback.
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

/**
 * Not understood: rather than guess, ask which of the closest entries the
 * student means (one short question with quick replies), or say what rotabot
 * can help with. The second miss in a row also offers a human counselor.
 * Counted as a miss, and stored for `kb gaps`.
 */
export function fallback(turn: Turn): TurnResult {
  const m = turn.kb.messages;
  const misses = turn.state.misses + 1;
  const options = clarifyOptions(turn);
  const quickReplies: QuickReply[] = options.map((e) => ({ title: e.title, payload: `${PAYLOAD.clarify}${e.id}` }));
  // A real question about something else ("write a python function…") gets the general
  // out-of-scope answer; a few stray words ("asdfgh", "hmm ok") get "could you rephrase?".
  const general = turn.kb.entries.find((e) => e.intent === "out_of_scope" && e.topics.length === 0);
  const offTopic = options.length === 0 && general !== undefined && turn.understanding.analysis.residual.length >= OFF_TOPIC_WORDS;
  let text = options.length > 0 ? m.clarify : offTopic && general ? answerFrom(general, turn.kb).text : m.fallback;
  if (misses >= MISSES_BEFORE_COUNSELOR) {
    text = `${text}\n\n${m.offer_counselor}`;
    quickReplies.push({ title: m.counselor_button, payload: PAYLOAD.counselor });
  }
  return {
    replies: [{ text, ...(quickReplies.length > 0 ? { quickReplies } : {}) }],
    state: { misses },
    fellBack: true,
  };
}

/** The best entry of each of the closest intents, when the message came near enough to any. */
function clarifyOptions(turn: Turn) {
  const { analysis } = turn.understanding;
  const seen = new Set<string>();
  const options = [];
  for (const [id, score] of [...analysis.entryScores].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
    if (score < CLARIFY_MIN || options.length >= CLARIFY_OPTIONS) break;
    const entry = turn.kb.byId.get(id);
    if (!entry || seen.has(entry.intent) || entry.intent === "smalltalk" || entry.intent === "out_of_scope") continue;
    seen.add(entry.intent);
    options.push(entry);
  }
  return options;
}
