import type { Intent } from "../core/intents.js";
import type { IntentHandler } from "./turn.js";
import { counselor } from "./counselor.js";
import { answerFromKnowledge } from "./knowledge-answer.js";
import { outOfScope } from "./out-of-scope.js";
import { smalltalk } from "./smalltalk.js";

/** The default handler for every intent. */
export const defaultHandlers: Record<Intent, IntentHandler> = {
  eligibility: answerFromKnowledge,
  costs: answerFromKnowledge,
  timing: answerFromKnowledge,
  rotation_types: answerFromKnowledge,
  documents: answerFromKnowledge,
  application_process: answerFromKnowledge,
  recommendation_letters: answerFromKnowledge,
  residency_match: answerFromKnowledge,
  specialties: answerFromKnowledge,
  logistics: answerFromKnowledge,
  counselor,
  smalltalk,
  out_of_scope: outOfScope,
};
