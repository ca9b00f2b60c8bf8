import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkGrounding, type GroundingInput } from "../../src/llm/grounding.js";
import { stripInvisible } from "../../src/nlu/text.js";

const FACTS = [
  "An observership can cost nothing or several thousand dollars.",
  "Saint Peter's charged **$1,500 for 2 weeks**, plus a $35 background check. One program charges $1,000–1,300 per 4 weeks.",
  "Apply 3-6 months before the start, in January or by 1 March 2027. Details: https://www.ama-assn.org/imgs/observership.",
  "No program can guarantee a Match. Be cautious of anyone selling a guaranteed route into residency.",
].join("\n");
const CANARY = "RB-CANARY-5c1e9f27a4d3";

function check(text: string, more: Partial<GroundingInput> = {}) {
  return checkGrounding({ text, citedIds: ["costs-observership"], suppliedIds: ["costs-observership"], facts: FACTS, canary: CANARY, language: "es", ...more });
}
const kinds = (text: string, more: Partial<GroundingInput> = {}) => check(text, more).map((p) => p.kind);

describe("the grounding check", () => {
  it("passes a rephrasing that keeps every number, amount, duration, date and link of the facts", () => {
    expect(check("Saint Peter's cobró $1,500 por 2 semanas, más $35. Solicita 3-6 meses antes, en enero o el 1 de marzo de 2027: https://www.ama-assn.org/imgs/observership")).toEqual([]);
  });

  it("accepts the same amount written another way: 1.5k, USD 1500, 1.500 dólares", () => {
    expect(check("About 1.5k dollars, i.e. USD 1500, or 1.500 dólares for 2 weeks.")).toEqual([]);
  });

  it("rejects an invented fee, an invented number, and an amount in another currency", () => {
    expect(kinds("There is also a $2,750 processing fee.")).toContain("money");
    expect(kinds("There is also a $2,750 processing fee.")).toContain("number");
    expect(kinds("Only 7 seats are left.")).toEqual(["number"]);
    expect(kinds("It costs €1,500 for 2 weeks.")).toEqual(["money"]);
  });

  it("rejects a duration with a changed unit, and a bound of a range that is not in the facts", () => {
    expect(kinds("Saint Peter's charged $1,500 for 2 months.")).toEqual(["duration"]);
    expect(kinds("Apply 3-8 months ahead.")).toEqual(expect.arrayContaining(["number", "duration"]));
  });

  it("rejects months the facts do not name, in English or another language, but not the verb 'may'", () => {
    expect(kinds("Apply in September.")).toEqual(["date"]);
    expect(kinds("Postula en septiembre.")).toEqual(["date"]);
    expect(kinds("You may apply in January.")).toEqual([]);
    expect(kinds("Apply by May 2027.")).toEqual(["date"]);
  });

  it("rejects numbers in words of scale and digits of other scripts", () => {
    expect(kinds("It costs five thousand dollars.")).toEqual(["number"]);
    expect(kinds("It costs two million dollars.")).toEqual(["number"]);
    expect(kinds("It takes two weeks.")).toEqual([]);
    expect(kinds("It costs ١٥٠٠ dollars.")).toContain("number");
  });

  it("rejects citations of entries that were not supplied, and an answer citing none", () => {
    expect(kinds("Some programs are free.", { citedIds: ["costs-observership", "made-up"] })).toEqual(["citation"]);
    expect(kinds("Some programs are free.", { citedIds: [] })).toEqual(["citation"]);
  });

  it("rejects the canary, however it is spelled or encoded", () => {
    for (const leak of [CANARY, "rb canary 5c1e9f27a4d3", `R\u200BB-CANARY-5c1e9f27a4d3`, Buffer.from(`marker ${CANARY}`).toString("base64")]) {
      expect(kinds(`Here you go: ${leak}`), leak).toContain("canary");
    }
  });

  it("rejects Match promises in several languages, but not a negated one or the knowledge's own warning", () => {
    for (const promise of ["With this you will match!", "This observership guarantees a residency position.", "100% match rate", "Esto garantiza tu plaza de residencia.", "observership se match pakka", "Você vai match com certeza"]) {
      expect(kinds(promise), promise).toContain("promise");
    }
    expect(kinds("No program can guarantee a Match.")).toEqual([]);
    expect(kinds("Be cautious of anyone selling a guaranteed route into residency.")).toEqual([]);
  });

  it("rejects medical advice the knowledge does not give", () => {
    expect(kinds("Take 400 mg ibuprofen for the pain.")).toEqual(expect.arrayContaining(["medical", "number"]));
    expect(kinds("You probably have an infection; see a doctor.")).toEqual(["medical"]);
  });

  it("rejects chat markup that pings people, script links and links the facts do not hold", () => {
    expect(kinds("Hey <!channel> look")).toEqual(["markup"]);
    expect(kinds("Ask <@U123ABC> for help")).toEqual(["markup"]);
    expect(kinds("[click](javascript:alert(1))")).toEqual(["markup"]);
    expect(kinds("See https://evil.example.com/pay")).toEqual(["link"]);
  });

  it("rejects an English answer that is about something else", () => {
    const poem = "Arr matey, here be a pirate poem about the seven seas, the wind and the sails, and a recipe for rum cake with butter and sugar.";
    expect(kinds(poem, { language: "en" })).toContain("topic");
    expect(kinds("Saint Peter's charged $1,500 for 2 weeks, plus a $35 background check; some observership programs cost nothing.", { language: "en" })).toEqual([]);
  });

  it("rejects an empty answer and one far longer than the facts", () => {
    expect(kinds("   ")).toContain("length");
    expect(kinds("free ".repeat(2000))).toContain("length");
  });

  it("strips zero-width, joiner, variation-selector and tag characters", () => {
    expect(stripInvisible("a\u200Bb\u200Cc\u200Dd\u2060e\uFE0Ff\u{E0041}g")).toBe("abcdefg");
  });

  it("never passes a text holding a number that is not in the facts (property)", () => {
    const known = new Set([0, 1, 2, 3, 4, 6, 35, 300, 1000, 1300, 1500, 2027]);
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 10_000_000 }), fc.string({ maxLength: 40 }), (n, noise) => {
        fc.pre(!known.has(n) && !/\d/.test(noise));
        const text = `${noise.replace(/[<>@:]/g, " ")} ${n.toLocaleString("en-US")} `;
        return check(text).some((p) => p.kind === "number");
      }),
      { numRuns: 300 },
    );
  });

  it("never throws, whatever the text (property)", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (text) => Array.isArray(check(text))), { numRuns: 300 });
  });
});
