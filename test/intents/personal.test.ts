import { describe, expect, it } from "vitest";
import { estimateCost, formatCostEstimate } from "../../src/intents/personal/cost-estimate.js";
import { eligibilityVerdicts, formatVerdicts } from "../../src/intents/personal/eligibility.js";
import { formatTimeline, planTimeline } from "../../src/intents/personal/timeline.js";
import type { KnowledgeBase } from "../../src/knowledge/loader.js";
import { realKnowledge } from "../helpers/bot.js";

const kb = realKnowledge();
const now = new Date("2026-11-22T10:00:00Z");
const withRates = (): KnowledgeBase => ({
  ...kb,
  currencies: { rates: [{ code: "INR", names: ["inr", "rupee"], countries: ["india"], per_usd: 80, as_of: "2026-11-20", source: "Test bank" }] },
});

describe("eligibility verdicts from the knowledge base's rules", () => {
  it("needs to know whether the student is a student or a graduate", () => {
    expect(eligibilityVerdicts(kb, {})).toBeNull();
  });

  it("closes student electives to a graduate and flags Step 1 where providers need it", () => {
    const verdicts = eligibilityVerdicts(kb, { status: "graduate", graduation_year: 2023 }) ?? [];
    const byRoute = Object.fromEntries(verdicts.map((v) => [v.route, v]));
    expect(byRoute.vslo_elective).toEqual({ route: "vslo_elective", kind: "closed", reasons: ["students_only"] });
    expect(byRoute.direct_elective?.kind).toBe("closed");
    expect(byRoute.observership).toMatchObject({ kind: "conditional", reasons: expect.arrayContaining(["not_hands_on"]) });
    expect(byRoute.externship).toMatchObject({ kind: "conditional", reasons: ["step1_varies"], caveat: expect.stringMatching(/legal and visa gray area/) });
  });

  it("opens student electives to a final-year student", () => {
    const verdicts = eligibilityVerdicts(kb, { status: "student", year_of_study: "final" }) ?? [];
    expect(verdicts.find((v) => v.route === "vslo_elective")?.kind).not.toBe("closed");
    expect(verdicts.find((v) => v.route === "externship")).toMatchObject({ kind: "closed", reasons: ["graduates_only"] });
  });

  it("reads as one line per route, with the student described and the entry cited", () => {
    const text = formatVerdicts(kb, { status: "graduate", graduation_year: 2023 }, now)?.text ?? "";
    expect(text.split("\n")[0]).toBe("As a 2023 graduate, here is where you stand:");
    expect(text).toContain("- VSLO elective: not open to you (for enrolled students only)");
    expect(text).toMatch(/- Observership: open to you, but .*no hands-on patient contact/);
    expect(text).toMatch(/- Externship: open to you, but some hosts require Step 1, so check each one; hands-on work by graduates is a legal and visa gray area/);
    expect(text).toContain("Based on: eligibility-overview.");
  });
});

describe("cost estimates from the knowledge base's cost facts", () => {
  it("adds the program fee, housing by the month and the visa fee for 8 weeks of third-party rotation", () => {
    const e = estimateCost(kb, "third_party_rotation", 8, {});
    expect(e).not.toBeNull();
    expect(e?.programFee).toEqual({ min: 2000, max: null }); // $1,000+ per 4 weeks, open-ended
    expect(e?.housing?.months).toBe(1.8);
    expect(e?.housing?.min).toBeCloseTo((600 * 8 * 12) / 52, 6);
    expect(e?.housing?.max).toBeCloseTo((1500 * 8 * 12) / 52, 6);
    expect(e?.visaFee).toEqual({ min: 185, max: 185 });
    expect(e?.total.min).toBeCloseTo(2000 + (600 * 8 * 12) / 52 + 185, 6);
    expect(e?.total.max).toBeNull();
  });

  it("leaves out the visa fee for a student who already holds a B1/B2", () => {
    const e = estimateCost(kb, "observership", 4, { visa: "has_b1b2" });
    expect(e?.visaFee).toBeUndefined();
    expect(e?.housing).toBeDefined();
  });

  it("counts neither housing nor a visa for a remote (telehealth) rotation", () => {
    const e = estimateCost(kb, "telehealth", 4, {});
    expect(e).toMatchObject({ programFee: { min: 1150, max: 1350 }, total: { min: 1150, max: 1350 } });
    expect(e?.housing).toBeUndefined();
    expect(e?.visaFee).toBeUndefined();
  });

  it("returns nothing for a route without a program fee in the knowledge base", () => {
    expect(estimateCost(kb, "research", 4, {})).toBeNull();
  });

  it("itemises the estimate and cites the entries it used", () => {
    const text = formatCostEstimate(kb, estimateCost(kb, "observership", 8, {})!, now);
    expect(text).toContain("Estimated cost for 8 weeks of observership, in US dollars:");
    expect(text).toContain("- Program fee: from free to no typical upper limit");
    expect(text).toContain("- Housing for about 1.8 months: $1,108-$2,769");
    expect(text).toContain("- B1/B2 visa fee: $185");
    expect(text).toContain("Total: $1,293 or more, before flights, insurance and checks");
    expect(text).toContain("Based on: costs-observership, costs-housing-and-other, costs-visa-fee.");
  });

  it("converts to a local currency only with a rate from the table, naming the rate, source and date", () => {
    const table = withRates();
    const text = formatCostEstimate(table, estimateCost(table, "telehealth", 4, {})!, now, "rupee");
    expect(text).toContain("In INR: about INR 92,000-INR 108,000, at 80 INR per US dollar (Test bank, 2026-11-20).");
    const unknown = formatCostEstimate(kb, estimateCost(kb, "telehealth", 4, {})!, now, "pkr");
    expect(unknown).toContain("I don't have an exchange rate for pkr that I can vouch for");
  });

  it("says when a figure's review date has passed", () => {
    const later = new Date("2027-09-01T00:00:00Z");
    expect(formatCostEstimate(kb, estimateCost(kb, "telehealth", 4, {})!, later)).toMatch(/were due for review on 2027-\d\d-\d\d/);
  });
});

describe("timelines computed from lead times, with a fixed clock", () => {
  it("works back from the start date: apply-by, latest date and visa appointment", () => {
    const t = planTimeline(kb, { route: "direct_elective", start: new Date("2027-09-01T12:00:00Z"), needsVisa: true });
    expect(t?.applyBy.toISOString().slice(0, 10)).toBe("2027-03-01"); // 6 months (recommended)
    expect(t?.applyLatest.toISOString().slice(0, 10)).toBe("2027-05-01"); // 4 months (minimum)
    expect(t?.visa?.requestBy.toISOString().slice(0, 10)).toBe("2026-09-01"); // 12 months (recommended)
    const text = formatTimeline(kb, t!, now, false);
    expect(text).toContain("Your timeline (direct elective, starting September 2027):");
    expect(text).toContain("- Apply by: 1 March 2027 (at the latest 1 May 2027)");
    expect(text).toMatch(/- Visa appointment: request it by 1 September 2026 \(that date has passed.*\); waits vary by consulate \(1-10 months\)/);
  });

  it("skips the visa for a student who does not need one", () => {
    const t = planTimeline(kb, { route: "observership", start: new Date("2027-06-01T12:00:00Z"), needsVisa: false });
    expect(t?.visa).toBeUndefined();
    expect(t?.applyBy.toISOString().slice(0, 10)).toBe("2027-03-01"); // no recommendation: the longest lead, 3 months
    expect(formatTimeline(kb, t!, now, true)).toContain("- Visa: you told me you don't need a new one");
  });

  it("checks whether a letter can be in before programs review, for a Match year the knowledge base has", () => {
    const early = planTimeline(kb, { route: "third_party_rotation", start: new Date("2025-06-01T12:00:00Z"), needsVisa: false, matchYear: 2026 });
    expect(early?.letters).toMatchObject({ matchYear: 2026, weeks: 4 });
    expect(formatTimeline(kb, early!, new Date("2025-01-01T00:00:00Z"), false)).toMatch(/Letters for Match 2026: .* before programs start reviewing on 24 September 2025\./);
    const late = planTimeline(kb, { route: "third_party_rotation", start: new Date("2025-09-01T12:00:00Z"), needsVisa: false, matchYear: 2026 });
    expect(formatTimeline(kb, late!, new Date("2025-01-01T00:00:00Z"), false)).toMatch(/after programs start reviewing on 24 September 2025\. An earlier rotation would help\./);
    const season2027 = planTimeline(kb, { route: "third_party_rotation", start: new Date("2026-06-01T12:00:00Z"), needsVisa: false, matchYear: 2027 });
    const text2027 = formatTimeline(kb, season2027!, new Date("2026-01-01T00:00:00Z"), false);
    expect(text2027).toMatch(/Letters for Match 2027: .* before programs start reviewing on 23 September 2026\./);
    expect(text2027).toContain("The review date for Match 2027 is an estimate, not yet confirmed by the AAMC");
    const unknown = planTimeline(kb, { route: "third_party_rotation", start: new Date("2027-06-01T12:00:00Z"), needsVisa: false, matchYear: 2028 });
    expect(formatTimeline(kb, unknown!, now, false)).toContain("I don't have the date programs start reviewing for Match 2028 yet");
  });
});
