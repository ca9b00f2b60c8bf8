import { describe, expect, it } from "vitest";
import type { LanguageLayer, PhraseInput } from "../../../src/core/language-model.js";
import { answerQuestions } from "../../../src/dialog/steps/answer-questions.js";
import { readMessage } from "../../../src/dialog/steps/read-message.js";
import { rephrase } from "../../../src/dialog/steps/rephrase.js";
import type { TurnContext } from "../../../src/dialog/turn-context.js";
import { nextStep, turnContext } from "../../helpers/turn.js";

function language(phrased: string | null): LanguageLayer & { inputs: PhraseInput[] } {
  const inputs: PhraseInput[] = [];
  return {
    inputs,
    classify: async () => ({ intent: "costs", confidence: 0.9, english: "how much does an observership cost?", language: "es", facts: {} }),
    phrase: async (input) => {
      inputs.push(input);
      return phrased === null ? null : { text: phrased, citedEntryIds: ["costs-observership"], language: "es" };
    },
  };
}

async function run(ctx: TurnContext) {
  await readMessage(ctx, nextStep(ctx).next);
  await rephrase(ctx, async () => answerQuestions(ctx, nextStep(ctx).next));
}

describe("the rephrase step", () => {
  it("sends the model's grounded rewrite of the cited answer, with the cited entries as its facts", async () => {
    const layer = language("Una observación cuesta …");
    const ctx = turnContext({ text: "¿cuánto cuesta una observación en un hospital?", language: layer });
    await run(ctx);
    expect(ctx.outcome?.result.replies[0]?.text).toBe("Una observación cuesta …");
    expect(ctx.outcome?.result.replies[0]?.citations?.[0]?.entryId).toBe("costs-observership");
    expect(layer.inputs[0]?.entries.map((e) => e.id)).toEqual(["costs-observership"]);
    expect(layer.inputs[0]?.language).toBe("es");
  });

  it("keeps the offline answer when the rewrite was rejected", async () => {
    const ctx = turnContext({ text: "¿cuánto cuesta una observación en un hospital?", language: language(null) });
    await run(ctx);
    expect(ctx.outcome?.result.replies[0]?.text).toContain(ctx.knowledge.kb.byId.get("costs-observership")!.body.slice(0, 20));
  });

  it("rewrites nothing the model did not read", async () => {
    const layer = language("never");
    const ctx = turnContext({ text: "how much does an observership cost?", language: layer });
    await run(ctx);
    expect(layer.inputs).toEqual([]);
  });
});
