import { INTENTS } from "../src/core/intents.js";
import type { EvalSetName } from "./cases.js";
import { EVAL_NOW, WARMUP_TURNS, type EvalResult } from "./eval.js";

const pctText = (x: number) => `${(100 * x).toFixed(1)}%`;

/** What each set is held to (issue 13); printed beside the figures. */
const TARGETS: Record<EvalSetName, { intent?: number; right?: number; wrong?: number; recall: number }> = {
  main: { intent: 0.96, recall: 0.95 },
  forum: { right: 0.9, wrong: 0.03, recall: 0.9 },
  "forum-b": { right: 0.9, wrong: 0.03, recall: 0.9 },
};

/** The LLM run against the offline run of the same eval set: what the layer costs in latency, and what it changes. */
export function formatComparison(offline: EvalResult, llm: EvalResult): string {
  const ms = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)} ms`;
  const pp = (x: number) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)} points`;
  return [
    "LLM mode against offline, same eval set:",
    `  added latency per turn  p50 ${ms(llm.p50Ms - offline.p50Ms)}   p99 ${ms(llm.p99Ms - offline.p99Ms)}   (offline p50 ${offline.p50Ms.toFixed(2)} ms, p99 ${offline.p99Ms.toFixed(2)} ms)`,
    `  intent accuracy ${pctText(offline.intentAccuracy)} -> ${pctText(llm.intentAccuracy)} (${pp(llm.intentAccuracy - offline.intentAccuracy)})   fact recall ${pctText(offline.factRecall)} -> ${pctText(llm.factRecall)} (${pp(llm.factRecall - offline.factRecall)})`,
    `  right entry ${pctText(offline.rightRate)} -> ${pctText(llm.rightRate)}   confidently wrong ${pctText(offline.confidentlyWrongRate)} -> ${pctText(llm.confidentlyWrongRate)}`,
  ].join("\n");
}

/** The figures of one set, in a few lines. */
export function formatSummary(set: EvalSetName, r: EvalResult): string[] {
  const t = TARGETS[set];
  const target = (x: number | undefined, text: string) => (x === undefined ? "" : `   (target ${text})`);
  return [
    `${set} set: ${r.cases} labelled turns`,
    `  intent accuracy      ${pctText(r.intentAccuracy)}${target(t.intent, `≥ ${pctText(t.intent ?? 0)}`)}`,
    `  right entry or intent ${pctText(r.rightRate)}${target(t.right, `≥ ${pctText(t.right ?? 0)}`)}   entry accuracy ${pctText(r.entryAccuracy)} of ${r.entryCases} entry-labelled turns`,
    `  confidently wrong    ${pctText(r.confidentlyWrongRate)}${target(t.wrong, `≤ ${pctText(t.wrong ?? 0)}`)}   asked back ${pctText(r.clarifyRate)} (right entry among the choices in ${pctText(r.clarifyHitRate)} of them)   answered with no entry ${pctText(r.declinedRate)}`,
    `  fact recall          ${pctText(r.factRecall)} of ${r.facts} facts   (target ≥ ${pctText(t.recall)})`,
    `  reply length         median ${r.replyMedianChars} chars, p90 ${r.replyP90Chars}   (target ≤ 700, ≤ 1,100)`,
    `  latency per turn     p50 ${r.p50Ms.toFixed(2)} ms   p99 ${r.p99Ms.toFixed(2)} ms   (target p99 < 10 ms); slowest: ${r.slowest.map((s) => `${s.id} ${s.ms.toFixed(1)} ms`).join(", ")}`,
  ];
}

/** The report `npm run eval` prints for one set. */
export function formatEval(r: EvalResult, options: { maxFailures?: number; set?: EvalSetName } = {}): string {
  const set = options.set ?? "main";
  const lines = [`rotabot eval (test/eval), clock fixed at ${EVAL_NOW}, latency after ${WARMUP_TURNS} untimed warm-up turns`, ...formatSummary(set, r)];
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
    const entry = f.verdict === "right" ? "" : ` ${f.verdict}: cited [${f.cited.join(", ")}] wanted [${f.wanted.join(", ")}]`;
    const facts = f.missing.length ? ` missing ${JSON.stringify(f.missing)}` : "";
    lines.push(`  ${f.id}: ${JSON.stringify(f.text.slice(0, 90))}${intent}${entry}${facts}`);
  }
  return lines.join("\n");
}

/**
 * `--seeds N`: how each figure of one set moves with the classifier's training seed (the linear model's shuffle),
 * as mean and range over the seeds. A change that moves a figure by less than its range at one seed may be luck.
 */
export function formatSeedSpread(set: EvalSetName, results: readonly EvalResult[]): string[] {
  const figures: [string, (r: EvalResult) => number][] = [
    ["intent accuracy", (r) => r.intentAccuracy],
    ["right entry or intent", (r) => r.rightRate],
    ["confidently wrong", (r) => r.confidentlyWrongRate],
    ["asked back", (r) => r.clarifyRate],
    ["fact recall", (r) => r.factRecall],
  ];
  return [
    `${set} set over ${results.length} training seeds: mean (min-max), the product's seed 1 first`,
    ...figures.map(([name, of]) => {
      const xs = results.map(of);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      return `  ${name.padEnd(22)} ${pctText(mean)} (${pctText(Math.min(...xs))}-${pctText(Math.max(...xs))})   by seed: ${xs.map(pctText).join(" ")}`;
    }),
  ];
}
