import { describe, expect, it } from "vitest";
import { extractDetails } from "../../src/nlu/details.js";
import { extractStudentFacts, isOnlyADate } from "../../src/nlu/extract.js";
import { createNlu } from "../../src/nlu/classifier.js";
import { realKnowledge } from "../helpers/bot.js";

/** Issue 13, item 6: relative dates are resolved against the clock; a bare month or date is a start date; status shorthand is read. */

const now = new Date("2026-11-22T10:00:00Z");
const start = (text: string) => {
  const s = extractDetails(text, now).start;
  return s && { month: s.date.toISOString().slice(0, 7), yearGiven: s.yearGiven };
};

describe("a start month and the words around it", () => {
  it("reads 'this year' as this calendar year, though the month has passed", () => {
    expect(start("I want to go in August this year")).toEqual({ month: "2026-08", yearGiven: true });
  });

  it("reads 'next year' and 'next June' as certain years", () => {
    expect(start("observership in March next year")).toEqual({ month: "2027-03", yearGiven: true });
    expect(start("observership in internal medicine next June")).toEqual({ month: "2027-06", yearGiven: true });
    expect(start("this coming June")).toEqual({ month: "2027-06", yearGiven: true });
  });

  it("leaves a month alone uncertain (to be confirmed), and an explicit year certain", () => {
    expect(start("in June")).toEqual({ month: "2027-06", yearGiven: false });
    expect(start("June 2027")).toEqual({ month: "2027-06", yearGiven: true });
  });

  it("does not let 'this year' elsewhere in a long message move the month", () => {
    expect(start("I passed Step 1 this year after a lot of work and I would like to start my rotation in June")).toEqual({ month: "2027-06", yearGiven: false });
  });
});

describe("a message that is only a date", () => {
  const kb = realKnowledge();
  const nlu = createNlu(kb);
  const facts = (text: string) => extractStudentFacts(text, nlu.analyze(text), kb.vocabulary, now);

  it("is recognised in the ways students write it, and questions with a date are not", () => {
    for (const t of ["June 2027", "june", "from March next year", "early July 2027", "maybe next June"]) expect(isOnlyADate(t), t).toBe(true);
    for (const t of ["how much is it in june 2027", "is June 2027 too late?", "I passed in June 2024"]) expect(isOnlyADate(t), t).toBe(false);
  });

  it("is the student's target start: certain with a year, to be confirmed without one", () => {
    expect(facts("June 2027").facts.target_start).toBe("2027-06");
    expect(facts("june")).toMatchObject({ unsure: { field: "target_start", value: "2027-06" } });
  });

  it("reads forum shorthand for exam status, and not a question about a pass as one", () => {
    expect(facts("Step 1 pass, Step 2 CK 240").facts.step1).toBe("passed");
    expect(facts("Step 1 pending").facts.step1).toBe("not_taken");
    expect(facts("step 1 in 2 months").facts.step1).toBe("scheduled");
    expect(facts("is step 1 pass enough?").facts.step1).toBeUndefined();
  });

  it("reads the status a forum post opens with, without 'I am', but not from a question about someone", () => {
    expect(facts("Hi guys, final year MBBS from Karachi here. Step 1 passed").facts).toMatchObject({ status: "student", year_of_study: "final" });
    expect(facts("MS4 at a school in the Dominican Republic").facts).toMatchObject({ status: "student", year_of_study: 4 });
    expect(facts("2021 graduate from Nepal, Step 1 pass").facts).toMatchObject({ status: "graduate", graduation_year: 2021 });
    expect(facts("can a 2021 graduate apply for electives?").facts.status).toBeUndefined();
  });

  it("records the graduation year in 'a 2023 MBBS graduate'", () => {
    expect(facts("I am a 2023 MBBS graduate").facts).toMatchObject({ status: "graduate", graduation_year: 2023 });
  });
});
