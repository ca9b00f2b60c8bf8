import { describe, expect, it } from "vitest";
import { learnCues } from "../../src/nlu/cues.js";
import { createNlu } from "../../src/nlu/classifier.js";
import { realKnowledge } from "../helpers/bot.js";

const doc = (label: string, text: string) => ({ label, words: text.split(" ") });

describe("cue words learned from labelled questions", () => {
  const docs = [
    doc("costs", "fee for observership"),
    doc("costs", "elective fee"),
    doc("costs", "visa fee"),
    doc("costs", "fee waiver"),
    doc("costs", "fee per week"),
    doc("costs", "observership price"),
    doc("eligibility", "observership for graduates"),
    doc("eligibility", "elective for students"),
    doc("timing", "when observership"),
  ];
  const cues = learnCues(docs, { minQuestions: 4, smoothing: 1, minShare: 0.7 });

  it("makes a word that one label's questions use almost exclusively a cue for that label", () => {
    const s = cues.strengths(["fee"]);
    expect([...s.keys()]).toEqual(["costs"]);
    // Five of five questions, smoothed by one: 5 / 6.
    expect(s.get("costs")).toBeCloseTo(5 / 6);
  });

  it("ignores words shared by several labels and words seen too rarely", () => {
    // "observership": 2 costs, 1 eligibility, 1 timing; "price": one question only.
    expect(cues.strengths(["observership", "price", "for"]).size).toBe(0);
  });

  it("keeps the strongest cue per label", () => {
    expect(cues.strengths(["observership", "fee", "graduates"])).toEqual(new Map([["costs", 5 / 6]]));
  });
});

describe("the classifier with cue words", () => {
  const kb = realKnowledge();
  const nlu = createNlu(kb);

  it("lets a cost word lead even when the rest of the message describes who may do a rotation, whatever the training seed", () => {
    // "observership" and "graduates" pull towards eligibility; "fee" is what is asked. The margin itself moves with the
    // linear model's training seed (0.03-0.19 over five seeds on 7 Dec), so the test asks for the lead at each seed.
    const text = "kindly tell fee for an observership in usa for mbbs graduates";
    for (const seed of [1, 2, 3, 4, 5]) {
      const [first, second] = createNlu(kb, { seed }).analyze(text).intents;
      expect(first?.intent, `seed ${seed}`).toBe("costs");
      expect(second?.intent, `seed ${seed}`).toBe("eligibility");
    }
  });
});
