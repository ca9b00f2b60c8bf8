import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { WARMUP_TURNS } from "./workload.js";

/**
 * Each bench run's figures, saved as JSON (bench/results/last.json, not in git)
 * and compared with the run before it and with the committed baseline
 * (bench/results/baseline.json, `--save-baseline` writes it), so a regression
 * shows up as a ratio. CPU times and SQL counts are the figures to trust on a
 * shared machine; wall-clock figures move with its load, which is saved too.
 */
const DIR = join(dirname(fileURLToPath(import.meta.url)), "results");
export const LAST = join(DIR, "last.json");
export const BASELINE = join(DIR, "baseline.json");

export interface RunFigures {
  at: string;
  node: string;
  /** The 1-minute load average at the start and the end of the run. */
  load: [number, number];
  /** Untimed warm-up turns per measured process (absent in runs before 4 Dec 2026, which used 200). */
  warmup?: number;
  figures: Record<string, number>;
}

/** What a run was asked to do, or when: not figures to compare. */
const SETTINGS = new Set(["turns", "concurrency", "processes", "startedAt", "endedAt"]);

/** Higher is better for these; lower for the rest (times, CPU, statements, memory). */
const HIGHER_IS_BETTER = /turnsPerSecond|replies|accepted/;

export function startRun(warmup = WARMUP_TURNS): { add(prefix: string, figures: object): void; finish(): RunFigures } {
  const load0 = loadavg()[0] as number;
  const figures: Record<string, number> = {};
  return {
    add(prefix, f) {
      for (const [k, v] of Object.entries(f)) if (typeof v === "number" && Number.isFinite(v) && !SETTINGS.has(k)) figures[`${prefix}.${k}`] = v;
    },
    finish: () => ({ at: new Date().toISOString(), node: process.version, load: [load0, loadavg()[0] as number], warmup, figures }),
  };
}

function read(path: string): RunFigures | null {
  try {
    return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as RunFigures) : null;
  } catch {
    return null;
  }
}

/** Saves this run as last.json (and the baseline when asked), and prints its ratios against the previous run and the baseline. */
export function saveAndCompare(run: RunFigures, print: (line: string) => void, options: { saveBaseline?: boolean } = {}): void {
  const previous = read(LAST);
  const baseline = read(BASELINE);
  mkdirSync(DIR, { recursive: true });
  writeFileSync(LAST, JSON.stringify(run, null, 2) + "\n");
  if (options.saveBaseline) writeFileSync(BASELINE, JSON.stringify(run, null, 2) + "\n");
  const against = [
    ["previous run", previous],
    ["baseline", options.saveBaseline ? null : baseline],
  ] as const;
  for (const [name, other] of against) {
    if (!other) continue;
    print(`\nagainst the ${name} (${other.at}, load ${other.load.map((l) => l.toFixed(1)).join("→")}; this run's load ${run.load.map((l) => l.toFixed(1)).join("→")}): this / that`);
    const warmups = [run.warmup ?? WARMUP_TURNS, other.warmup ?? WARMUP_TURNS];
    if (warmups[0] !== warmups[1]) print(`  (warm-up ${warmups[0]} turns against ${warmups[1]}: the turn figures differ by that too)`);
    for (const [key, value] of Object.entries(run.figures)) {
      const old = other.figures[key];
      if (old === undefined || old === 0) continue;
      const ratio = value / old;
      const better = HIGHER_IS_BETTER.test(key) ? ratio > 1 : ratio < 1;
      const flag = Math.abs(ratio - 1) < 0.05 ? "" : better ? "  better" : "  WORSE";
      print(`  ${key.padEnd(44)} ${fmt(value).padStart(10)}  ${fmt(old).padStart(10)}  ×${ratio.toFixed(2)}${flag}`);
    }
  }
  print(`\nfigures saved to ${LAST}${options.saveBaseline ? ` and ${BASELINE}` : ""}`);
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2));
