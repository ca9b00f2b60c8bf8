import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { createLanguageLayer } from "../../src/llm/layer.js";
import { loadPrompts } from "../../src/llm/prompts.js";
import { createTestBot } from "../helpers/bot.js";
import { talk } from "../helpers/talk.js";
import { createLlmTestBot, PROMPTS_DIR, testSettings, type LlmTestBot } from "./helpers.js";

const SPANISH = "¿cuánto cuesta una observación en Estados Unidos?";

let t: LlmTestBot;
beforeAll(async () => {
  t = await createLlmTestBot();
});
afterAll(() => t.dispose());

describe("the layer's limits", () => {
  it("identical prompts are served from the cache: one request for the same question in two conversations", async () => {
    await t.renew();
    t.fake.reset();
    t.fake.read("*", { intent: "costs", english: "how much does an observership cost?", language: "es" });
    const first = await talk(t.bot, "cache-1").user(SPANISH);
    const second = await talk(t.bot, "cache-2").user(SPANISH);
    expect(second?.replies).toEqual(first?.replies);
    expect(t.fake.calls.map((c) => c.kind)).toEqual(["classify", "phrase"]);
    expect(t.layer.stats.snapshot().calls).toEqual({ "classify:ok": 1, "phrase:ok": 1, "classify:cached": 1, "phrase:cached": 1 });
  });

  it("once the daily token budget is spent, the bot answers offline without asking the model", async () => {
    await t.renew({ dailyTokenBudget: 100 });
    t.fake.reset();
    t.fake.read("*", { intent: "costs", english: "how much does an observership cost?", language: "es" });
    await talk(t.bot, "budget-1").user(SPANISH);
    const requests = t.fake.calls.length;
    const r = await talk(t.bot, "budget-2").user("quanto custa uma observação nos EUA?");
    expect(t.fake.calls.length).toBe(requests);
    expect(r?.replies.length).toBeGreaterThan(0);
    expect(t.layer.stats.snapshot().calls["classify:budget"]).toBe(1);
  });

  it("logs ids, outcomes, tokens and cost per request, never what the student wrote", async () => {
    const lines: string[] = [];
    const logger = createLogger("debug", { write: (l: string) => void lines.push(l) });
    const layer = createLanguageLayer({ settings: testSettings(t.fake.baseUrl, { pricePer1kTokens: 0.001 }), prompts: loadPrompts(PROMPTS_DIR), logger });
    const bot = (await createTestBot({ language: layer }, t.db)).bot;
    t.fake.reset();
    t.fake.read("*", { intent: "costs", english: "how much does an observership cost?", language: "es" });
    t.fake.setMode("invented_fee", "phrase");
    await talk(bot, "logs-1").user(`soy ana.perez@correo.es, ${SPANISH}`);
    const calls = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "llm call");
    expect(calls[0]).toMatchObject({ conversation: expect.stringMatching(/^id:[0-9a-f]{16}$/), kind: "classify", outcome: "ok", tokens: expect.any(Number), costUsd: expect.any(Number) });
    expect(lines.join("\n")).toMatch(/"problems":\["number","money"\]/);
    expect(lines.map((l) => JSON.parse(l)).find((l) => l.outcome === "rejected_grounding")).toMatchObject({ level: 40, kind: "phrase" });
    expect(lines.join("\n")).not.toMatch(/ana\.perez|cuánto|observación|2,750/);
  });
});
