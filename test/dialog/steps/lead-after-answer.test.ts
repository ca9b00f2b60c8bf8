import { describe, expect, it } from "vitest";
import { LEAD_PAYLOAD } from "../../../src/leads/form.js";
import { leadAfterAnswer } from "../../../src/dialog/steps/lead-after-answer.js";
import { fixedOutcome, type TurnContext } from "../../../src/dialog/turn-context.js";
import { nextStep, turnContext } from "../../helpers/turn.js";

const answered = (text: string, extra: object = {}) => (c: TurnContext) => {
  const o = fixedOutcome(c, text);
  c.outcome = { ...o, intent: "costs", confidence: 0.9, result: { ...o.result, ...extra } };
};

describe("the lead-after-answer step", () => {
  it("offers a counselor, with Yes/No buttons, after an answer to a message with strong intent", async () => {
    const ctx = turnContext({ text: "i want to book an observership" });
    await leadAfterAnswer(ctx, nextStep(ctx, answered("Here is how booking works.")).next);
    const reply = ctx.outcome?.result.replies[0];
    expect(reply?.text.startsWith("Here is how booking works.\n\n")).toBe(true);
    expect(reply?.quickReplies?.map((q) => q.payload)).toEqual([LEAD_PAYLOAD.yes, LEAD_PAYLOAD.no]);
    expect(ctx.outcome?.state.leadOffer).toBe("strong_intent");
  });

  it("starts the lead form after the answer when the student asked for a human", async () => {
    const ctx = turnContext({ text: "can i talk to a counselor" });
    await leadAfterAnswer(ctx, nextStep(ctx, answered("Sure.", { handoff: { reason: "asked" } })).next);
    expect(ctx.lead?.set).toMatchObject({ status: "collecting", step: "consent", trigger: "asked" });
  });

  it("mirrors the student's message and the answer into a queued lead's thread", async () => {
    const ctx = turnContext({ text: "what about housing?", lead: { status: "queued", step: null } });
    await leadAfterAnswer(ctx, nextStep(ctx, answered("Housing is …")).next);
    expect(ctx.lead?.thread).toEqual([
      { key: "in:m1", from: "student", text: "what about housing?" },
      { key: "bot:m1", from: "bot", text: "Housing is …" },
    ]);
  });

  it("adds nothing to a plain answer", async () => {
    const ctx = turnContext({ text: "how much does an observership cost" });
    await leadAfterAnswer(ctx, nextStep(ctx, answered("It costs …")).next);
    expect(ctx.outcome?.result.replies).toEqual([{ text: "It costs …" }]);
    expect(ctx.lead).toBeUndefined();
  });
});
