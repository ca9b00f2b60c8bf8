import { describe, expect, it } from "vitest";
import { parseState } from "../../src/core/state.js";
import { answerMessage } from "../../src/dialog/answer-message.js";
import { planQuestions } from "../../src/dialog/questions.js";
import { createRouter } from "../../src/dialog/router.js";
import { defaultHandlers } from "../../src/intents/handlers.js";
import { createNlu } from "../../src/nlu/classifier.js";
import { understand } from "../../src/nlu/understand.js";
import { realKnowledge } from "../helpers/bot.js";

/**
 * Issue 14 high 2 / issue 13 item 9: the question splitter did work quadratic
 * in the length of "a, a, a, …, a?" (each comma was tried as the join of two
 * questions, and both sides read whole). Counted here as the characters handed
 * to the classifier per character of the message, which must not grow with the
 * message: no timing, so the figure is the same on a busy machine.
 */

const kb = realKnowledge();
const nlu = createNlu(kb);
const state = parseState({});
const now = new Date("2026-11-22T10:00:00Z");
const route = createRouter(defaultHandlers);

const SHAPES: Record<string, (n: number) => string> = {
  "a, a, …, a?": (n) => `${"a, ".repeat(n)}a?`,
  "x and y and … cost?": (n) => `${"visa fee and ".repeat(n)}cost?`,
  "toefl score, vslo fee, …?": (n) => `${"toefl minimum score, vslo fee per application, ".repeat(n)}?`,
  "a story, then a question": (n) => `${"I passed step 1, and I work as a researcher. ".repeat(n)}how long is an observership?`,
  "many questions": (n) => "what does it cost, and when should I apply? ".repeat(n),
};

function readWork(text: string): number {
  let chars = 0;
  planQuestions(text, (part) => {
    chars += part.length;
    return understand(part, state, nlu, kb, now);
  });
  return chars / text.length;
}

describe("the work of splitting a message into questions", () => {
  it.each(Object.entries(SHAPES))("stays linear in the length of '%s'", (_name, make) => {
    const short = readWork(make(10));
    const long = readWork(make(80));
    // Characters read per character of the message: bounded, and not growing eightfold with the message.
    expect(long).toBeLessThan(8);
    expect(long).toBeLessThan(short * 1.5 + 1);
  });

  it("reads each sentence of a long message a bounded number of times in the whole answer", () => {
    const text = "what does an observership cost, and how early should I apply? ".repeat(30);
    let reads = 0;
    const budget = { check: () => void reads++ };
    const outcome = answerMessage({
      inbound: { channel: "console", conversation: "w", sender: "w", id: "w1", text, receivedAt: now },
      text,
      state,
      profile: {},
      knowledge: { kb, nlu },
      now,
      route,
      budget,
    });
    expect(outcome.result.replies[0]?.text.length).toBeGreaterThan(0);
    // 60 questions: each read alone, with its neighbours, and once to tell its kind.
    expect(reads).toBeLessThan(60 * 5);
  });
});
