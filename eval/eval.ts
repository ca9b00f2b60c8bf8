import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { fixedClock } from "../src/core/clock.js";
import { INTENTS } from "../src/core/intents.js";
import { loadConfig, PACKAGE_ROOT, type Config } from "../src/config.js";
import type { LlmStatsSnapshot } from "../src/llm/stats.js";
import { silentLogger } from "../src/logger.js";
import { createApp } from "../src/main.js";
import { replayLine } from "../src/cli/replay.js";

/** The eval's "today": dates computed in answers (timelines) are then the same on every run. */
export const EVAL_NOW = "2026-11-22T10:00:00Z";
export const EVAL_DIR = join(PACKAGE_ROOT, "test", "eval");
/** Turns run before timing, in their own conversations; not scored. */
const WARMUP_TURNS = 100;

const expectation = {
  text: z.string(),
  intent: z.enum(INTENTS),
  also: z.array(z.enum(INTENTS)).optional(),
  facts: z.array(z.string()),
};
const messageSchema = z.object({ id: z.string(), ...expectation }).passthrough();
const conversationSchema = z
  .object({ id: z.string(), description: z.string().optional(), turns: z.array(z.object(expectation).passthrough()).min(1) })
  .passthrough();

export interface EvalCase {
  id: string;
  conversation: string;
  text: string;
  intent: string;
  facts: string[];
}

export interface EvalResult {
  cases: number;
  intentAccuracy: number;
  factRecall: number;
  facts: number;
  p50Ms: number;
  p99Ms: number;
  confusion: Map<string, Map<string, number>>;
  /** The five slowest turns, for looking into latency. */
  slowest: { id: string; ms: number }[];
  failures: { id: string; text: string; expected: string; got: string | null; missing: string[] }[];
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
}

function readJsonLines<T>(file: string, schema: z.ZodType<T>): T[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l, i) => {
      const parsed = schema.safeParse(JSON.parse(l));
      if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ")}`);
      return parsed.data;
    });
}

/** Every labelled turn of the eval set, in order: single messages first, then each conversation's turns. */
export function loadEvalSet(dir = EVAL_DIR): EvalCase[] {
  const messages = readJsonLines(join(dir, "messages.jsonl"), messageSchema).map((m) => ({
    id: m.id,
    conversation: `eval-${m.id}`,
    text: m.text,
    intent: m.intent,
    facts: m.facts,
  }));
  const turns = readJsonLines(join(dir, "conversations.jsonl"), conversationSchema).flatMap((c) =>
    c.turns.map((t, i) => ({ id: `${c.id}#${i + 1}`, conversation: `eval-${c.id}`, text: t.text, intent: t.intent, facts: t.facts })),
  );
  return [...messages, ...turns];
}

/** How facts are compared: case, Markdown bold and dash styles do not matter. */
export function normalizeForFacts(text: string): string {
  return text.toLowerCase().replace(/\*\*/g, "").replace(/[\u2010-\u2015\u2212]/g, "-").replace(/\s+/g, " ");
}

/**
 * Runs the eval set through the same code path as `rotabot replay` (a fresh
 * in-memory database, `bot.handle`, one conversation per message or per
 * scripted conversation), with the clock fixed at EVAL_NOW.
 */
export async function runEval(cases: EvalCase[] = loadEvalSet(), options: EvalOptions = {}): Promise<EvalResult> {
  const fake = options.llm ? await (await import("../test/fakes/openai-api.js")).startFakeOpenAi({ latencyMs: options.llm.latencyMs }) : undefined;
  const base = loadConfig();
  // Without --llm the eval is offline even if OPENAI_API_KEY is set: its figures must not depend on a model.
  const config: Config = { ...base, llm: fake ? evalLlmSettings(fake.baseUrl) : undefined };
  const app = await createApp(config, { logger: silentLogger, storage: { kind: "pglite" }, clock: fixedClock(EVAL_NOW) }).catch(async (err: unknown) => {
    await fake?.close();
    throw err;
  });
  let before: LlmStatsSnapshot | undefined;
  const latencies: number[] = [];
  const timed: { id: string; ms: number }[] = [];
  const confusion = new Map<string, Map<string, number>>();
  const failures: EvalResult["failures"] = [];
  let correct = 0;
  let factsFound = 0;
  let factsTotal = 0;
  try {
    // Untimed warm-up in conversations of its own (JIT, lazy imports), as in the bench.
    for (const [i, c] of cases.slice(0, WARMUP_TURNS).entries()) {
      await replayLine(app.bot, JSON.stringify({ conversation: `warmup-${i}`, text: c.text }), i + 1, `warmup-${i}`);
    }
    before = app.llm?.stats.snapshot();
    for (const [i, c] of cases.entries()) {
      const t0 = performance.now();
      const out = await replayLine(app.bot, JSON.stringify({ conversation: c.conversation, text: c.text }), i + 1, `eval-${i}`);
      latencies.push(performance.now() - t0);
      timed.push({ id: c.id, ms: performance.now() - t0 });
      const got = out.intent ?? "(error)";
      const row = confusion.get(c.intent) ?? new Map<string, number>();
      row.set(got, (row.get(got) ?? 0) + 1);
      confusion.set(c.intent, row);
      const reply = normalizeForFacts(out.reply ?? "");
      const missing = c.facts.filter((f) => !reply.includes(normalizeForFacts(f)));
      factsTotal += c.facts.length;
      factsFound += c.facts.length - missing.length;
      if (got === c.intent) correct++;
      if (got !== c.intent || missing.length > 0) failures.push({ id: c.id, text: c.text, expected: c.intent, got: out.intent, missing });
    }
  } finally {
    await app.close();
    await fake?.close();
  }
  const llm = options.llm && app.llm && before ? llmFigures(before, app.llm.stats.snapshot(), cases.length, options.llm.latencyMs) : undefined;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    cases: cases.length,
    intentAccuracy: correct / Math.max(1, cases.length),
    factRecall: factsFound / Math.max(1, factsTotal),
    facts: factsTotal,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
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

const pctText = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The LLM run against the offline run of the same eval set: what the layer costs in latency, and what it changes. */
export function formatComparison(offline: EvalResult, llm: EvalResult): string {
  const ms = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)} ms`;
  const pp = (x: number) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)} points`;
  return [
    "LLM mode against offline, same eval set:",
    `  added latency per turn  p50 ${ms(llm.p50Ms - offline.p50Ms)}   p99 ${ms(llm.p99Ms - offline.p99Ms)}   (offline p50 ${offline.p50Ms.toFixed(2)} ms, p99 ${offline.p99Ms.toFixed(2)} ms)`,
    `  intent accuracy ${pctText(offline.intentAccuracy)} -> ${pctText(llm.intentAccuracy)} (${pp(llm.intentAccuracy - offline.intentAccuracy)})   fact recall ${pctText(offline.factRecall)} -> ${pctText(llm.factRecall)} (${pp(llm.factRecall - offline.factRecall)})`,
  ].join("\n");
}

/** The report `npm run eval` prints. */
export function formatEval(r: EvalResult, options: { maxFailures?: number } = {}): string {
  const lines = [
    `rotabot eval: ${r.cases} labelled turns (test/eval), clock fixed at ${EVAL_NOW}, latency after ${WARMUP_TURNS} untimed warm-up turns`,
    `intent accuracy   ${pctText(r.intentAccuracy)}   (target 95%)`,
    `fact recall       ${pctText(r.factRecall)}   of ${r.facts} facts (target 95%)`,
    `latency per turn  p50 ${r.p50Ms.toFixed(2)} ms   p99 ${r.p99Ms.toFixed(2)} ms   (target p99 < 10 ms); slowest: ${r.slowest.map((s) => `${s.id} ${s.ms.toFixed(1)} ms`).join(", ")}`,
  ];
  if (r.llm) {
    const l = r.llm;
    lines.push(
      `LLM layer (fake OpenAI-compatible server answering in ${l.latencyMs} ms; it restates messages and echoes a grounded rephrasing, so this measures the cascade, the checks and the latency, not a real model's understanding)`,
      `LLM calls per turn ${l.callsPerTurn.toFixed(3)}   (target at most 0.3); ${l.stats.modelCalls} calls in ${r.cases} turns, ${l.consulted} turns read by the model`,
      `grounding rejections ${l.groundingRejections}${Object.keys(l.stats.rejections).length ? ` (${Object.entries(l.stats.rejections).map(([k, n]) => `${k} ${n}`).join(", ")})` : ""}   fallbacks to the offline answer ${l.fallbacks}`,
      `requests by outcome ${Object.entries(l.stats.calls).map(([k, n]) => `${k} ${n}`).join(", ") || "none"}; tokens ${l.stats.inputTokens} in, ${l.stats.outputTokens} out`,
    );
  }
  lines.push("", "confusion matrix (rows: expected, columns: got)");
  const labels = [...INTENTS, "(error)"].filter((l) => r.confusion.has(l) || [...r.confusion.values()].some((row) => row.has(l)));
  const short = (l: string) => l.slice(0, 6);
  lines.push(`${"".padEnd(24)}${labels.map((l) => short(l).padStart(7)).join("")}`);
  for (const expected of labels) {
    const row = r.confusion.get(expected);
    if (!row) continue;
    lines.push(`${expected.padEnd(24)}${labels.map((got) => String(row.get(got) ?? "").padStart(7)).join("")}`);
  }
  lines.push("", `failures (${r.failures.length})`);
  for (const f of r.failures.slice(0, options.maxFailures ?? 200)) {
    const intent = f.got === f.expected ? "" : ` intent ${f.got} (expected ${f.expected})`;
    const facts = f.missing.length ? ` missing ${JSON.stringify(f.missing)}` : "";
    lines.push(`  ${f.id}: ${JSON.stringify(f.text.slice(0, 90))}${intent}${facts}`);
  }
  return lines.join("\n");
}
