import { describe, expect, it } from "vitest";
import type { Classification, LanguageLayer } from "../../../src/core/language-model.js";
import { readMessage } from "../../../src/dialog/steps/read-message.js";
import { nextStep, turnContext } from "../../helpers/turn.js";

function fakeLanguage(hint: Classification | null): LanguageLayer & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    classify: async (input) => {
      asked.push(input.text);
      return hint;
    },
    phrase: async () => null,
  };
}

const hint: Classification = { intent: "costs", confidence: 0.9, english: "how much does an observership cost?", language: "es", facts: {} };

describe("the read-message step", () => {
  it("reads the message offline and passes the turn on", async () => {
    const ctx = turnContext({ text: "how much does an observership cost?" });
    const { next, calls } = nextStep(ctx);
    await readMessage(ctx, next);
    expect(calls()).toBe(1);
    expect(ctx.reading?.understanding.intent).toBe("costs");
    expect(ctx.reading?.model).toBeUndefined();
  });

  it("reads a stale button of a finished lead form as its text", async () => {
    const ctx = turnContext({ text: "Yes", payload: "lead:yes" });
    await readMessage(ctx, nextStep(ctx).next);
    expect(ctx.reading?.inbound.payload).toBeUndefined();
  });

  it("asks the language model about a message that is not in English, with the recent history", async () => {
    const language = fakeLanguage(hint);
    const ctx = turnContext({ text: "¿cuánto cuesta una observación en un hospital?", language, history: [{ direction: "out", text: "Hi!", intent: "smalltalk", createdAt: new Date() }] });
    await readMessage(ctx, nextStep(ctx).next);
    expect(language.asked).toEqual(["¿cuánto cuesta una observación en un hospital?"]);
    expect(ctx.reading?.model?.hint).toEqual(hint);
    expect(ctx.reading?.model?.history).toEqual([{ from: "bot", text: "Hi!" }]);
  });

  it("does not ask the model about a clear English question", async () => {
    const language = fakeLanguage(hint);
    const ctx = turnContext({ text: "how much does an observership cost?", language });
    await readMessage(ctx, nextStep(ctx).next);
    expect(language.asked).toEqual([]);
  });

  it("keeps the offline reading when the model fails", async () => {
    const ctx = turnContext({ text: "¿cuánto cuesta una observación en un hospital?", language: fakeLanguage(null) });
    await readMessage(ctx, nextStep(ctx).next);
    expect(ctx.reading?.model?.hint).toBeNull();
    expect(ctx.reading?.understanding).toBeDefined();
  });
});
