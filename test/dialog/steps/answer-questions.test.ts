import { describe, expect, it } from "vitest";
import { answerQuestions } from "../../../src/dialog/steps/answer-questions.js";
import { readMessage } from "../../../src/dialog/steps/read-message.js";
import { nextStep, turnContext } from "../../helpers/turn.js";

describe("the answer-questions step", () => {
  it("answers the question from the knowledge entry, with its citation", async () => {
    const ctx = turnContext({ text: "how much does an observership cost?" });
    await readMessage(ctx, nextStep(ctx).next);
    await answerQuestions(ctx, nextStep(ctx).next);
    expect(ctx.outcome?.intent).toBe("costs");
    expect(ctx.outcome?.result.replies[0]?.citations?.[0]?.entryId).toBe("costs-observership");
  });

  it("answers the language model's English restatement when the model read the message", async () => {
    const ctx = turnContext({ text: "¿cuánto cuesta?" });
    const offline = turnContext({ text: "what is an observership" });
    await readMessage(offline, nextStep(offline).next);
    ctx.reading = {
      inbound: ctx.inbound,
      understanding: offline.reading!.understanding,
      model: { context: { channel: "test", conversation: "c1", knownNames: [] }, history: [], hint: { intent: "costs", confidence: 0.9, english: "how much does an observership cost?", language: "es", facts: {} } },
    };
    await answerQuestions(ctx, nextStep(ctx).next);
    expect(ctx.outcome?.result.replies[0]?.citations?.[0]?.entryId).toBe("costs-observership");
  });

  it("refuses to run before the message was read", async () => {
    const ctx = turnContext({ text: "hello" });
    expect(() => answerQuestions(ctx, nextStep(ctx).next)).toThrow("after read-message");
  });
});
