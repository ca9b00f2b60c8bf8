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
  return {
    posterior(features) {
      const known = [...features].filter(([k]) => vocabulary.has(k));
      if (known.length === 0) return new Map();
      const logs = labels.map((label) => {
        const c = counts.get(label) as Map<string, number>;
        const denominator = (totals.get(label) ?? 0) + alpha * v;
        let sum = 0;
        for (const [k, n] of known) sum += n * Math.log(((c.get(k) ?? 0) + alpha) / denominator);
        return sum;
      });
      const max = Math.max(...logs);
      const exps = logs.map((l) => Math.exp(l - max));
      const z = exps.reduce((a, b) => a + b, 0);
      return new Map(labels.map((label, i) => [label, (exps[i] as number) / z]));
    },
  };
}
