import type { ConversationState } from "../core/state.js";
import { COMMANDS, type Command, type Understanding } from "./understanding.js";
import type { KnowledgeBase } from "../knowledge/loader.js";
import { FACTUAL_INTENTS } from "../core/intents.js";
import type { Nlu } from "./classifier.js";
import { extractDetails } from "./details.js";
import { extractStudentFacts, isOnlyADate } from "./extract.js";
import { tokenize } from "./normalize.js";

/** Below this score no intent is trusted on its own. */
export const MIN_CONFIDENCE = 0.3;

/** Quick-reply payloads rotabot sends, and reads back. */
export const PAYLOAD = {
  clarify: "clarify:",
  /** The rest of an entry after its direct answer. */
  more: "more:",
  /** An entry offered for a further question of the same message. */
  entry: "entry:",
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
  const picksEntry = [PAYLOAD.clarify, PAYLOAD.more, PAYLOAD.entry].find((p) => payload?.startsWith(p));
  const source = payload && !picksEntry && !payload.startsWith("confirm:") ? payload : text;
  const analysis = nlu.analyze(source, { topics: state.topics });
  const { facts, unsure } = extractStudentFacts(source, analysis, kb.vocabulary, now);
  const details = extractDetails(source, now);
  const base = { analysis, facts, unsure, details, followUp: false, fellBack: false };

  const chosen = picksEntry && payload ? kb.byId.get(payload.slice(picksEntry.length)) : undefined;
  if (chosen) return { ...base, intent: chosen.intent, confidence: 1, chosenEntryId: chosen.id, ...(picksEntry === PAYLOAD.more ? { expand: true } : {}) };

  const command = parseCommand(source);
  if (command) return { ...base, intent: command === "counselor" ? "counselor" : "smalltalk", confidence: 1, command };

  if (state.pending) {
    const said = tokenize(text).join(" ");
    const confirmation = payload === PAYLOAD.confirmYes || YES.test(said) ? "yes" : payload === PAYLOAD.confirmNo || NO.test(said) ? "no" : undefined;
    if (confirmation) return { ...base, intent: "smalltalk", confidence: 1, confirmation };
  }
  if (analysis.emergency) return { ...base, intent: "out_of_scope", confidence: 1 };
  // Only a date ("June 2027"): when the student would like to start, told after a question about timing (which then
  // answers for that date) or on its own (noted).
  if (isOnlyADate(source)) {
    const last = state.lastIntent;
    if (last && FACTUAL_INTENTS.has(last)) return { ...base, intent: last, confidence: MIN_CONFIDENCE, followUp: true };
    return { ...base, intent: "smalltalk", confidence: 1, statement: true };
  }
  // A subject only out-of-scope entries are about (exam preparation, family immigration, what to wear), and none
  // that rotabot answers about: the question is outside what it covers, however much its words resemble a rotation question.
  const { inScope, outside } = scopeOf(kb);
  if (analysis.topics.some((t) => outside.has(t)) && !analysis.topics.some((t) => inScope.has(t))) {
    return { ...base, intent: "out_of_scope", confidence: Math.max(analysis.intents[0]?.score ?? 0, OUTSIDE_CONFIDENCE) };
  }

  const best = analysis.intents[0];
  const { topics } = analysis;
  // "I don't need a counselor", and nothing else asked: an answer to acknowledge, not a question to guess at.
  if (kb.messages.declined && analysis.refused.length > 0 && topics.length === 0 && !(best && best.score >= MIN_CONFIDENCE) && !source.includes("?")) {
    return { ...base, intent: "smalltalk", confidence: 1, declined: true };
  }
  // Only a subject, no question of its own: "and for observerships?", "namaskar", "visa?".
  if (topics.length > 0 && analysis.residual.length === 0) {
    const last = state.lastIntent;
    const continues =
      last !== undefined &&
      FACTUAL_INTENTS.has(last) &&
      (kb.entries.some((e) => e.intent === last && e.topics.some((t) => topics.includes(t))) || topics.some((t) => t in kb.vocabulary.routes));
    // The previous question, about this subject.
    if (continues) return { ...base, intent: last, confidence: Math.max(best?.score ?? 0, MIN_CONFIDENCE), followUp: true };
    // Otherwise whatever the knowledge base says about the subject.
    const about = entryAbout(kb, topics, analysis.entryScores);
    if (about) return { ...base, intent: about.intent, confidence: Math.max(analysis.entryScores.get(about.id) ?? 0, MIN_CONFIDENCE) };
  }
  if (best && best.score >= MIN_CONFIDENCE) return { ...base, intent: best.intent, confidence: best.score };
  if (topics.length > 0) {
    // A known subject with a question too vague to classify: the last question, about it…
    if (state.lastIntent && FACTUAL_INTENTS.has(state.lastIntent)) {
      return { ...base, intent: state.lastIntent, confidence: best?.score ?? 0, followUp: true };
    }
    // …or, with nothing before it, what the knowledge base says about that subject ("rash on my arm": medical advice).
    const about = entryAbout(kb, topics, analysis.entryScores);
    if (about) return { ...base, intent: about.intent, confidence: best?.score ?? 0 };
  }
  return { ...base, intent: "out_of_scope", confidence: best?.score ?? 0, fellBack: true };
}

/** How sure rotabot is that a message naming only out-of-scope subjects is out of scope. */
const OUTSIDE_CONFIDENCE = 0.6;

const scopes = new WeakMap<KnowledgeBase, { inScope: Set<string>; outside: Set<string> }>();
/** The subjects of in-scope entries, and those that only out-of-scope entries are about. */
function scopeOf(kb: KnowledgeBase): { inScope: Set<string>; outside: Set<string> } {
  let scope = scopes.get(kb);
  if (!scope) {
    const inScope = new Set(kb.entries.filter((e) => e.intent !== "out_of_scope" && e.intent !== "smalltalk").flatMap((e) => e.topics));
    const outside = new Set(kb.entries.filter((e) => e.intent === "out_of_scope").flatMap((e) => e.topics.filter((t) => !inScope.has(t))));
    scope = { inScope, outside };
    scopes.set(kb, scope);
  }
  return scope;
}

/** The best-scoring entry about any of `topics`. */
function entryAbout(kb: KnowledgeBase, topics: string[], scores: Map<string, number>) {
  return kb.entries
    .filter((e) => e.topics.some((t) => topics.includes(t)))
    .map((e) => ({ e, score: scores.get(e.id) ?? 0 }))
    .sort((a, b) => b.score - a.score || a.e.id.localeCompare(b.e.id))[0]?.e;
}

/**
 * Splits a message that asks several questions ("what does it cost and how
 * early should I apply?") into one text per question, in order.
 */
export function splitQuestions(text: string): string[] {
  const parts = text
    .split(/(?<=\?)(?!\?)\s*|(?:[.;!]\s+)|(?<=:)\s+(?=(?:what|how|when|which|can|could|do|does|is|are|am|should|will|would|who|where|why)\b)|\s+\(?[1-9]\)\s+|(?:,|\s+(?:and|also|plus|&))\s+(?=(?:by\s+|from\s+|in\s+)?(?:what|how|when|which|can|could|do|does|is|are|am|should|will|who|where|why|tell|any)\b)/i)
    .map((p) => p.trim())
    .filter((p) => tokenize(p).length >= 1);
  return parts.length > 1 ? parts : [text];
}

/** Question words anywhere, and requests ("tell me", "kindly explain"). */
const ASKS = /\b(what|whats|how|when|which|who|whom|whose|where|why|tell|explain|list|guide|kindly|please|plz|pls|want to know|need to know|wondering|any idea)\b/i;
/**
 * An auxiliary verb first: "can I…", "do I need…", "is it…". A past one before a number tells, with its subject left
 * out, as forum posts do: "Did 2 observerships in Miami", "Had 3 interviews last year".
 */
const INVERTED = /^\s*(?:so\s+|and\s+|but\s+|also\s+|then\s+)?(?:can|could|do|does|is|are|am|should|shall|will|would|may|might|must|(?:did|was|were|has|have|had)(?!\s+\d))\b/i;

/** Whether a text asks something, as opposed to only telling rotabot about the student. */
export function isQuestion(text: string): boolean {
  return text.includes("?") || ASKS.test(text) || INVERTED.test(text);
}

function parseCommand(text: string): Command | undefined {
  const m = /^\/([a-z]+)(?:@\w+)?\s*$/i.exec(text.trim());
  const name = m?.[1]?.toLowerCase();
  return (COMMANDS as readonly string[]).includes(name ?? "") ? (name as Command) : undefined;
}
