import type { TurnStep } from "../turn-context.js";
import { answerQuestions } from "./answer-questions.js";
import { emptyMessage } from "./empty-message.js";
import { leadAfterAnswer } from "./lead-after-answer.js";
import { leadTakeOver } from "./lead-take-over.js";
import { noteTruncation } from "./note-truncation.js";
import { rateLimit } from "./rate-limit.js";
import { readMessage } from "./read-message.js";
import { rephrase } from "./rephrase.js";
import { unreadable } from "./unreadable.js";

/**
 * The turn, in order. A step may answer and stop, or pass the turn on and
 * amend the answer after the steps below it (see compose.ts). To add a step,
 * add a file beside these and a line here.
 */
export const TURN: readonly TurnStep[] = [
  noteTruncation, // after: a cut message's answer starts with a notice
  rateLimit, // over the limit: the notice only
  emptyMessage, // nothing to read: ask for text
  leadTakeOver, // the lead form, a counselor holding the chat, consent, offers
  unreadable, // a photo or voice note nobody took over
  leadAfterAnswer, // after: start the form, offer a counselor, mirror a queued lead
  readMessage, // offline reading, and the model's when unsure
  rephrase, // after: the model may rewrite the grounded answer
  answerQuestions, // every question of the message through the intent handlers
];
