import { describe, expect, it } from "vitest";
import { monthsUntil, scoreLead } from "../../src/leads/score.js";
import { buildSummary } from "../../src/leads/summary.js";
import { realKnowledge } from "../helpers/bot.js";

const kb = realKnowledge();
const config = kb.leads!;
const now = new Date("2026-11-22T10:00:00Z");

describe("the lead score", () => {
  it("is zero with nothing known", () => {
    expect(scoreLead({}, [], now, kb, config)).toEqual({ score: 0, reasons: [] });
  });

  it("adds profile completeness, urgency of the start, a specific route and a specialty, each with its reason", () => {
    const r = scoreLead({ status: "graduate", step1: "passed", target_start: "2027-01", specialty: "internal_medicine" }, ["observership"], now, kb, config);
    const w = config.score;
    expect(r.score).toBe((w.profile.status ?? 0) + (w.profile.step1 ?? 0) + (w.start_within[0]?.points ?? 0) + w.route + w.specialty);
    expect(r.reasons).toHaveLength(4);
    expect(r.reasons.join("\n")).toMatch(/Status, USMLE Step 1/);
    expect(r.reasons.join("\n")).toMatch(/Observership/);
    expect(r.score).toBeGreaterThanOrEqual(w.threshold);
  });

  it("gives less for a start further away, and nothing for one that has passed", () => {
    const soon = scoreLead({ target_start: "2027-02" }, [], now, kb, config).score;
    const later = scoreLead({ target_start: "2027-09" }, [], now, kb, config).score;
    const past = scoreLead({ target_start: "2025-01" }, [], now, kb, config).score;
    expect(soon).toBeGreaterThan(later);
    expect(past).toBe(0);
    expect(monthsUntil("2027-02", now)).toBe(3);
  });

  it("follows the weights an admin sets in _leads.yaml", () => {
    const custom = { ...config, score: { ...config.score, specialty: 99 } };
    expect(scoreLead({ specialty: "surgery" }, [], now, kb, custom).score).toBe(99);
  });
});

describe("the lead summary", () => {
  it("shows the profile, the recent questions with short answers, the failed question, the score and the trigger", () => {
    const at = now;
    const summary = buildSummary(
      { status: "graduate", specialty: "internal_medicine" },
      [
        { direction: "in", text: "hi", intent: "smalltalk", createdAt: at, fellBack: false },
        { direction: "out", text: "Hello!", intent: "smalltalk", createdAt: at },
        { direction: "in", text: "how much does an observership cost?", intent: "costs", createdAt: at, fellBack: false },
        { direction: "out", text: "An observership can cost nothing or **several thousand** dollars.\n\nMore details here.", intent: "costs", createdAt: at },
        { direction: "in", text: "asdf qwer", intent: "out_of_scope", createdAt: at, fellBack: true },
        { direction: "out", text: "Sorry, I'm not sure I understood that.", intent: "out_of_scope", createdAt: at },
        { direction: "in", text: "/counselor", intent: "counselor", createdAt: at, fellBack: false },
      ],
      "repeated_misses",
      { score: 25, reasons: ["profile: Status (+10)", "specialty chosen: internal medicine (+15)"] },
      kb.messages,
    );
    expect(summary).toEqual({
      profile: [
        { label: "Status", value: "graduate" },
        { label: "Target specialty", value: "internal medicine" },
      ],
      questions: [
        { text: "how much does an observership cost?", answer: "An observership can cost nothing or several thousand dollars." },
        { text: "asdf qwer", answer: "Sorry, I'm not sure I understood that." },
      ],
      failedQuestion: "asdf qwer",
      score: 25,
      scoreReasons: ["profile: Status (+10)", "specialty chosen: internal medicine (+15)"],
      trigger: "repeated_misses",
    });
  });
});
