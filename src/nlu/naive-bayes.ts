/**
 * Multinomial naive Bayes over labelled feature bags, with Laplace smoothing
 * and a uniform prior. Where the nearest-question index compares a message
 * with one entry at a time, this pools every question of an intent: words
 * that recur across all cost questions ("fee", "price") count for `costs`
 * whatever the subject is.
 */
export interface NaiveBayes {
  /** Posterior probability per label (they sum to 1); empty for a message with no known feature. */
  posterior(features: Map<string, number>): Map<string, number>;
}

export function createNaiveBayes(docs: { label: string; features: Map<string, number> }[], alpha = 0.5): NaiveBayes {
  const counts = new Map<string, Map<string, number>>();
  const totals = new Map<string, number>();
  const vocabulary = new Set<string>();
  for (const d of docs) {
    const c = counts.get(d.label) ?? new Map<string, number>();
    for (const [k, n] of d.features) {
      c.set(k, (c.get(k) ?? 0) + n);
      totals.set(d.label, (totals.get(d.label) ?? 0) + n);
      vocabulary.add(k);
    }
    counts.set(d.label, c);
  }
  const labels = [...counts.keys()];
  const v = vocabulary.size;
  // Each feature's log likelihood under every label, computed once: a message's posterior is then a sum of table rows.
  const denominators = labels.map((label) => (totals.get(label) ?? 0) + alpha * v);
  const logLikelihood = new Map<string, Float64Array>();
  for (const k of vocabulary) {
    logLikelihood.set(k, Float64Array.from(labels, (label, i) => Math.log((((counts.get(label) as Map<string, number>).get(k) ?? 0) + alpha) / (denominators[i] as number))));
  }
  const logs = new Float64Array(labels.length);
  return {
    posterior(features) {
      logs.fill(0);
      let known = 0;
      for (const [k, n] of features) {
        const row = logLikelihood.get(k);
        if (!row) continue;
        known++;
        for (let i = 0; i < row.length; i++) logs[i] = (logs[i] as number) + n * (row[i] as number);
      }
      if (known === 0) return new Map();
      let max = -Infinity;
      for (const l of logs) if (l > max) max = l;
      let z = 0;
      for (const l of logs) z += Math.exp(l - max);
      return new Map(labels.map((label, i) => [label, Math.exp((logs[i] as number) - max) / z]));
    },
  };
}
