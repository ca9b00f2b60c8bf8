/**
 * A linear support vector machine over TF-IDF vectors, one class against the
 * rest, trained with Pegasos (stochastic sub-gradient descent on the hinge
 * loss; Shalev-Shwartz et al., 2007). Where the nearest-neighbour index asks
 * "which example question is this most like?", the linear model asks "which
 * words tell this entry's questions from every other entry's?", and so reads a
 * long post by its telling words rather than by the story around them.
 *
 * Deterministic (a fixed-seed shuffle) and small: on the knowledge base's
 * ~1,300 example questions and ~80 entries it trains in about 50 milliseconds.
 */

export interface LinearModel {
  /** The decision value of every label for a message's features, best first. */
  rank(features: ReadonlyMap<string, number>): { label: string; score: number }[];
}

export interface LinearOptions {
  /** Regularisation: larger is smoother. */
  lambda?: number;
  epochs?: number;
  /** Seed of the shuffle between epochs. */
  seed?: number;
}

/** Bigrams carry less weight than single words: they add order, not meaning. */
const BIGRAM_WEIGHT = 0.7;

export function trainLinearSvm(docs: readonly { label: string; features: ReadonlyMap<string, number> }[], options: LinearOptions = {}): LinearModel {
  const lambda = options.lambda ?? 1e-4;
  const epochs = options.epochs ?? 5;
  const labels = [...new Set(docs.map((d) => d.label))];
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const featureIndex = new Map<string, number>();
  const df: number[] = [];
  for (const d of docs) {
    for (const k of d.features.keys()) {
      let i = featureIndex.get(k);
      if (i === undefined) {
        i = featureIndex.size;
        featureIndex.set(k, i);
        df[i] = 0;
      }
      df[i] = (df[i] as number) + 1;
    }
  }
  const n = docs.length;
  const idf = df.map((d) => Math.log((n + 1) / (d + 1)) + 1);
  const vectorize = (features: ReadonlyMap<string, number>): { idx: Int32Array; val: Float64Array } => {
    const idx: number[] = [];
    const val: number[] = [];
    let sq = 0;
    for (const [k, tf] of features) {
      const i = featureIndex.get(k);
      if (i === undefined) continue;
      const w = (1 + Math.log(tf)) * (idf[i] as number) * (k.includes("_") ? BIGRAM_WEIGHT : 1);
      idx.push(i);
      val.push(w);
      sq += w * w;
    }
    const norm = Math.sqrt(sq) || 1;
    return { idx: Int32Array.from(idx), val: Float64Array.from(val, (v) => v / norm) };
  };
  const X = docs.map((d) => vectorize(d.features));
  const y = Int32Array.from(docs, (d) => labelIndex.get(d.label) as number);
  const dims = featureIndex.size;

  // Feature-major weights (dims × labels), so that scoring a message touches only its own features.
  const weights = new Float64Array(dims * labels.length);
  const bias = new Float64Array(labels.length);
  let seed = options.seed ?? 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const order = Array.from(X.keys());
  for (let c = 0; c < labels.length; c++) {
    // w = scale · v, so that the shrinking step of every iteration is one multiplication.
    const v = new Float64Array(dims);
    let scale = 1;
    let b = 0;
    let t = 0;
    seed = (options.seed ?? 1) + c;
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
      for (const i of order) {
        t++;
        const eta = 1 / (lambda * (t + 100));
        const { idx, val } = X[i] as { idx: Int32Array; val: Float64Array };
        const target = y[i] === c ? 1 : -1;
        let dot = b;
        for (let k = 0; k < idx.length; k++) dot += (v[idx[k] as number] as number) * scale * (val[k] as number);
        scale *= 1 - eta * lambda;
        if (target * dot < 1) {
          const step = (eta * target) / scale;
          for (let k = 0; k < idx.length; k++) v[idx[k] as number] = (v[idx[k] as number] as number) + step * (val[k] as number);
          b += eta * target * BIAS_RATE;
        }
        // Keep the scale away from underflow: fold it into the vector now and then.
        if (scale < 1e-9) {
          for (let k = 0; k < dims; k++) v[k] = (v[k] as number) * scale;
          scale = 1;
        }
      }
    }
    for (let k = 0; k < dims; k++) weights[k * labels.length + c] = (v[k] as number) * scale;
    bias[c] = b;
  }

  return {
    rank(features) {
      const { idx, val } = vectorize(features);
      const scores = Float64Array.from(bias);
      for (let k = 0; k < idx.length; k++) {
        const row = (idx[k] as number) * labels.length;
        const x = val[k] as number;
        for (let c = 0; c < labels.length; c++) scores[c] = (scores[c] as number) + (weights[row + c] as number) * x;
      }
      return labels.map((label, c) => ({ label, score: scores[c] as number })).sort((a, b) => b.score - a.score || (a.label < b.label ? -1 : 1));
    },
  };
}

/** The bias learns more slowly than the word weights: with few examples per label it would otherwise swamp them. */
const BIAS_RATE = 0.1;
