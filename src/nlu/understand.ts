import type { ConversationState } from "../core/state.js";
import { COMMANDS, type Command, type Understanding } from "../core/turn.js";
import type { KnowledgeBase } from "../knowledge/loader.js";
import { FACTUAL_INTENTS } from "../knowledge/schema.js";
import type { Nlu } from "./classifier.js";
import { extractDetails } from "./details.js";
import { extractStudentFacts } from "./extract.js";
import { tokenize } from "./normalize.js";

/** Below this score no intent is trusted on its own. */
export const MIN_CONFIDENCE = 0.3;

/** Quick-reply payloads rotabot sends, and reads back. */
export const PAYLOAD = {
  clarify: "clarify:",
  confirmYes: "confirm:yes",
  confirmNo: "confirm:no",
  counselor: "/counselor",
} as const;

const YES = /^(yes|yeah|yep|yup|ya|yes please|correct|right|that is right|thats right|exactly|sure|ok|okay|haan|ji|ji haan)$/;
const NO = /^(no|nope|nah|not really|wrong|incorrect|that is wrong|thats wrong|nahi)$/;

/**
 * Classifies a message in the context of its conversation: commands and
 * quick-reply payloads first, then a yes/no to a pending confirmation, then
 * the classifier, with follow-ups resolved against the last question.
 * Deterministic and offline.
 */
export function understand(
  text: string,
  state: ConversationState,
  nlu: Nlu,
  kb: KnowledgeBase,
  now: Date,
  payload?: string,
): Understanding {
  const source = payload && !payload.startsWith(PAYLOAD.clarify) && !payload.startsWith("confirm:") ? payload : text;
  const analysis = nlu.analyze(source);
  const { facts, unsure } = extractStudentFacts(source, analysis, kb.vocabulary, now);
  const details = extractDetails(source, now);
  const base = { analysis, facts, unsure, details, followUp: false, fellBack: false };

  const chosen = payload?.startsWith(PAYLOAD.clarify) ? kb.byId.get(payload.slice(PAYLOAD.clarify.length)) : undefined;
  if (chosen) return { ...base, intent: chosen.intent, confidence: 1, chosenEntryId: chosen.id };

  const command = parseCommand(source);
  if (command) return { ...base, intent: command === "counselor" ? "counselor" : "smalltalk", confidence: 1, command };

  if (state.pending) {
    const said = tokenize(text).join(" ");
    const confirmation = payload === PAYLOAD.confirmYes || YES.test(said) ? "yes" : payload === PAYLOAD.confirmNo || NO.test(said) ? "no" : undefined;
    if (confirmation) return { ...base, intent: "smalltalk", confidence: 1, confirmation };
  }
  if (analysis.emergency) return { ...base, intent: "out_of_scope", confidence: 1 };

  const best = analysis.intents[0];
  if (best && best.score >= MIN_CONFIDENCE) return { ...base, intent: best.intent, confidence: best.score };
  // "and for observerships?": a known subject but no question of its own → the last question, about it.
  if (analysis.topics.length > 0 && state.lastIntent && FACTUAL_INTENTS.has(state.lastIntent)) {
    return { ...base, intent: state.lastIntent, confidence: best?.score ?? 0, followUp: true };
  }
  return { ...base, intent: "out_of_scope", confidence: best?.score ?? 0, fellBack: true };
}

/**
 * Splits a message that asks several questions ("what does it cost and how
 * early should I apply?") into one text per question, in order.
 */
export function splitQuestions(text: string): string[] {
  const parts = text
    .split(/\?+|(?:[.;!]\s+)|(?:,|\s+(?:and|also|plus|&))\s+(?=(?:what|how|when|which|can|could|do|does|is|are|am|should|will|who|where|why|tell|any)\b)/i)
    .map((p) => p.trim())
    .filter((p) => tokenize(p).length >= 2);
  return parts.length > 1 ? parts : [text];
}

const QUESTION_CUE =
  /\b(what|whats|how|when|which|who|whom|whose|where|why|can|could|do|does|did|is|are|am|was|were|has|have|should|shall|will|would|may|might|tell|explain|list|guide|help|know|please|plz|pls|kindly|need|needed|required|require)\b/i;

/** Whether a text asks something, as opposed to only telling rotabot about the student. */
export function isQuestion(text: string): boolean {
  return text.includes("?") || QUESTION_CUE.test(text.replace(/\bi (?:can|could|will|would|may|might|do|did|should)\b/gi, ""));
}

function parseCommand(text: string): Command | undefined {
  const m = /^\/([a-z]+)(?:@\w+)?\s*$/i.exec(text.trim());
  const name = m?.[1]?.toLowerCase();
  return (COMMANDS as readonly string[]).includes(name ?? "") ? (name as Command) : undefined;
}
