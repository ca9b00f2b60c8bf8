import { fixedClock } from "../src/core/clock.js";
import { loadConfig, type Config } from "../src/config.js";
import type { LlmStatsSnapshot } from "../src/llm/stats.js";
import { silentLogger } from "../src/logger.js";
import { createApp } from "../src/main.js";
import { replayTurn } from "../src/cli/replay.js";
import { loadEvalSet, type EvalCase } from "./cases.js";
import { scoreTurn } from "./score.js";

export { EVAL_DIR, loadEvalSet, type EvalCase, type EvalSetName } from "./cases.js";
export { normalizeForFacts } from "./score.js";
export { formatComparison, formatEval } from "./report.js";

/** The eval's "today": dates computed in answers (timelines) are then the same on every run. */
export const EVAL_NOW = "2026-11-22T10:00:00Z";
/** Turns run before timing, in their own conversations; not scored. */
export const WARMUP_TURNS = 100;

export interface EvalResult {
  cases: number;
  intentAccuracy: number;
  /** Share of the cases that name an entry whose reply cited it (see score.ts). */
  entryAccuracy: number;
  entryCases: number;
  /** The right entry, or for counselor, smalltalk and out-of-scope messages the right intent. */
  rightRate: number;
  /** Answered with a wrong entry, without asking: the failure that hurts students. */
  confidentlyWrongRate: number;
  /** Asked back with candidate entries instead of answering. */
  clarifyRate: number;
  /** Share of the asked-back turns whose choices included the right entry. */
  clarifyHitRate: number;
  /** Answered with no entry (fallback, out of scope) where one was expected. */
  declinedRate: number;
  factRecall: number;
  facts: number;
  replyMedianChars: number;
  replyP90Chars: number;
  p50Ms: number;
  p99Ms: number;
  confusion: Map<string, Map<string, number>>;
  /** The five slowest turns, for looking into latency. */
  slowest: { id: string; ms: number }[];
  failures: { id: string; text: string; expected: string; got: string | null; missing: string[]; verdict: string; cited: string[]; wanted: string[] }[];
  /** With the LLM layer on (`--llm`): what it did during the scored turns. */
  llm?: LlmFigures;
}

export interface LlmFigures {
  latencyMs: number;
  /** Requests that reached the (fake) model, per scored turn. */
  callsPerTurn: number;
  /** Turns in which the model was asked to read the message. */
  consulted: number;
  groundingRejections: number;
  /** Requests that ended without a usable answer (timeout, error, invalid, rejected, budget): the offline answer was used. */
  fallbacks: number;
  stats: LlmStatsSnapshot;
}

/** `--llm`: the LLM layer on, against the fake OpenAI-compatible server answering after `latencyMs`. */
export interface EvalOptions {
  llm?: { latencyMs: number };
  /** The classifier's training seed (the linear model's shuffle); the product's default when absent. */
  seed?: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

/**
 * Runs labelled turns through the same code path as `rotabot replay` (a fresh
 * in-memory database, `bot.handle`, one conversation per message or per
 * scripted conversation), with the clock fixed at EVAL_NOW.
 */
export async function runEval(cases: EvalCase[] = loadEvalSet("main"), options: EvalOptions = {}): Promise<EvalResult> {
  const fake = options.llm ? await (await import("../test/fakes/openai-api.js")).startFakeOpenAi({ latencyMs: options.llm.latencyMs }) : undefined;
  const base = loadConfig();
  // Without --llm the eval is offline even if OPENAI_API_KEY is set: its figures must not depend on a model.
  const config: Config = { ...base, llm: fake ? evalLlmSettings(fake.baseUrl) : undefined };
  const app = await createApp(config, { logger: silentLogger, storage: { kind: "pglite" }, clock: fixedClock(EVAL_NOW), ...(options.seed === undefined ? {} : { nluSeed: options.seed }) }).catch(async (err: unknown) => {
    await fake?.close();
    throw err;
  });
  let before: LlmStatsSnapshot | undefined;
  const latencies: number[] = [];
  const lengths: number[] = [];
  const timed: { id: string; ms: number }[] = [];
  const confusion = new Map<string, Map<string, number>>();
  const failures: EvalResult["failures"] = [];
  const count = { intent: 0, entry: 0, entryCases: 0, right: 0, wrong: 0, asked: 0, askedWithRight: 0, declined: 0, facts: 0, factsFound: 0 };
  try {
    // Untimed warm-up in conversations of its own (JIT, lazy imports), as in the bench.
    for (const [i, c] of cases.slice(0, WARMUP_TURNS).entries()) await replayTurn(app.bot, `warmup-${i}`, c.text, `warmup-${i}`);
    before = app.llm?.stats.snapshot();
    for (const [i, c] of cases.entries()) {
      const t0 = performance.now();
      const { output, result } = await replayTurn(app.bot, c.conversation, c.text, `eval-${i}`);
      const ms = performance.now() - t0;
      latencies.push(ms);
      timed.push({ id: c.id, ms });
      const got = output.intent ?? "(error)";
      const row = confusion.get(c.intent) ?? new Map<string, number>();
      row.set(got, (row.get(got) ?? 0) + 1);
      confusion.set(c.intent, row);
      const s = scoreTurn(c, result, output.reply ?? "");
      lengths.push(s.replyChars);
      count.facts += c.facts.length;
      count.factsFound += c.facts.length - s.missing.length;
      if (s.intentRight) count.intent++;
      if (s.entryRight !== undefined) count.entryCases++;
      if (s.entryRight) count.entry++;
      if (s.right) count.right++;
      if (s.confidentlyWrong) count.wrong++;
      if (s.asked) count.asked++;
      if (s.askedWithRight) count.askedWithRight++;
      if (s.declined) count.declined++;
      if (!s.right || !s.intentRight || s.missing.length > 0) {
        const verdict = s.right ? "right" : s.asked ? "asked" : s.confidentlyWrong ? "WRONG" : "declined";
        failures.push({ id: c.id, text: c.text, expected: c.intent, got: output.intent, missing: s.missing, verdict, cited: s.cited, wanted: c.entries.map((a) => a.join("|")) });
      }
    }
  } finally {
    await app.close();
    await fake?.close();
  }
  const llm = options.llm && app.llm && before ? llmFigures(before, app.llm.stats.snapshot(), cases.length, options.llm.latencyMs) : undefined;
  latencies.sort((a, b) => a - b);
  lengths.sort((a, b) => a - b);
  const n = Math.max(1, cases.length);
  return {
    cases: cases.length,
    intentAccuracy: count.intent / n,
    entryAccuracy: count.entry / Math.max(1, count.entryCases),
    entryCases: count.entryCases,
    rightRate: count.right / n,
    confidentlyWrongRate: count.wrong / n,
    clarifyRate: count.asked / n,
    clarifyHitRate: count.askedWithRight / Math.max(1, count.asked),
    declinedRate: count.declined / n,
    factRecall: count.factsFound / Math.max(1, count.facts),
    facts: count.facts,
    replyMedianChars: percentile(lengths, 0.5),
    replyP90Chars: percentile(lengths, 0.9),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    confusion,
    failures,
    slowest: timed.sort((a, b) => b.ms - a.ms).slice(0, 5),
    llm,
  };
}

/** The eval's LLM settings: the fake, with rotabot's defaults for everything else (no budget). */
function evalLlmSettings(baseUrl: string): NonNullable<Config["llm"]> {
  return loadConfig({ OPENAI_API_KEY: "sk-eval", OPENAI_BASE_URL: baseUrl }).llm as NonNullable<Config["llm"]>;
}

/** What the LLM layer did between two snapshots of its counters. */
function llmFigures(before: LlmStatsSnapshot, after: LlmStatsSnapshot, turns: number, latencyMs: number): LlmFigures {
  /** The counters that grew, by how much. */
  const grown = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(Object.entries(a).map(([k, n]) => [k, n - (b[k] ?? 0)] as const).filter(([, d]) => d > 0));
  const calls = grown(after.calls, before.calls);
  const rejections = grown(after.rejections, before.rejections);
  const sum = (pred: (key: string) => boolean) => Object.entries(calls).reduce((a, [k, n]) => a + (pred(k) ? n : 0), 0);
  const modelCalls = after.modelCalls - before.modelCalls;
  return {
    latencyMs,
    callsPerTurn: modelCalls / Math.max(1, turns),
    consulted: sum((k) => k.startsWith("classify:")),
    groundingRejections: calls["phrase:rejected_grounding"] ?? 0,
    fallbacks: sum((k) => !k.endsWith(":ok") && !k.endsWith(":cached")),
    stats: {
      calls,
      modelCalls,
      inputTokens: after.inputTokens - before.inputTokens,
      outputTokens: after.outputTokens - before.outputTokens,
      costUsd: after.costUsd - before.costUsd,
      rejections,
    },
  };
}
