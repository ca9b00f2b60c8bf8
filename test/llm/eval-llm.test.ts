import { describe, expect, it } from "vitest";
import { loadEvalSet, runEval } from "../../eval/eval.js";

/**
 * `npm run eval -- --llm` in CI, on a slice of the eval set and with a fake
 * that answers at once (the full run, at 500 ms per call, is reported in the
 * README, not run here).
 */
describe("the eval in LLM mode", () => {
  it("keeps the model to at most 0.3 calls per turn and the figures of the offline run", async () => {
    const all = loadEvalSet();
    const slice = [...all.slice(0, 90), ...all.filter((c) => /kitna/.test(c.text))];
    const offline = await runEval(slice);
    const llm = await runEval(slice, { llm: { latencyMs: 0 } });
    expect(offline.llm).toBeUndefined();
    expect(llm.llm).toBeDefined();
    const figures = llm.llm!;
    expect(figures.consulted).toBeGreaterThan(0);
    expect(figures.callsPerTurn).toBeLessThanOrEqual(0.3);
    // The fake restates faithfully and rephrases within the facts: nothing to reject, nothing lost.
    expect(figures.groundingRejections).toBe(0);
    expect(figures.fallbacks).toBe(0);
    expect(llm.intentAccuracy).toBeGreaterThanOrEqual(offline.intentAccuracy);
    expect(llm.factRecall).toBeGreaterThanOrEqual(offline.factRecall);
  }, 60_000);
});
