import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkKnowledge } from "../../src/knowledge/loader.js";
import { allDatesPast, timeSensitivity } from "../../src/knowledge/review.js";
import { createTestBot, KNOWLEDGE_DIR, realKnowledge, type TestBot } from "../helpers/bot.js";
import { copyKnowledge } from "../helpers/knowledge-dir.js";

const today = new Date("2026-12-03T00:00:00Z");
const body = (text: string) => ({ body: text });

describe("which entries are time-sensitive (the rule kb check applies)", () => {
  it("counts structured costs, lead times and dates", () => {
    expect(timeSensitivity({ body: "text", facts: { lead_times: [{ route: "visa", min_months: 1, max_months: 10 }] } }, [])).toBe("it has structured lead times");
  });

  it("counts a dollar amount, a year or a listed institution in the answer, and says which", () => {
    expect(timeSensitivity(body("The fee is **$5,500** per elective."), [])).toBe("it states a fee ($5,500)");
    expect(timeSensitivity(body("Since January 2026 the rule is new."), [])).toBe("it states a date (2026)");
    expect(timeSensitivity(body("Yale takes applications through VSLO only."), ["Johns Hopkins", "Yale"])).toBe("it quotes a rule of Yale");
  });

  it("leaves plain explanations alone, and lets time_sensitive decide either way", () => {
    expect(timeSensitivity(body("An observership is shadowing only."), ["Yale"])).toBeNull();
    expect(timeSensitivity({ ...body("Visa rules for your nationality."), time_sensitive: true }, [])).toBe("it is marked time_sensitive");
    expect(timeSensitivity({ ...body("Step 2 CS ended in 2021."), time_sensitive: false }, [])).toBeNull();
  });

  it("finds entries whose structured dates have all passed", () => {
    const dates = (...d: string[]) => ({ facts: { dates: d.map((date) => ({ name: "x", date })) } });
    expect(allDatesPast(dates("2025-06-04", "2026-03-20"), "2026-12-03")).toBe(true);
    expect(allDatesPast(dates("2026-06-03", "2027-03-19"), "2026-12-03")).toBe(false);
    expect(allDatesPast({}, "2026-12-03")).toBe(false);
  });
});

describe("kb check on review dates", () => {
  it("warns about a time-sensitive entry with no review_by, at its reviewed line, and says why", () => {
    const kb = copyKnowledge();
    kb.edit("rotation-types-observership.md", (s) => s.replace("An observership is shadowing only.", "An observership at Yale costs $300."));
    const r = checkKnowledge(kb.dir, today);
    kb.remove();
    expect(r.warnings.map((w) => [w.line, w.message])).toEqual([
      [12, "time-sensitive (it states a fee ($300)) but has no review_by: add review_by: YYYY-MM-DD, when to check it again"],
    ]);
  });

  it("warns when every structured date is in the past", () => {
    const kb = copyKnowledge();
    kb.edit("costs-observership.md", (s) => s.replace("facts:\n", "facts:\n  dates:\n    - { name: eras_opens, date: 2025-06-04, match_year: 2026 }\n"));
    const r = checkKnowledge(kb.dir, today);
    kb.remove();
    expect(r.warnings.map((w) => w.message)).toEqual(["every date under facts.dates has passed: add the current cycle's dates"]);
  });

  it("rejects a review_by before the reviewed date, in words an admin can act on", () => {
    const kb = copyKnowledge();
    kb.edit("costs-observership.md", (s) => s.replace("review_by: 2027-06-30", "review_by: 2026-10-01"));
    const r = checkKnowledge(kb.dir, today);
    kb.remove();
    expect(r.errors.map((e) => [e.line, e.message])).toEqual([[15, "review_by: must be on or after reviewed (review_by is when the facts are next checked)"]]);
  });

  it("finds the repository's knowledge base clean: every time-sensitive entry has a review date, and no cycle is all past", () => {
    const r = checkKnowledge(KNOWLEDGE_DIR, today);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
  });
});

describe("the stale-answer line", () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await createTestBot();
  });
  afterAll(() => t?.dispose());

  const ask = async (id: string, text: string) =>
    (await t.bot.handle({ id, channel: "test", conversation: id, sender: id, text, receivedAt: t.clock.now() })).replies[0]?.text ?? "";

  it("is one line from _messages.yaml after a plain answer whose review_by has passed, and absent before", async () => {
    const entry = realKnowledge().byId.get("costs-visa-fee")!;
    const line = realKnowledge().messages.answer_review_overdue.replace("{date}", entry.review_by!);
    expect(await ask("fresh", "how much is the us visitor visa fee")).not.toContain(line);
    t.clock.set(new Date(Date.parse(`${entry.review_by}T12:00:00Z`) + 86_400_000)); // the day after review_by
    const stale = await ask("stale", "how much is the us visitor visa fee");
    expect(stale).toContain("$185");
    expect(stale.split("\n").filter((l) => l === line)).toHaveLength(1);
  });
});
