import { describe, expect, it } from "vitest";
import { compose, type Step } from "../../src/dialog/compose.js";

describe("compose", () => {
  it("runs the steps in order, and code after next() on the way back", async () => {
    const seen: string[] = [];
    const step = (name: string): Step<string[]> => async (ctx, next) => {
      ctx.push(`${name} in`);
      await next();
      ctx.push(`${name} out`);
    };
    await compose([step("a"), step("b")])(seen);
    expect(seen).toEqual(["a in", "b in", "b out", "a out"]);
  });

  it("stops where a step does not call next", async () => {
    const seen: string[] = [];
    await compose<string[]>([(ctx) => void ctx.push("answers"), (ctx) => void ctx.push("never")])(seen);
    expect(seen).toEqual(["answers"]);
  });

  it("throws when a step calls next twice", async () => {
    const twice: Step<object> = async (_ctx, next) => {
      await next();
      await next();
    };
    await expect(compose([twice, () => {}])({})).rejects.toThrow("next() called twice");
  });

  it("passes a step's error to the caller", async () => {
    await expect(compose<object>([async (_c, next) => next(), () => { throw new Error("boom"); }])({})).rejects.toThrow("boom");
  });
});
