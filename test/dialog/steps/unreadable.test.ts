import { describe, expect, it } from "vitest";
import { unreadable } from "../../../src/dialog/steps/unreadable.js";
import { nextStep, turnContext } from "../../helpers/turn.js";

describe("the unreadable step", () => {
  it("tells the student that only text can be read", async () => {
    const ctx = turnContext({ contentType: "unsupported" });
    const { next, calls } = nextStep(ctx);
    await unreadable(ctx, next);
    expect(calls()).toBe(0);
    expect(ctx.outcome?.result.replies[0]?.text).toBe(ctx.knowledge.kb.messages.unreadable);
  });

  it("passes text on", async () => {
    const ctx = turnContext({ text: "hello" });
    const { next, calls } = nextStep(ctx);
    await unreadable(ctx, next);
    expect(calls()).toBe(1);
  });
});
