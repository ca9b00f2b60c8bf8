import { describe, expect, it } from "vitest";
import { looksEnglish } from "../../src/dialog/language-assist.js";
import type { Classification, ClassifyInput, LanguageLayer, PhraseInput } from "../../src/core/language-model.js";
import { createTokenBudget } from "../../src/llm/budget.js";
import { createPromptCache, promptKey } from "../../src/llm/cache.js";
import { createTestBot } from "../helpers/bot.js";
import { talk } from "../helpers/talk.js";

/** A LanguageLayer that records what it is asked and answers as told: the cascade's decisions, without HTTP. */
function recordingLayer(reading: Partial<Classification> | null = null) {
  const asked: { classify: ClassifyInput[]; phrase: PhraseInput[] } = { classify: [], phrase: [] };
  const layer: LanguageLayer = {
    async classify(input) {
      asked.classify.push(input);
      return reading ? { intent: "out_of_scope", confidence: 0.9, english: input.text, language: "en", facts: {}, ...reading } : null;
    },
    async phrase(input) {
      asked.phrase.push(input);
      return { text: `Rephrased: ${input.offlineAnswer}`, citedEntryIds: input.entries.map((e) => e.id), language: "en" };
    },
  };
  return { layer, asked };
}

describe("the cascade: when the language model is asked", () => {
  it("guesses English from function words and scripts", () => {
    for (const en of ["how much does an observership cost?", "sir kindly tell elective fees", "USCE?", "vslo", "b1/b2 visa for electives, do i need it", "hi"]) expect(looksEnglish(en), en).toBe(true);
    for (const other of ["¿cuánto cuesta una observación en Estados Unidos?", "quanto custa um estágio nos EUA para estudantes?", "combien coûte un stage d'observation pour les étudiants?", "b1 b2 visa fees kitna hai aur kab apply karna chahiye", "كم تكلفة التدريب في أمريكا", "अमेरिका में ऑब्जर्वरशिप कैसे मिलेगी"]) {
      expect(looksEnglish(other), other).toBe(false);
    }
  });

  it("never for confident English questions, commands, emergencies, confirmations or empty messages", async () => {
    const { layer, asked } = recordingLayer({ intent: "costs" });
    const tb = await createTestBot({ language: layer });
    try {
      await talk(tb.bot).user("how much does an observership cost?").user("/help").user("/profile").user("I have chest pain and can't breathe").user("").user("/forget");
      expect(asked.classify).toEqual([]);
      expect(asked.phrase).toEqual([]);
    } finally {
      await tb.dispose();
    }
  });

  it("for a message in another language: the model's English restatement is answered offline, then rephrased with the cited entry", async () => {
    const { layer, asked } = recordingLayer({ intent: "costs", english: "how much does an observership cost?", language: "pt" });
    const tb = await createTestBot({ language: layer });
    try {
      const r = await talk(tb.bot, "pt-1").user("quanto custa um estágio de observação nos EUA?");
      expect(r?.intent).toBe("costs");
      expect(r?.replies[0]?.text).toMatch(/^Rephrased: An observership can cost/);
      expect(r?.replies[0]?.citations?.[0]?.entryId).toBe("costs-observership");
      expect(asked.phrase[0]).toMatchObject({ language: "pt", conversation: "pt-1", entries: [{ id: "costs-observership" }] });
      expect(asked.phrase[0]?.entries[0]?.body).toMatch(/\$1,500/);
    } finally {
      await tb.dispose();
    }
  });

  it("gives the model only this conversation's recent turns", async () => {
    const { layer, asked } = recordingLayer({ intent: "costs", english: "how much does an observership cost?" });
    const tb = await createTestBot({ language: layer });
    try {
      await talk(tb.bot, "other").user("my email is other@student.org, what is vslo?");
      await talk(tb.bot, "mine").user("what is vslo?").user("aur kitna kharcha hai iska?");
      const last = asked.classify.at(-1);
      expect(last?.conversation).toBe("mine");
      expect(last?.history.map((m) => m.from)).toEqual(["student", "bot"]);
      expect(JSON.stringify(last)).not.toContain("other@student.org");
    } finally {
      await tb.dispose();
    }
  });

  it("a model that fails to read leaves the offline turn exactly as without a model", async () => {
    const { layer } = recordingLayer(null);
    const withLayer = await createTestBot({ language: layer });
    const without = await createTestBot({}, withLayer.db);
    try {
      const a = await talk(withLayer.bot, "x1").user("quanto custa um estágio nos EUA?");
      const b = await talk(without.bot, "x2").user("quanto custa um estágio nos EUA?");
      expect(a?.replies).toEqual(b?.replies);
      expect(a?.intent).toBe(b?.intent);
    } finally {
      await withLayer.dispose();
    }
  });
});

describe("limits", () => {
  it("the daily token budget stops calls until the next UTC day", () => {
    let now = new Date("2026-11-22T10:00:00Z");
    const budget = createTokenBudget(1000, () => now);
    expect(budget.available()).toBe(true);
    budget.spend(999);
    expect(budget.available()).toBe(true);
    budget.spend(1);
    expect(budget.available()).toBe(false);
    now = new Date("2026-11-23T00:00:01Z");
    expect(budget.available()).toBe(true);
    expect(budget.spent()).toBe(0);
    expect(createTokenBudget(undefined).available()).toBe(true);
  });

  it("the cache keys on the whole prompt and keeps the least recently used", () => {
    expect(promptKey(["a", "bc"])).not.toBe(promptKey(["ab", "c"]));
    const cache = createPromptCache<{ v: number }>({ max: 2 });
    cache.set("a", { v: 1 });
    cache.set("b", { v: 2 });
    cache.get("a");
    cache.set("c", { v: 3 });
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toEqual({ v: 1 });
  });
});
