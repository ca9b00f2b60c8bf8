import { readFileSync } from "node:fs";

/**
 * Reads a .cpuprofile (from `npm run bench -- worker --profile`, or `node
 * --cpu-prof`) and says where the time went: self time by part of the code
 * (our folders, each dependency, the WebAssembly engine, the garbage collector),
 * the functions with the most self time, and the inclusive time of ours.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Which part of the code a frame belongs to. */
export function partOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === "(garbage collector)") return "gc";
    if (functionName === "(idle)" || functionName === "(program)") return functionName;
    return "native";
  }
  if (url.startsWith("wasm://")) return "pglite engine (wasm)";
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1] as string;
  if (url.startsWith("node:")) return "node";
  const ours = /\/(src|dist|bench|eval)\/(?:([^/]+)\/)?([^/]+)$/.exec(url);
  // dist/ is the build of src/: one name for both.
  if (ours) return ours[2] && (ours[1] === "src" || ours[1] === "dist") ? `src/${ours[2]}` : `${ours[1]}/${ours[3]}`;
  return "other";
}

const short = (f: CallFrame) => `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*\/(src|dist|node_modules)\//, "$1/")}:${f.lineNumber + 1}`;

export interface ProfileSummary {
  totalMs: number;
  parts: { part: string; ms: number; share: number }[];
  topSelf: { fn: string; ms: number; share: number }[];
  topInclusive: { fn: string; ms: number; share: number }[];
}

export function summariseProfile(profile: Profile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  let total = 0;
  const parts = new Map<string, number>();
  const selfFn = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id) as ProfileNode;
    if (node.callFrame.functionName === "(idle)") continue;
    total += us;
    const part = partOf(node.callFrame);
    parts.set(part, (parts.get(part) ?? 0) + us);
    const name = short(node.callFrame);
    selfFn.set(name, (selfFn.get(name) ?? 0) + us);
    // Each of our functions on the stack gets the sample once, however deep the recursion.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = (byId.get(at) as ProfileNode).callFrame;
      if (!/\/(src|dist|bench)\//.test(frame.url) || frame.url.includes("node_modules")) continue;
      const fn = short(frame);
      if (seen.has(fn)) continue;
      seen.add(fn);
      inclusive.set(fn, (inclusive.get(fn) ?? 0) + us);
    }
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, us]) => ({ k, ms: us / 1000, share: total ? us / total : 0 }));
  return {
    totalMs: total / 1000,
    parts: rank(parts).map(({ k, ms, share }) => ({ part: k, ms, share })),
    topSelf: rank(selfFn).slice(0, top).map(({ k, ms, share }) => ({ fn: k, ms, share })),
    topInclusive: rank(inclusive).slice(0, top).map(({ k, ms, share }) => ({ fn: k, ms, share })),
  };
}

export function printProfileSummary(path: string, print: (line: string) => void, top = 15): void {
  const s = summariseProfile(JSON.parse(readFileSync(path, "utf8")) as Profile, top);
  const pct = (x: number) => `${(100 * x).toFixed(1).padStart(5)}%`;
  print(`${path}: ${s.totalMs.toFixed(0)} ms sampled (idle left out)`);
  print("self time by part:");
  for (const p of s.parts.filter((x) => x.share >= 0.005)) print(`  ${pct(p.share)}  ${p.ms.toFixed(0).padStart(6)} ms  ${p.part}`);
  print("functions with the most self time:");
  for (const f of s.topSelf) print(`  ${pct(f.share)}  ${f.fn}`);
  print("our functions, inclusive time:");
  for (const f of s.topInclusive) print(`  ${pct(f.share)}  ${f.fn}`);
}
