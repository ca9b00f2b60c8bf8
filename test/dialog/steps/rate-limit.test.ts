import { describe, expect, it } from "vitest";
import { rateLimit } from "../../../src/dialog/steps/rate-limit.js";
import { nextStep, turnContext } from "../../helpers/turn.js";

describe("the rate-limit step", () => {
  it("answers a student over the limit with the notice only, and drops a pending confirmation", async () => {
    const ctx = turnContext({ text: "how much does an observership cost", limited: true, state: { pending: { field: "status", value: "graduate" } } });
    const { next, calls } = nextStep(ctx);
    await rateLimit(ctx, next);
    expect(calls()).toBe(0);
    expect(ctx.outcome?.result.replies).toEqual([{ text: ctx.knowledge.kb.messages.rate_limited }]);
    expect(ctx.outcome?.state.pending).toBeUndefined();
  });

  it("passes every other message on", async () => {
    const ctx = turnContext({ text: "hello" });
    const { next, calls } = nextStep(ctx);
    await rateLimit(ctx, next);
    expect(calls()).toBe(1);
    expect(ctx.outcome).toBeUndefined();
  });
});
