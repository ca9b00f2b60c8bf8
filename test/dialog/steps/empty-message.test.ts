import { describe, expect, it } from "vitest";
import { emptyMessage } from "../../../src/dialog/steps/empty-message.js";
import { nextStep, turnContext } from "../../helpers/turn.js";

describe("the empty-message step", () => {
  it("asks for text when nothing is left of a text message", async () => {
    const ctx = turnContext({ text: "" });
    const { next, calls } = nextStep(ctx);
    await emptyMessage(ctx, next);
    expect(calls()).toBe(0);
    expect(ctx.outcome?.result.replies[0]?.text).toBe(ctx.knowledge.kb.messages.empty_message);
  });

  it("passes on a button press without text, and a photo (for the unreadable step)", async () => {
    for (const ctx of [turnContext({ text: "", payload: "confirm:yes" }), turnContext({ text: "", contentType: "unsupported" })]) {
      const { next, calls } = nextStep(ctx);
      await emptyMessage(ctx, next);
      expect(calls()).toBe(1);
      expect(ctx.outcome).toBeUndefined();
    }
  });
});
