/**
 * A TF-IDF nearest-neighbour index over labelled documents (the example
 * questions of knowledge entries). Scores a query against every document and
 * every label's centroid with cosine similarity.
 */

type Vector = Map<string, number>;

interface Doc {
  label: string;
  vector: Vector;
  norm: number;
}

export interface TfidfIndex {
  /** Per label: the cosine of its closest document, and of its centroid. */
  score(features: Map<string, number>): { nearest: Map<string, number>; centroid: Map<string, number> };
}

/** Bigrams carry less weight than single words: they add order, not meaning. */
const BIGRAM_WEIGHT = 0.7;

export function createTfidfIndex(docs: { label: string; features: Map<string, number> }[]): TfidfIndex {
  const df = new Map<string, number>();
  for (const d of docs) for (const k of d.features.keys()) df.set(k, (df.get(k) ?? 0) + 1);
  const n = docs.length;
  const idf = (k: string) => Math.log((n + 1) / ((df.get(k) ?? 0) + 1)) + 1;

  /**
   * A word the index has never seen cannot match anything, but it still counts
   * in the query's length (`countUnseen`), as a rare word: "best pizza in
   * boston" shares "in" with many questions and should not look like any.
   */
  const weigh = (f: Map<string, number>, countUnseen: boolean): { vector: Vector; norm: number } => {
    const vector: Vector = new Map();
    let sq = 0;
    for (const [k, tf] of f) {
      const bigram = k.includes("_");
      if (!df.has(k)) {
        if (countUnseen && !bigram) sq += (idf(k) * (1 + Math.log(tf))) ** 2;
        continue;
      }
      const w = (1 + Math.log(tf)) * idf(k) * (bigram ? BIGRAM_WEIGHT : 1);
      vector.set(k, w);
      sq += w * w;
    }
    return { vector, norm: Math.sqrt(sq) };
  };

  const examples: Doc[] = docs.map((d) => ({ label: d.label, ...weigh(d.features, false) }));
  // Each label's centroid: the sum of its documents' unit vectors, so words it uses often weigh more.
  const sums = new Map<string, Vector>();
  for (const ex of examples) {
    if (ex.norm === 0) continue;
    const sum = sums.get(ex.label) ?? new Map<string, number>();
    for (const [k, w] of ex.vector) sum.set(k, (sum.get(k) ?? 0) + w / ex.norm);
    sums.set(ex.label, sum);
  }
  const centroids: Doc[] = [...sums].map(([label, vector]) => {
    let sq = 0;
    for (const w of vector.values()) sq += w * w;
    return { label, vector, norm: Math.sqrt(sq) };
  });

  /**
   * Postings per feature: the documents that use it and its weight in each, as typed arrays, so that scoring a
   * message adds into one reused array of dot products instead of allocating a map entry per document.
   */
  const indexOf = (list: Doc[]) => {
    const labels = [...new Set(list.map((d) => d.label))];
    const labelIndex = new Map(labels.map((l, i) => [l, i]));
    const docLabel = Int32Array.from(list, (d) => labelIndex.get(d.label) as number);
    const docNorm = Float64Array.from(list, (d) => d.norm);
    const lists = new Map<string, { docs: number[]; weights: number[] }>();
    list.forEach((doc, i) => {
      for (const [k, w] of doc.vector) {
        const p = lists.get(k) ?? { docs: [], weights: [] };
        p.docs.push(i);
        p.weights.push(w);
        lists.set(k, p);
      }
    });
    const postings = new Map([...lists].map(([k, p]) => [k, { docs: Int32Array.from(p.docs), weights: Float64Array.from(p.weights) }]));
    return { labels, docLabel, docNorm, postings, dots: new Float64Array(list.length), touched: new Int32Array(list.length), best: new Float64Array(labels.length) };
  };
  const exampleIndex = indexOf(examples);
  const centroidIndex = indexOf(centroids);

  /** Per label, the best cosine of its documents with the query (labels with none above 0 are absent). */
  const best = (ix: ReturnType<typeof indexOf>, vector: Vector, norm: number): Map<string, number> => {
    const { dots, touched, best: bestOf, docLabel, docNorm, labels } = ix;
    let n = 0;
    for (const [k, w] of vector) {
      const p = ix.postings.get(k);
      if (!p) continue;
      for (let j = 0; j < p.docs.length; j++) {
        const d = p.docs[j] as number;
        if (dots[d] === 0) touched[n++] = d;
        dots[d] = (dots[d] as number) + w * (p.weights[j] as number);
      }
    }
    const out = new Map<string, number>();
    const seen: number[] = [];
    for (let t = 0; t < n; t++) {
      const d = touched[t] as number;
      const dn = docNorm[d] as number;
      const cos = norm > 0 && dn > 0 ? (dots[d] as number) / (norm * dn) : 0;
      dots[d] = 0;
      const l = docLabel[d] as number;
      if (bestOf[l] === 0) seen.push(l);
      if (cos > (bestOf[l] as number)) bestOf[l] = cos;
    }
    for (const l of seen) {
      if ((bestOf[l] as number) > 0) out.set(labels[l] as string, bestOf[l] as number);
      bestOf[l] = 0;
    }
    return out;
  };

  return {
    score(features) {
      const { vector, norm } = weigh(features, true);
      return { nearest: best(exampleIndex, vector, norm), centroid: best(centroidIndex, vector, norm) };
    },
  };
}
