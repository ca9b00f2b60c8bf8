import { describe, expect, it } from "vitest";
import type { InboxStore } from "../../src/core/ports.js";
import { createMetrics } from "../../src/http/metrics.js";
import { createLlmStats } from "../../src/llm/stats.js";

describe("LLM figures on /metrics", () => {
  it("requests by kind and outcome, grounding rejections by problem, tokens and cost", async () => {
    const stats = createLlmStats();
    stats.record("classify", "ok", { input: 300, output: 40, costUsd: 0.0002 });
    stats.record("phrase", "rejected_grounding", { input: 900, output: 200, costUsd: 0.0007 });
    stats.rejected(["money", "number", "money"]);
    stats.record("phrase", "timeout");
    stats.record("classify", "cached");
    const inbox = { depths: async () => [] } as unknown as InboxStore;
    const text = await createMetrics(inbox, stats).registry.metrics();
    expect(text).toContain('rotabot_llm_requests_total{kind="phrase",outcome="rejected_grounding"} 1');
    expect(text).toContain('rotabot_llm_requests_total{kind="classify",outcome="cached"} 1');
    expect(text).toContain('rotabot_llm_grounding_rejections_total{problem="money"} 1');
    expect(text).toContain('rotabot_llm_tokens_total{direction="input"} 1200');
    expect(text).toMatch(/rotabot_llm_cost_usd_total 0\.0009/);
    expect(stats.snapshot().modelCalls).toBe(3);
  });

  it("no LLM layer: no LLM metrics", async () => {
    const text = await createMetrics({ depths: async () => [] } as unknown as InboxStore).registry.metrics();
    expect(text).not.toContain("rotabot_llm_");
  });
});
