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

  const postingsOf = (list: Doc[]) => {
    const postings = new Map<string, { doc: Doc; w: number }[]>();
    for (const doc of list) {
      for (const [k, w] of doc.vector) {
        const p = postings.get(k) ?? [];
        p.push({ doc, w });
        postings.set(k, p);
      }
    }
    return postings;
  };
  const examplePostings = postingsOf(examples);
  const centroidPostings = postingsOf(centroids);

  return {
    score(features) {
      const { vector, norm } = weigh(features, true);
      const best = (postings: Map<string, { doc: Doc; w: number }[]>) => {
        const dots = new Map<Doc, number>();
        for (const [k, w] of vector) for (const p of postings.get(k) ?? []) dots.set(p.doc, (dots.get(p.doc) ?? 0) + w * p.w);
        const out = new Map<string, number>();
        for (const [doc, dot] of dots) {
          const cos = norm > 0 && doc.norm > 0 ? dot / (norm * doc.norm) : 0;
          if (cos > (out.get(doc.label) ?? 0)) out.set(doc.label, cos);
        }
        return out;
      };
      return { nearest: best(examplePostings), centroid: best(centroidPostings) };
    },
  };
}
