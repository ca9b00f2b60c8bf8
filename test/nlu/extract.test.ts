import { describe, expect, it } from "vitest";
import { createNlu } from "../../src/nlu/classifier.js";
import { extractProfileFacts, extractStudentFacts } from "../../src/nlu/extract.js";
import { realKnowledge } from "../helpers/bot.js";

const nlu = createNlu(realKnowledge());
const facts = (text: string) => extractProfileFacts(text, nlu.analyze(text));

describe("extracting what a student says about themselves", () => {
  it.each([
    ["I'm a 2023 graduate", { status: "graduate", graduation_year: 2023 }],
    ["I graduated in 2022", { status: "graduate", graduation_year: 2022 }],
    ["im an IMG, passed out in 2019", { status: "graduate", graduation_year: 2019 }],
    ["I have completed my MBBS", { status: "graduate" }],
    ["I am a final year MBBS student", { status: "student", year_of_study: "final" }],
    ["I'm in my 3rd year", { status: "student", year_of_study: 3 }],
    ["I'm doing my internship in India", { status: "student" }],
  ])("reads the status in %j", (text, expected) => {
    expect(facts(text)).toMatchObject(expected);
  });

  it.each([
    ["I passed step 1 last month", "passed"],
    ["cleared USMLE Step 1", "passed"],
    ["step1 done", "passed"],
    ["I failed step 1 once", "failed"],
    ["I haven't taken step 1 yet", "not_taken"],
    ["preparing for step 1 now", "scheduled"],
  ])("reads the Step 1 status in %j", (text, step1) => {
    expect(facts(text).step1).toBe(step1);
  });

  it.each([
    ["I'm interested in internal medicine", "internal_medicine"],
    ["I want to pursue FM", "family_medicine"],
    ["planning to apply for pediatrics", "pediatrics"],
  ])("reads the target specialty in %j", (text, specialty) => {
    expect(facts(text).specialty).toBe(specialty);
  });

  it.each([
    "can I do electives after graduating?",
    "do graduates need step 1?",
    "is step 1 required for observerships?",
    "which specialties need a SLOE, like emergency medicine?",
    "how much does it cost for a 2022 graduate?",
  ])("learns nothing from the question %j", (text) => {
    expect(facts(text)).toEqual({});
  });
});

describe("extracting the rest of the profile", () => {
  const kb = realKnowledge();
  const now = new Date("2026-11-22T10:00:00Z");
  const all = (text: string) => extractStudentFacts(text, nlu.analyze(text), kb.vocabulary, now);

  it.each([
    ["I'm from Pakistan", { country: "pakistan" }],
    ["I study in Nepal", { country: "nepal" }],
    ["I passed step 2 ck", { step2ck: "passed" }],
    ["I'm ECFMG certified", { ecfmg: "certified" }],
    ["I applied for ECFMG last month", { ecfmg: "in_progress" }],
    ["I already have a valid B1/B2 visa", { visa: "has_b1b2" }],
    ["I don't have a US visa", { visa: "needs_visa" }],
    ["I'm a US citizen", { visa: "us_citizen_or_resident" }],
    ["my budget is $3000", { budget: "$3,000" }],
    ["I can spend around 5k", { budget: "$5,000" }],
    ["I want to start in March 2027", { target_start: "2027-03" }],
  ])("reads %j", (text, expected) => {
    expect(all(text).facts).toMatchObject(expected);
  });

  it.each([
    ["Step 1 and 2 passed, ECFMG certified", { step1: "passed", step2ck: "passed", ecfmg: "certified" }],
    ["cleared step 1 and step 2 ck last year", { step1: "passed", step2ck: "passed" }],
    ["CK 250, ECFMG certified.", { ecfmg: "certified" }],
  ])("reads the shorthand of a forum post in %j", (text, expected) => {
    expect(all(text).facts).toEqual(expected);
  });

  it.each(["do I need to be ECFMG certified for an observership?", "is step 1 and 2 passed enough for an externship", "must I get ECFMG certified first"])(
    "reads no exam or ECFMG status out of the question %j",
    (text) => {
      expect(all(text).facts).toEqual({});
    },
  );

  it("asks to confirm a month given without a year", () => {
    expect(all("I'm planning to start in June")).toEqual({ facts: {}, unsure: { field: "target_start", value: "2027-06" } });
  });

  it("does not read a country out of a question about it", () => {
    expect(all("how long is the visa wait in India?").facts).toEqual({});
  });
});
