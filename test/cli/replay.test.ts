import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replay } from "../../src/cli/replay.js";
import { createTestBot, realKnowledge, type TestBot } from "../helpers/bot.js";
import { runCli } from "../helpers/cli.js";

let t: TestBot;
beforeAll(async () => {
  t = await createTestBot();
});
afterAll(() => t?.dispose());

async function run(lines: string[]) {
  const out: string[] = [];
  await replay(t.bot, Readable.from(lines.map((l) => `${l}\n`)), (l) => out.push(l));
  return out.map((l) => JSON.parse(l) as Record<string, unknown>);
}
const firstLine = (id: string) => realKnowledge().byId.get(id)?.body.split("\n")[0] ?? "missing entry";

describe("rotabot replay", () => {
  it("answers each line in order with the intent, the full reply and no lead", async () => {
    const out = await run([
      JSON.stringify({ conversation: "r1", text: "how much does a rotation cost?" }),
      JSON.stringify({ conversation: "r2", text: "can I do electives after graduating?" }),
      JSON.stringify({ conversation: "r3", text: "how early should I apply?" }),
      JSON.stringify({ conversation: "r4", text: "what's the difference between an observership and an externship?" }),
    ]);
    expect(out.map((o) => o.intent)).toEqual(["costs", "eligibility", "timing", "rotation_types"]);
    expect(out.map((o) => Object.keys(o))).toEqual(Array(4).fill(["conversation", "intent", "reply", "lead"]));
    expect(out[0]?.reply).toContain(firstLine("costs-overview"));
    expect(out[1]?.reply).toContain(firstLine("eligibility-graduates"));
    expect(out[2]?.reply).toContain(firstLine("timing-overview"));
    expect(out[3]?.reply).toContain(firstLine("rotation-types-observership-vs-externship"));
    expect(out.every((o) => o.lead === null)).toBe(true);
  });

  it("keeps conversations apart: a follow-up uses its own conversation's context", async () => {
    const out = await run([
      JSON.stringify({ conversation: "a", text: "what's an observership?" }),
      JSON.stringify({ conversation: "b", text: "what is a sub-internship?" }),
      JSON.stringify({ conversation: "a", text: "how much does it cost?" }),
    ]);
    expect(out[2]).toMatchObject({ conversation: "a", intent: "costs" });
    expect(out[2]?.reply).toContain(firstLine("costs-observership"));
  });

  it("turns every bad line into an error object for that line and goes on", async () => {
    const out = await run([
      "not json",
      "",
      JSON.stringify({ text: "no conversation" }),
      JSON.stringify({ conversation: "x", text: 42 }),
      JSON.stringify(["an", "array"]),
      JSON.stringify({ conversation: "ok", text: "hi" }),
    ]);
    expect(out).toHaveLength(6);
    expect(out.slice(0, 5).every((o) => typeof o.error === "string" && o.reply === null && o.intent === null)).toBe(true);
    expect(out[0]?.error).toMatch(/^line 1: invalid JSON/);
    expect(out[3]).toMatchObject({ conversation: "x", error: expect.stringMatching(/text/) });
    expect(out[5]).toMatchObject({ conversation: "ok", intent: "smalltalk" });
  });

  it("answers hostile text without failing", async () => {
    const out = await run([
      JSON.stringify({ conversation: "h", text: "" }),
      JSON.stringify({ conversation: "h", text: "x".repeat(100_000) }),
      JSON.stringify({ conversation: "h", text: "🙂🙂🙂" }),
      JSON.stringify({ conversation: "h", text: "<img src=x onerror=alert(1)>" }),
      JSON.stringify({ conversation: "h", text: "\ud800 lone surrogate" }),
    ]);
    expect(out.map((o) => typeof o.reply)).toEqual(Array(5).fill("string"));
    expect(out.every((o) => o.error === undefined)).toBe(true);
  });
});

describe("rotabot replay and numbered options", () => {
  it("picks a numbered option with a bare number, as the terminal does: 1 at the consent step grants consent", async () => {
    const out = await run([
      JSON.stringify({ conversation: "pick-1", text: "I want to talk to a counselor" }),
      JSON.stringify({ conversation: "pick-1", text: "1" }),
    ]);
    expect(out[0]?.reply).toMatch(/\n  1\. /);
    const lead = out[1]?.lead as { status: string } | null;
    // The form goes on to the next question (the name) instead of closing.
    expect(lead?.status).toBe("collecting");
    expect(String(out[1]?.reply).startsWith(realKnowledge().leads?.messages.ask_name ?? "missing")).toBe(true);
  });

  it("reads a number as text where the last reply had no options", async () => {
    const out = await run([JSON.stringify({ conversation: "pick-2", text: "hello" }), JSON.stringify({ conversation: "pick-2", text: "1" })]);
    expect(out[1]?.intent).not.toBeNull();
    expect(out[1]?.lead).toBeNull();
  });
});

describe("rotabot replay and leads", () => {
  it("reports the lead a turn starts or advances, with its status", async () => {
    const out = await run([
      JSON.stringify({ conversation: "lead-1", text: "I want to talk to a counselor" }),
      JSON.stringify({ conversation: "lead-1", text: "no" }),
      JSON.stringify({ conversation: "lead-1", text: "graduate" }),
      JSON.stringify({ conversation: "lead-1", text: "skip" }),
      JSON.stringify({ conversation: "lead-1", text: "skip" }),
      JSON.stringify({ conversation: "lead-2", text: "talk to a counselor" }),
      JSON.stringify({ conversation: "lead-2", text: "stop" }),
    ]);
    const leads = out.map((o) => o.lead as { id: string; status: string } | null);
    expect(leads.map((l) => l?.status)).toEqual(["collecting", "collecting", "collecting", "collecting", "queued", "collecting", "closed"]);
    expect(new Set(leads.slice(0, 5).map((l) => l?.id)).size).toBe(1);
    expect(leads[5]?.id).not.toBe(leads[0]?.id);
    expect(typeof leads[0]?.id).toBe("string");
  });
});

describe("the rotabot replay command", () => {
  it("reads stdin and writes one JSON line per input line, with no configuration", async () => {
    const input = [
      JSON.stringify({ conversation: "c1", text: "how much does a rotation cost?" }),
      "{broken",
      JSON.stringify({ conversation: "c1", text: "thanks!" }),
    ].join("\n");
    const run = await runCli(["replay"], { input });
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.intent)).toEqual(["costs", null, "smalltalk"]);
    expect(lines[1]?.error).toMatch(/^line 2: invalid JSON/);
  });
});
