/** The two jobs of the language model. */
export type LlmKind = "classify" | "phrase";

/**
 * How one request for the model ended: answered (ok), served from the cache,
 * timed out, failed (HTTP error, refused connection), answered with output
 * that does not fit the schema (invalid), failed the grounding check, or was
 * not made because the daily token budget is spent.
 */
export const LLM_OUTCOMES = ["ok", "cached", "timeout", "error", "invalid", "rejected_grounding", "budget"] as const;
export type LlmOutcome = (typeof LLM_OUTCOMES)[number];

export interface LlmStatsSnapshot {
  /** Requests by "kind:outcome", e.g. "phrase:rejected_grounding". */
  calls: Record<string, number>;
  /** Requests that actually went to the model (not cached, not over budget). */
  modelCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Grounding problems by kind (number, money, citation, canary, ...). */
  rejections: Record<string, number>;
}

/**
 * Counters of the LLM layer, kept in memory by the process: read by
 * `/metrics` on each scrape and by `npm run eval -- --llm`.
 */
export interface LlmStats {
  record(kind: LlmKind, outcome: LlmOutcome, usage?: { input: number; output: number; costUsd: number }): void;
  rejected(kinds: readonly string[]): void;
  snapshot(): LlmStatsSnapshot;
}

/** No requests yet. */
export function emptyLlmSnapshot(): LlmStatsSnapshot {
  return { calls: {}, modelCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, rejections: {} };
}

export function createLlmStats(): LlmStats {
  const calls: Record<string, number> = {};
  const rejections: Record<string, number> = {};
  let modelCalls = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let costUsd = 0;
  return {
    record(kind, outcome, usage) {
      const key = `${kind}:${outcome}`;
      calls[key] = (calls[key] ?? 0) + 1;
      // A request reached the model when it used tokens or failed on the way; cache hits and budget refusals did not.
      if (usage !== undefined || outcome === "timeout" || outcome === "error") modelCalls++;
      if (usage) {
        inputTokens += usage.input;
        outputTokens += usage.output;
        costUsd += usage.costUsd;
      }
    },
    rejected(kinds) {
      for (const k of new Set(kinds)) rejections[k] = (rejections[k] ?? 0) + 1;
    },
    snapshot: () => ({ calls: { ...calls }, modelCalls, inputTokens, outputTokens, costUsd, rejections: { ...rejections } }),
  };
}
