import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kbCheck, kbStats, listGaps, printGaps } from "../../src/cli/kb/kb.js";
import { createSqlStore } from "../../src/storage/sql-store.js";
import { createTestBot, KNOWLEDGE_DIR, realKnowledge, type TestBot } from "../helpers/bot.js";
import { runCli } from "../helpers/cli.js";
import { copyKnowledge, FIXTURE_KNOWLEDGE } from "../helpers/knowledge-dir.js";

const today = new Date("2026-11-22T00:00:00Z");
function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, o: (l: string) => out.push(l), e: (l: string) => err.push(l) };
}

describe("rotabot kb check", () => {
  it("passes the repository's knowledge base with no errors", () => {
    const c = capture();
    expect(kbCheck(KNOWLEDGE_DIR, c.o, c.e, today)).toBe(0);
    expect(c.out.at(-1)).toMatch(/^ok: \d+ entries, \d+ example questions/);
    expect(c.err.filter((l) => /^Errors/.test(l))).toEqual([]);
    // Clean, with the review-date warnings in place: every time-sensitive entry has a review_by, no cycle is all past.
    expect(c.err).toEqual([]);
  });

  it("prints errors as file:line: message and exits 1", () => {
    const kb = copyKnowledge();
    kb.edit("costs-observership.md", (s) => s.replace("intent: costs", "intent: pricing").replace("reviewed: 2026-11-01", "reviewed: yesterday"));
    const c = capture();
    expect(kbCheck(kb.dir, c.o, c.e, today)).toBe(1);
    kb.remove();
    expect(c.err[0]).toBe("Errors (2):");
    expect(c.err[1]).toMatch(/costs-observership\.md:3: intent: must be one of: /);
    expect(c.err[2]).toMatch(/costs-observership\.md:14: reviewed: must be a date written as YYYY-MM-DD/);
    expect(c.err.at(-1)).toMatch(/^failed: 2 error\(s\)/);
  });

  it("lists warnings separately and still exits 0", () => {
    const c = capture();
    expect(kbCheck(FIXTURE_KNOWLEDGE, c.o, c.e, new Date("2027-08-01T00:00:00Z"))).toBe(0);
    expect(c.err[0]).toBe("Warnings (1):");
    expect(c.err[1]).toMatch(/costs-observership\.md:15: review date 2027-06-30 has passed/);
    expect(c.out.at(-1)).toMatch(/^ok: 3 entries, 9 example questions, 1 warning\(s\)/);
  });

  it("warns about an example question that is nearly the same as another intent's question", () => {
    const kb = copyKnowledge();
    kb.edit("rotation-types-observership.md", (s) => s.replace("  - what do observers do", "  - how much does the observership cost"));
    const c = capture();
    expect(kbCheck(kb.dir, c.o, c.e, today)).toBe(0);
    kb.remove();
    expect(c.err.join("\n")).toMatch(/rotation-types-observership\.md:9: example question "how much does the observership cost" is nearly the same as a question of costs-observership \(costs, similarity 1\.00\)/);
  });

  it("runs as a command with the exit code CI needs", async () => {
    const kb = copyKnowledge();
    kb.edit("out-of-scope-emergency.md", (s) => s.replace("intent: out_of_scope", "intent: emergencies"));
    const bad = await runCli(["kb", "check", kb.dir]);
    kb.remove();
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/out-of-scope-emergency\.md:3: intent: must be one of/);
    const good = await runCli(["kb", "check"]);
    expect(good.code).toBe(0);
  });
});

describe("rotabot kb stats", () => {
  it("shows entries and example questions per intent and what is due for review", () => {
    const c = capture();
    kbStats(FIXTURE_KNOWLEDGE, c.o, new Date("2027-06-01T00:00:00Z"));
    const text = c.out.join("\n");
    expect(c.out[0]).toBe("3 entries, 9 example questions");
    expect(text).toMatch(/^costs\s+1\s+3\s+3-3$/m);
    expect(text).toMatch(/^eligibility\s+0\s+0\s+-$/m);
    expect(text).toMatch(/Due for review by 2027-07-31 \(1\):\n  2027-06-30  costs-observership/);
  });

  it("lists time-sensitive entries without review_by, with the reason, and entries whose dates have all passed", () => {
    const kb = copyKnowledge();
    kb.edit("rotation-types-observership.md", (s) => s.replace("An observership is shadowing only.", "Since 2026 an observership costs $300."));
    kb.edit("costs-observership.md", (s) => s.replace("facts:\n", "facts:\n  dates:\n    - { name: eras_opens, date: 2025-06-04, match_year: 2026 }\n"));
    const c = capture();
    kbStats(kb.dir, c.o, new Date("2026-12-03T00:00:00Z"));
    kb.remove();
    const text = c.out.join("\n");
    expect(text).toMatch(/Time-sensitive without review_by \(1\):\n  rotation-types-observership  \(rotation-types-observership\.md\): it states a fee \(\$300\)/);
    expect(text).toMatch(/Every structured date in the past \(1\):\n  costs-observership  \(costs-observership\.md\)/);
  });

  it("reports the real knowledge base's counts", () => {
    const c = capture();
    kbStats(KNOWLEDGE_DIR, c.o, today);
    const kb = realKnowledge();
    expect(c.out[0]).toBe(`${kb.entries.length} entries, ${kb.entries.reduce((n, e) => n + e.examples.length, 0)} example questions`);
  });
});

describe("unanswered questions (kb gaps)", () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await createTestBot();
  });
  afterAll(() => t?.dispose());

  it("stores every turn that fell back and groups the questions by similarity, most frequent first", async () => {
    const ask = (conversation: string, text: string) =>
      t.bot.handle({ id: `${conversation}-${text}`, channel: "test", conversation, sender: conversation, text, receivedAt: t.clock.now() });
    await ask("g1", "can I bring my pet dog to the hospital");
    await ask("g2", "can I bring my dog to the hospital?");
    await ask("g3", "Can I bring my dog to the hospital");
    await ask("g4", "what is the best pizza in boston");
    await ask("g5", "how much does a rotation cost?"); // answered: not a gap
    const result = await listGaps(createSqlStore(t.db.driver), realKnowledge(), { days: 30, limit: 10, now: t.clock.now() });
    expect(result.total).toBe(4);
    expect(result.gaps.map((g) => [g.count, g.example])).toEqual([
      [3, expect.stringMatching(/bring my (pet )?dog to the hospital/i)],
      [1, "what is the best pizza in boston"],
    ]);
    const c = capture();
    printGaps(result, 30, c.o);
    expect(c.out[0]).toBe("4 unanswered question(s) in the last 30 days, in 2 group(s) shown:");
    expect(c.out.join("\n")).toMatch(/   3 x  ".*dog to the hospital.*"/);
  });

  it("leaves out questions older than the window", async () => {
    const result = await listGaps(createSqlStore(t.db.driver), realKnowledge(), { days: 1, limit: 10, now: new Date("2027-01-01T00:00:00Z") });
    expect(result.total).toBe(0);
  });

  it("works end to end: chat, then `rotabot kb gaps` on the same data directory", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "rotabot-gaps-"));
    const env = { ROTABOT_DATA_DIR: dataDir };
    await runCli(["chat"], { input: "what is the best pizza in boston\nbest pizza in boston?\nhow early should I apply?\n", env });
    const run = await runCli(["kb", "gaps"], { env });
    rmSync(dataDir, { recursive: true, force: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^2 unanswered question\(s\) in the last 30 days, in 1 group\(s\) shown:/);
    expect(run.stdout).toMatch(/   2 x  ".*pizza in boston.*"/);
  });
});
