import { describe, expect, it } from "vitest";
import { createNaiveBayes } from "../../src/nlu/naive-bayes.js";

const bag = (...words: string[]) => {
  const m = new Map<string, number>();
  for (const w of words) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
};

/** The textbook formula, written out plainly: what the precomputed tables must reproduce. */
function reference(docs: { label: string; features: Map<string, number> }[], features: Map<string, number>, alpha = 0.5) {
  const vocabulary = new Set(docs.flatMap((d) => [...d.features.keys()]));
  const labels = [...new Set(docs.map((d) => d.label))];
  const known = [...features].filter(([k]) => vocabulary.has(k));
  if (known.length === 0) return new Map<string, number>();
  const logs = labels.map((label) => {
    const mine = docs.filter((d) => d.label === label);
    const total = mine.reduce((s, d) => s + [...d.features.values()].reduce((a, b) => a + b, 0), 0);
    return known.reduce((sum, [k, n]) => sum + n * Math.log((mine.reduce((s, d) => s + (d.features.get(k) ?? 0), 0) + alpha) / (total + alpha * vocabulary.size)), 0);
  });
  const max = Math.max(...logs);
  const z = logs.reduce((s, l) => s + Math.exp(l - max), 0);
  return new Map(labels.map((l, i) => [l, Math.exp((logs[i] as number) - max) / z]));
}

describe("naive Bayes", () => {
  const docs = [
    { label: "costs", features: bag("fee", "price", "observership") },
    { label: "costs", features: bag("how", "much", "fee", "fee") },
    { label: "timing", features: bag("when", "apply", "observership") },
    { label: "visa", features: bag("visa", "b1", "interview", "when") },
  ];
  const nb = createNaiveBayes(docs);

  it("gives the posterior of the plain formula, summing to 1", () => {
    for (const q of [bag("fee"), bag("when", "visa", "visa"), bag("observership", "unknown"), bag("how", "much", "apply")]) {
      const got = nb.posterior(q);
      const want = reference(docs, q);
      expect([...got.keys()]).toEqual([...want.keys()]);
      for (const [label, p] of want) expect(got.get(label)).toBeCloseTo(p, 12);
      expect([...got.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    expect(nb.posterior(bag("fee")).get("costs")).toBeGreaterThan(0.5);
  });

  it("is empty for a message with no known word, and does not carry one message's sums into the next", () => {
    expect(nb.posterior(bag("pizza", "boston")).size).toBe(0);
    const first = nb.posterior(bag("visa"));
    nb.posterior(bag("fee", "fee", "fee"));
    expect(nb.posterior(bag("visa"))).toEqual(first);
  });
});
