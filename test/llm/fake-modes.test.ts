import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeOpenAiMode } from "../fakes/openai-api.js";
import { createTestBot } from "../helpers/bot.js";
import { talk } from "../helpers/talk.js";
import { createLlmTestBot, type LlmTestBot } from "./helpers.js";
import { CONSULT_BELOW } from "../../src/dialog/language-assist.js";
import { parseState } from "../../src/core/state.js";
import { createNlu } from "../../src/nlu/classifier.js";
import { understand } from "../../src/nlu/understand.js";
import { realKnowledge } from "../helpers/bot.js";

/**
 * Every mode of the fake OpenAI server, through the real @langchain/openai
 * client: the student always gets a correct answer (the knowledge base's
 * facts, in the model's words only when they passed the checks), within the
 * layer's deadline (1.5 s in these tests), with no stack trace.
 */
const SPANISH = "¿cuánto cuesta una observación en un hospital de Estados Unidos?";
const FACT = /\$1,500 for 2 weeks/;
/**
 * English, but the offline classifier is unsure of it (costs, below the consult threshold): it goes to the model.
 * Offline it still answers from the telehealth costs entry, whose match is not weak enough to ask back about.
 */
const UNSURE = "does doing it remotely work out cheaper than flying";
const UNSURE_FACT = /\$1,150–1,350 per 4 weeks/;
const DEADLINE_MS = 1500;

let t: LlmTestBot;
beforeAll(async () => {
  t = await createLlmTestBot({ timeoutMs: DEADLINE_MS });
});
afterAll(() => t.dispose());
beforeEach(async () => {
  // A new layer per test: identical prompts would otherwise come from the cache.
  await t.renew();
  t.fake.reset();
  t.fake.read("*", { intent: "costs", english: "how much does an observership at a US hospital cost?", language: "es" });
});

async function ask(text = SPANISH) {
  const t0 = performance.now();
  const result = await talk(t.bot).user(text);
  return { result, text: (result?.replies ?? []).map((r) => r.text).join("\n\n"), ms: performance.now() - t0 };
}

// Which message is "unsure" depends on the classifier's weights: when this fails, pick another message that is.
describe("the unsure message of these tests", () => {
  it("reads as costs offline, below the consult threshold", () => {
    const kb = realKnowledge();
    const u = understand(UNSURE, parseState({}), createNlu(kb), kb, new Date());
    expect(u.intent).toBe("costs");
    expect(u.confidence).toBeLessThan(CONSULT_BELOW);
  });
});

describe("the LLM layer against each mode of the fake server", () => {
  it("good: a Spanish question is read by the model and answered from the knowledge base, in the model's grounded words", async () => {
    const { result, text } = await ask();
    expect(result?.intent).toBe("costs");
    expect(text).toMatch(/^Good question!/);
    expect(text).toMatch(FACT);
    expect(result?.replies[0]?.citations?.map((c) => c.entryId)).toEqual(["costs-observership"]);
    expect(t.fake.calls.map((c) => [c.kind, c.status])).toEqual([["classify", 200], ["phrase", 200]]);
    expect(t.layer.stats.snapshot().calls).toMatchObject({ "classify:ok": expect.any(Number), "phrase:ok": expect.any(Number) });
  });

  it("a confident English question never reaches the model", async () => {
    const { result, text } = await ask("how much does an observership cost?");
    expect(result?.intent).toBe("costs");
    expect(text).toMatch(FACT);
    expect(t.fake.calls).toHaveLength(0);
  });

  const rejected: [FakeOpenAiMode, string][] = [
    ["invented_fee", "money"],
    ["unknown_entry", "citation"],
    ["canary_leak", "canary"],
  ];
  for (const [mode, problem] of rejected) {
    it(`${mode}: the rephrasing fails the grounding check (${problem}) and the offline answer is sent`, async () => {
      t.fake.setMode(mode, "phrase");
      const before = t.layer.stats.snapshot();
      const { result, text } = await ask();
      expect(result?.intent).toBe("costs");
      expect(text).toMatch(FACT);
      expect(text).not.toMatch(/Good question|2,750|visa-guarantee|RB-CANARY/);
      const after = t.layer.stats.snapshot();
      expect(after.calls["phrase:rejected_grounding"] ?? 0).toBe((before.calls["phrase:rejected_grounding"] ?? 0) + 1);
      expect(after.rejections[problem] ?? 0).toBeGreaterThan(before.rejections[problem] ?? 0);
    });
  }

  const failing: [FakeOpenAiMode, "classify" | "phrase" | undefined][] = [
    ["malformed_json", undefined],
    ["empty", undefined],
    ["429", undefined],
    ["500", undefined],
    ["hang", undefined],
    ["off_topic", "phrase"],
    ["hang", "phrase"],
    ["500", "phrase"],
  ];
  for (const [mode, job] of failing) {
    it(`${mode}${job ? ` (${job} only)` : ""}: the student gets the knowledge-base answer within the deadline`, async () => {
      t.fake.setMode(mode, job);
      // Reading fails: the offline classifier reads the message alone. Phrasing fails: the offline answer is sent.
      const [question, fact] = job === "phrase" ? [SPANISH, FACT] : [UNSURE, UNSURE_FACT];
      const { result, text, ms } = await ask(question);
      expect(result?.intent).toBe("costs");
      expect(text).toMatch(fact);
      expect(text).not.toMatch(/Good question|pirate|Error|at .*\.js/);
      expect(ms).toBeLessThan(2 * DEADLINE_MS + 500);
      expect(t.fake.calls.length).toBeGreaterThan(0);
      const calls = t.layer.stats.snapshot().calls;
      expect(Object.keys(calls).every((k) => !k.endsWith(":ok") || k === "classify:ok")).toBe(true);
    });
  }

  it("malformed_json while reading a Spanish message: the offline reading stands, and no second request is made in that turn", async () => {
    t.fake.setMode("malformed_json");
    const { result, text } = await ask();
    const offline = await createTestBot({}, t.db);
    const expected = await talk(offline.bot).user(SPANISH);
    expect(result?.intent).toBe(expected?.intent);
    expect(text).toBe(expected?.replies.map((r) => r.text).join("\n\n"));
    expect(t.layer.stats.snapshot().calls).toEqual({ "classify:invalid": 1 });
    expect(t.fake.calls.map((c) => c.kind)).toEqual(["classify"]);
  });

  it("hang: the model is given up after one deadline, and not asked again in that turn", async () => {
    t.fake.setMode("hang");
    const { ms, text } = await ask(UNSURE);
    expect(text).toMatch(UNSURE_FACT);
    expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(ms).toBeLessThan(DEADLINE_MS + 500);
    expect(t.layer.stats.snapshot().calls).toEqual({ "classify:timeout": 1 });
  });

  it("function calling: the same answers come back through forced tool calls", async () => {
    const fc = await createLlmTestBot({ structuredOutput: "functionCalling" });
    try {
      fc.fake.read("*", { intent: "costs", english: "how much does an observership cost?", language: "es" });
      const result = await talk(fc.bot).user(SPANISH);
      expect(result?.replies[0]?.text).toMatch(/^Good question!/);
      expect(fc.fake.calls[0]?.body.tool_choice?.function?.name).toBe("read_message");
    } finally {
      await fc.dispose();
    }
  });
});
