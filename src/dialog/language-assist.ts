import { definedOnly } from "../core/defined.js";
import type { Classification } from "../core/language-model.js";
import type { ConversationState, Profile } from "../core/state.js";
import type { Understanding } from "../nlu/understanding.js";
import type { TurnResult } from "../intents/turn.js";
import { FACTUAL_INTENTS } from "../core/intents.js";

/**
 * Below this classifier confidence the language model is asked to read the
 * message. Chosen on the eval set: about one turn in ten is below 0.4, which
 * keeps the model to roughly 0.2 calls per turn (one to read, one to phrase).
 */
export const CONSULT_BELOW = 0.4;

/** Function words of English, counted against those of the languages students write in besides it. */
const ENGLISH = new Set(
  "the a an is are am was were be do does did can could should would will i you my me we our your it this that to of in on for with and or but not what how when which where who why much many there have has".split(" "),
);
const OTHER = new Set(
  [
    // Spanish, Portuguese
    "el la los las una uno unos que de del por para como cuanto cuánto cuesta puedo necesito quiero hacer es está estoy soy mi mis con sin pero muy también qué cómo cuándo dónde o um uma não sou eu quanto custa posso preciso fazer você voce",
    // French, Italian, German
    "le les des une est je suis pour avec dans sur mais combien coûte peux dois faire quel quelle il ich bin ist und der die das ein eine wie viel kostet kann muss mit für nicht ho sono per che come quanto costa posso devo fare",
    // Romanized Hindi/Urdu (Hinglish)
    "kya hai hain mujhe mera meri ke liye kaise karna karne kitna kitne hoga hogi nahi nahin aur bhi kab kaun chahiye batao bataiye sakta sakti",
  ]
    .join(" ")
    .split(" "),
);

/**
 * A cheap guess whether a message is written in English: mostly letters of
 * other scripts, or more function words of other languages than of English,
 * says no. Words of both lists count for English (so "a", "me" stay neutral).
 */
export function looksEnglish(text: string): boolean {
  const letters = [...text.normalize("NFC")].filter((c) => /\p{L}/u.test(c));
  if (letters.length === 0) return true;
  const latin = letters.filter((c) => /\p{Script=Latin}/u.test(c)).length;
  if (latin / letters.length < 0.6) return false;
  const words = text.toLowerCase().normalize("NFC").match(/\p{L}+/gu) ?? [];
  let english = 0;
  let other = 0;
  for (const w of words) {
    if (ENGLISH.has(w)) english++;
    else if (OTHER.has(w)) other++;
  }
  if (/[¿¡ñãõçßœ]/i.test(text)) other += 2;
  return other < 2 || other <= english;
}

/**
 * Whether a message should go to the language model for reading: never a
 * quick-reply payload, a command, an answer to a confirmation or an emergency
 * (those are decided offline, always); otherwise when the offline reading is
 * unsure or the message does not look like English.
 */
export function shouldConsult(whole: Understanding, text: string, payload: string | undefined, state: ConversationState): boolean {
  if (payload || whole.command || whole.confirmation || whole.analysis.emergency || state.pending) return false;
  if (text.trim().length < 2) return false;
  return whole.fellBack || whole.confidence < CONSULT_BELOW || !looksEnglish(text);
}

/**
 * The offline reading of the model's English restatement, told by the model's
 * intent: the classifier decides when it is sure of the restatement; otherwise
 * the model's intent stands, with the topics and details the classifier found.
 * Facts the model extracted fill only fields the classifier left empty.
 */
export function applyHint(offline: Understanding, hint: Classification): Understanding {
  const facts: Partial<Profile> = { ...hint.facts, ...definedOnly(offline.facts) };
  // `offline` reads the model's restatement, and a command is the student's to type: one the model wrote never runs.
  if (offline.command) {
    const { command: _modelCommand, ...read } = offline;
    return { ...read, intent: hint.intent, confidence: Math.min(1, hint.confidence), fellBack: hint.intent === "out_of_scope", facts };
  }
  if (offline.confirmation || offline.analysis.emergency) return offline;
  if (!offline.fellBack && offline.confidence >= CONSULT_BELOW) return { ...offline, facts };
  if (hint.intent === "out_of_scope") return { ...offline, facts };
  return { ...offline, intent: hint.intent, confidence: Math.max(offline.confidence, Math.min(1, hint.confidence)), fellBack: false, facts };
}

/**
 * Whether a turn's reply may be rephrased: a factual answer from the
 * knowledge base, with citations, no pending confirmation and no handoff.
 * Fixed messages, commands, emergencies and fallbacks are sent as written.
 */
export function mayRephrase(intent: string, result: TurnResult, state: ConversationState): boolean {
  if (!FACTUAL_INTENTS.has(intent) || result.fellBack || result.handoff || result.forget || state.pending) return false;
  return result.replies.length === 1 && (result.replies[0]?.citations?.length ?? 0) > 0;
}
