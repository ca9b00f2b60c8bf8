import { COMMANDS, type Command, type Understanding } from "../core/turn.js";
import type { ConversationState } from "../core/state.js";
import { FACTUAL_INTENTS } from "../knowledge/schema.js";
import type { Nlu } from "./classifier.js";
import { extractProfileFacts } from "./extract.js";

/** Below this cosine similarity no intent is trusted on its own. */
export const MIN_CONFIDENCE = 0.3;

/** Classifies a message in the context of its conversation. Deterministic and offline. */
export function understand(text: string, state: ConversationState, nlu: Nlu, payload?: string): Understanding {
  const source = payload ?? text;
  const analysis = nlu.analyze(source);
  const facts = extractProfileFacts(source, analysis);
  const command = parseCommand(source);
  if (command) {
    const intent = command === "counselor" ? "counselor" : "smalltalk";
    return { intent, confidence: 1, fellBack: false, followUp: false, command, analysis, facts };
  }
  if (analysis.emergency) {
    return { intent: "out_of_scope", confidence: 1, fellBack: false, followUp: false, analysis, facts };
  }
  const best = analysis.intents[0];
  if (best && best.score >= MIN_CONFIDENCE) {
    return { intent: best.intent, confidence: best.score, fellBack: false, followUp: false, analysis, facts };
  }
  // "and for observerships?": a known subject but no question of its own → the last question, about it.
  if (analysis.topics.length > 0 && state.lastIntent && FACTUAL_INTENTS.has(state.lastIntent)) {
    return { intent: state.lastIntent, confidence: best?.score ?? 0, fellBack: false, followUp: true, analysis, facts };
  }
  return { intent: "out_of_scope", confidence: best?.score ?? 0, fellBack: true, followUp: false, analysis, facts };
}

function parseCommand(text: string): Command | undefined {
  const m = /^\/([a-z]+)(?:@\w+)?\s*$/i.exec(text.trim());
  const name = m?.[1]?.toLowerCase();
  return (COMMANDS as readonly string[]).includes(name ?? "") ? (name as Command) : undefined;
}
