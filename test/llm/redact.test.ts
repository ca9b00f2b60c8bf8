import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { introducedNames, redact } from "../../src/llm/redact.js";

describe("redaction before any LLM call", () => {
  it("replaces emails and phone numbers in E.164 and local forms", () => {
    expect(redact("mail me at ana.silva+usce@uni-med.edu.br or +14155550123")).toBe("mail me at [email] or [phone]");
    for (const phone of ["(415) 555-0123", "0300-1234567", "98765 43210", "+91 98765 43210", "0044 20 7946 0958", "415.555.0123"]) {
      expect(redact(`call ${phone} today`), phone).toBe("call [phone] today");
    }
  });

  it("leaves fees, years, durations, dates and links alone", () => {
    const text = "It costs $5,000 (USD 1,500-3,000) for 4-8 weeks in 2026; apply by 2026-11-22 or 01.05.2027, see https://studylib.net/doc/10470801.";
    expect(redact(text)).toBe(text);
  });

  it("replaces names the student introduces, and every later mention of them", () => {
    expect(redact("Hi, my name is Ana Silva. Ana here again")).toBe("Hi, my name is [name] [name]. [name] here again");
    expect(redact("my name is rahul and rahul needs an elective")).toBe("my name is [name] and [name] needs an elective");
    expect(redact("Me llamo María y quiero una rotación")).toBe("Me llamo [name] y quiero una rotación");
    expect(redact("this is about costs")).toBe("this is about costs");
    expect(introducedNames("I am called Dr Okafor. This is Chidi")).toEqual(["Dr Okafor", "Chidi"]);
  });

  it("replaces names known from the profile, as whole words only", () => {
    expect(redact("Priya asked about Priyanka's elective", ["Priya Sharma"])).toBe("[name] asked about Priyanka's elective");
  });

  it("never lets an email through, whatever surrounds it (property)", () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), (email, a, b) => !redact(`${a} ${email} ${b}`).includes(email)),
      { numRuns: 300 },
    );
  });
});
