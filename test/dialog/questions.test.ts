import { describe, expect, it } from "vitest";
import { planQuestions } from "../../src/dialog/questions.js";
import { parseState } from "../../src/core/state.js";
import { createNlu } from "../../src/nlu/classifier.js";
import { isQuestion, understand } from "../../src/nlu/understand.js";
import { realKnowledge } from "../helpers/bot.js";

const kb = realKnowledge();
const nlu = createNlu(kb);
const state = parseState({});
const now = new Date("2026-11-22T10:00:00Z");
const plan = (text: string) => planQuestions(text, (part) => understand(part, state, nlu, kb, now));
const texts = (text: string) => plan(text).questions.map((q) => q.text.replace(/[?,.!]+$/, ""));

describe("planning the questions of a message", () => {
  it("reads a fragment that neither asks nor names a subject as context for the question after it", () => {
    const { questions } = plan("honestly so many choices, can I talk to a human?");
    expect(questions.map((q) => q.text)).toEqual(["can I talk to a human?"]);
    expect(questions[0]?.lead).toEqual(["honestly so many choices"]);
  });

  it("still answers a fragment that names a subject", () => {
    expect(texts("visa fee, and how early should I apply?")).toEqual(["visa fee", "how early should I apply"]);
  });

  it("splits 'X and Y' with no question word when each side names its own subject and asks about it", () => {
    expect(texts("toefl minimum score and vslo fee per application?")).toEqual([
      "toefl minimum score",
      "vslo fee per application",
    ]);
  });

  it("reads a past auxiliary before a number as telling, with the subject left out ('Did 2 observerships…')", () => {
    expect(isQuestion("Did 2 observerships in Miami in 2024 with nice letters")).toBe(false);
    expect(isQuestion("Had 3 interviews last season")).toBe(false);
    expect(isQuestion("did you get letters from your observership")).toBe(true);
    expect(isQuestion("is 3 lors enough for residency")).toBe(true);
  });

  it("keeps the question mark with its sentence: a bare 'options?' after a story is a question, not more story", () => {
    const { questions } = plan("step 1 pass, CK 240, graduated 2021, no USCE yet. options?");
    expect(questions.map((q) => q.text)).toEqual(["options?"]);
    expect(questions[0]?.lead).toEqual(["step 1 pass, CK 240, graduated 2021, no USCE yet"]);
  });

  it("splits questions numbered 1) and 2) into one question each", () => {
    expect(texts("Two doubts: 1) what does an observership cost 2) when should I apply for one")).toEqual([
      "what does an observership cost",
      "when should I apply for one",
    ]);
  });

  it("reads what leads into a question after a colon as its frame, and the question after it as asked", () => {
    const { questions } = plan("Two things I couldn't figure out from websites: are observerships usually paid or free, and how far in advance should I apply?");
    expect(questions.map((q) => q.text.replace(/[?,]+$/, ""))).toEqual(["are observerships usually paid or free", "how far in advance should I apply"]);
    expect(questions[0]?.lead).toEqual(["Two things I couldn't figure out from websites:"]);
    // "thanks but one more question:" is a frame, not a thanks to answer.
    expect(plan("thanks but one more question: do I need malpractice insurance?").questions.map((q) => q.text)).toEqual(["do I need malpractice insurance?"]);
    // A colon before something that does not ask stays inside its sentence.
    expect(texts("Costs: roughly how much for 4 weeks?")).toEqual(["Costs: roughly how much for 4 weeks"]);
  });

  it("reads a long sentence that does not ask as the lead of the question after it", () => {
    const { questions } = plan("My seniors in the hostel told me many scary visa interview stories last winter. How early should I apply?");
    expect(questions.map((q) => q.text)).toEqual(["How early should I apply?"]);
    expect(questions[0]?.lead).toEqual(["My seniors in the hostel told me many scary visa interview stories last winter"]);
  });

  it("does not split a story told with 'and', nor a comparison of two subjects", () => {
    expect(plan("what is the difference between observership and externship?").questions).toHaveLength(1);
    const story = plan("The agency said the hospital is ACGME accredited and the letter will be on letterhead. Should I trust them?");
    expect(story.questions.map((q) => q.text)).not.toContain("the letter will be on letterhead");
  });
});

describe("a list of subjects after one question word", () => {
  it("stays one question", () => {
    expect(plan("which vaccines and drug tests do hospitals want before I start").questions).toHaveLength(1);
  });
});
