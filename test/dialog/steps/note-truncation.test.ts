import { describe, expect, it } from "vitest";
import { noteTruncation } from "../../../src/dialog/steps/note-truncation.js";
import { fixedOutcome } from "../../../src/dialog/turn-context.js";
import { nextStep, turnContext } from "../../helpers/turn.js";

describe("the truncation-notice step", () => {
  it("puts the notice, with the limit, above whatever the turn answered", async () => {
    const ctx = turnContext({ text: "a long question", truncated: true, maxChars: 50 });
    const { next } = nextStep(ctx, (c) => void (c.outcome = fixedOutcome(c, "The answer.")));
    await noteTruncation(ctx, next);
    const text = ctx.outcome?.result.replies[0]?.text ?? "";
    expect(text).toMatch(/^Your message was longer than 50 characters/);
    expect(text.endsWith("\n\nThe answer.")).toBe(true);
  });

  it("leaves an uncut message's answer alone", async () => {
    const ctx = turnContext({ text: "short" });
    const { next } = nextStep(ctx, (c) => void (c.outcome = fixedOutcome(c, "The answer.")));
    await noteTruncation(ctx, next);
    expect(ctx.outcome?.result.replies).toEqual([{ text: "The answer." }]);
  });
});
