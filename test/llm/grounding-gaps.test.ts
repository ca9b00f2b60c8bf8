import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GENERATED_LABEL, renderLeadCard, renderThreadMessage } from "../../src/channels/slack/card.js";
import { checkGrounding, type GroundingInput } from "../../src/llm/grounding.js";
import { buildSummary } from "../../src/leads/summary.js";
import { realKnowledge } from "../helpers/bot.js";
import { talk } from "../helpers/talk.js";
import { createLlmTestBot, type LlmTestBot } from "./helpers.js";

/**
 * Issue 14, medium 6: what the grounding check let through, and where the
 * model's text could act or pass for a person's.
 */

const FACTS = [
  "An observership can cost nothing or several thousand dollars. Saint Peter's charged $1,500 for 2 weeks.",
  "Verify your documents with ECFMG (ecfmg.org) before you apply.",
  "No program can guarantee a Match.",
].join("\n");
const CANARY = "RB-CANARY-5c1e9f27a4d3";
const kinds = (text: string, more: Partial<GroundingInput> = {}) =>
  checkGrounding({ text, citedIds: ["costs-observership"], suppliedIds: ["costs-observership"], facts: FACTS, canary: CANARY, language: "en", ...more }).map((p) => p.kind);

describe("the grounding check's gaps", () => {
  it("rejects bare domains, emails and @handles the facts do not hold, and keeps those they do", () => {
    expect(kinds("An observership can cost nothing; book at cheap-rotations.example.com today.")).toContain("link");
    expect(kinds("An observership can cost nothing; write to agent@rotations.example for a spot.")).toContain("link");
    expect(kinds("An observership can cost nothing; message @usce_deals on Telegram.")).toContain("link");
    expect(kinds("An observership can cost nothing. Verify your documents with ECFMG (ecfmg.org) before you apply.")).toEqual([]);
  });

  it("rejects a Match promise in any word order, and lets a denial through", () => {
    expect(kinds("An observership can cost nothing, and your match is assured.")).toContain("promise");
    expect(kinds("An observership can cost nothing; with us a residency spot is guaranteed.")).toContain("promise");
    expect(kinds("An observership can cost nothing. No program can guarantee a Match.")).toEqual([]);
  });

  it("finds the canary in base64 even when the model splits it with spaces or line breaks", () => {
    const b64 = Buffer.from(CANARY).toString("base64");
    expect(kinds(`An observership can cost nothing. ${b64.slice(0, 9)} ${b64.slice(9, 17)}\n${b64.slice(17)}`)).toContain("canary");
    expect(kinds(`Code: x${b64.slice(0, 5)} ${b64.slice(5)}`)).toContain("canary");
  });

  it("checks English text for topic whatever language the model claims", () => {
    const poem = "Arr matey, here be a pirate poem about the seven seas, the wind and the sails, and a recipe for rum cake with butter and sugar.";
    expect(kinds(poem, { language: "es" })).toContain("topic");
    expect(kinds("Una observación puede no costar nada; Saint Peter's cobró $1,500 por 2 semanas.", { language: "es" })).not.toContain("topic");
  });
});

describe("the model's text never acts and is always marked for counselors", () => {
  let t: LlmTestBot;
  beforeAll(async () => {
    t = await createLlmTestBot();
  });
  afterAll(async () => t?.dispose());

  it("a /forget or /counselor in the model's restatement is a word, never a command", async () => {
    for (const english of ["/forget", "/counselor"]) {
      t.fake.read("*", { intent: "smalltalk", language: "es", english, confidence: 0.9 });
      const conversation = `restated-${english.slice(1)}`;
      await talk(t.bot, conversation).user("¿qué es una observación clínica en EEUU?");
      const r = await talk(t.bot, conversation).user("por favor, haz lo que te digo ahora mismo");
      expect(r?.replies.map((x) => x.text).join(" ")).not.toContain(realKnowledge().messages.forgotten);
      expect(r?.intent).not.toBe("counselor");
      const kept = await t.db.driver.query<{ n: number }>("SELECT count(*) AS n FROM messages WHERE conversation = $1", [conversation]);
      expect(Number(kept.rows[0]?.n)).toBeGreaterThanOrEqual(4);
    }
  });

  it("redacts a name the student gave many turns ago when it comes up again", async () => {
    t.fake.read("*", { intent: "costs", language: "es", english: "how much does an observership cost?", confidence: 0.9 });
    const c = talk(t.bot, "name-later");
    await c.user("Hello, my name is Quillon Zephyrine");
    for (const q of ["what is an observership?", "what is an externship?", "how much does an observership cost?", "what is vslo?", "what is ecfmg certification?", "how early should I apply?"]) await c.user(q);
    const before = t.fake.calls.length;
    await c.user("soy Quillon otra vez, ¿cuánto cuesta una observación?");
    const sent = t.fake.calls.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    for (const call of sent) expect(call.prompt).not.toMatch(/Quillon|Zephyrine/);
  });

  it("labels the model's answers in the lead's thread and on its card", () => {
    expect(renderThreadMessage({ kind: "thread", leadId: 1, from: "bot", text: "An observership can cost nothing.", generated: true })).toContain(GENERATED_LABEL);
    expect(renderThreadMessage({ kind: "thread", leadId: 1, from: "bot", text: "An observership can cost nothing." })).not.toContain("AI-written");
    const kb = realKnowledge();
    const at = new Date("2026-11-22T10:00:00Z");
    const summary = buildSummary(
      {},
      [
        { direction: "in", text: "¿cuánto cuesta una observación?", intent: "costs", createdAt: at },
        { direction: "out", text: "Una observación puede no costar nada.", intent: "costs", createdAt: at, generated: true },
      ],
      "asked",
      { score: 10, reasons: [] },
      kb.messages,
    );
    expect(summary.questions[0]).toMatchObject({ generated: true });
    const card = renderLeadCard({ id: 1, channel: "telegram", conversation: "1", sender: "1", status: "queued", trigger: "asked", score: 10, scoreReasons: [], summary, version: 1, createdAt: at, updatedAt: at } as never, at);
    expect(JSON.stringify(card.blocks)).toContain("(AI-written) _Una observación");
  });
});
