import { closest, distance } from "fastest-levenshtein";
import type { Intent } from "../core/intents.js";
import type { KnowledgeBase } from "../knowledge/loader.js";
import { createPhraseTable, rewrite, stem, tokenize, type PhraseTable } from "./normalize.js";

/**
 * Offline understanding built from the knowledge base itself: every entry's
 * example questions (and title) become TF-IDF vectors over word stems and
 * stem bigrams; a message is scored against each example by cosine similarity
 * (nearest neighbour), after typo correction and the synonym table. Nothing
 * here knows any topic by name: all words come from `knowledge/`.
 */

export interface Analysis {
  /** Tokens after typo correction and synonym rewriting. */
  tokens: string[];
  /** Topic tags mentioned, in order of first mention. */
  topics: string[];
  /** Specialty keys mentioned, with the token index where each starts. */
  specialties: { key: string; start: number }[];
  emergency: boolean;
  /** Intents ranked by score, best first. */
  intents: { intent: Intent; score: number }[];
  /** Similarity per entry id (entries with no overlap are absent): how well the message matches its questions. */
  entryScores: Map<string, number>;
  /** Per entry id, the cosine similarity of its single closest question. */
  nearest: Map<string, number>;
}

export interface Nlu {
  analyze(text: string): Analysis;
}

type Vector = Map<string, number>;

interface Example {
  entryId: string;
  intent: Intent;
  vector: Vector;
  norm: number;
}

const MONTHS = new Set(
  "january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec".split(" "),
);

/** Share of an entry's score from its single closest question; the rest comes from all its questions together. */
const NEAREST_WEIGHT = 0.6;
/** Bonus per subject of the entry that the message names, when ranking intents. */
const TOPIC_BONUS = 0.1;

export function createNlu(kb: KnowledgeBase): Nlu {
  const voc = kb.vocabulary;
  const synonyms = createPhraseTable(Object.entries(voc.synonyms).map(([from, to]) => [from, tokenize(to, { phrase: true })] as [string, string[]]));
  const normalizeTokens = (tokens: string[]) => rewrite(tokens, synonyms);
  const phraseTable = <V>(groups: [V, string[]][]): PhraseTable<V> =>
    createPhraseTable(groups.flatMap(([value, phrases]) => phrases.map((p) => [normalizeTokens(tokenize(p, { phrase: true })).join(" "), value] as [string, V])));
  const topicTable = phraseTable(Object.entries(voc.topics));
  const specialtyTable = phraseTable(Object.entries(voc.specialties));
  const emergencyTable = phraseTable(voc.emergency.map((p) => [true, [p]] as [true, string[]]));
  const stopwords = new Set(voc.stopwords.flatMap((w) => tokenize(w)));

  // Every word the knowledge base knows, for typo correction.
  const known = new Set<string>();
  const learn = (text: string) => tokenize(text).forEach((t) => known.add(t));
  for (const e of kb.entries) {
    e.examples.forEach(learn);
    learn(e.title);
  }
  for (const [from, to] of Object.entries(voc.synonyms)) {
    learn(from);
    learn(to);
  }
  Object.values(voc.topics).flat().forEach(learn);
  Object.values(voc.specialties).flat().forEach(learn);
  voc.emergency.forEach(learn);
  stopwords.forEach((w) => known.add(w));
  // Never "correct" an unknown word into an emergency word: "checking" is not "choking".
  const emergencyWords = new Set(voc.emergency.flatMap((p) => tokenize(p, { phrase: true })));
  const knownList = [...known].filter((w) => w.length >= 3 && !emergencyWords.has(w)).sort();
  const corrections = new Map<string, string>();
  const correct = (t: string): string => {
    if (known.has(t) || t.length < 4 || /\d/.test(t)) return t;
    let c = corrections.get(t);
    if (c === undefined) {
      const best = closest(t, knownList);
      const limit = t.length >= 9 ? 2 : 1;
      c = best && distance(t, best) <= limit ? best : t;
      if (corrections.size < 20_000) corrections.set(t, c);
    }
    return c;
  };

  const features = (tokens: string[]): Map<string, number> => {
    // Numbers and month names say when, not what: "start in March 2027" is not a question about the ERAS calendar.
    const stems = tokens.filter((t) => !stopwords.has(t) && !/^\d+$/.test(t) && !MONTHS.has(t)).map(stem);
    const f = new Map<string, number>();
    const add = (k: string, w: number) => f.set(k, (f.get(k) ?? 0) + w);
    stems.forEach((s, i) => {
      add(s, 1);
      const next = stems[i + 1];
      if (next !== undefined) add(`${s}_${next}`, 1);
    });
    return f;
  };

  const analyzeTokens = (text: string) => normalizeTokens(tokenize(text).map(correct));

  // Training: one vector per example question and per title.
  const raw: { entryId: string; intent: Intent; f: Map<string, number> }[] = [];
  for (const e of kb.entries) {
    for (const q of [...e.examples, e.title]) raw.push({ entryId: e.id, intent: e.intent, f: features(analyzeTokens(q)) });
  }
  const df = new Map<string, number>();
  for (const r of raw) for (const k of r.f.keys()) df.set(k, (df.get(k) ?? 0) + 1);
  const n = raw.length;
  const idf = (k: string) => Math.log((n + 1) / ((df.get(k) ?? 0) + 1)) + 1;
  /**
   * TF-IDF weights. A word the knowledge base has never seen cannot match
   * anything, but it still counts in the message's length (`countUnseen`), as
   * a rare word: "best pizza in boston" shares "in" with many questions and
   * should not look like any of them.
   */
  const weigh = (f: Map<string, number>, countUnseen = false): { vector: Vector; norm: number } => {
    const vector: Vector = new Map();
    let sq = 0;
    for (const [k, tf] of f) {
      const bigram = k.includes("_");
      if (!df.has(k)) {
        if (countUnseen && !bigram) sq += (idf(k) * (1 + Math.log(tf))) ** 2;
        continue;
      }
      const w = (1 + Math.log(tf)) * idf(k) * (bigram ? 0.7 : 1);
      vector.set(k, w);
      sq += w * w;
    }
    return { vector, norm: Math.sqrt(sq) };
  };
  const examples: Example[] = raw.map((r) => ({ entryId: r.entryId, intent: r.intent, ...weigh(r.f) }));
  // Each entry's centroid: the sum of its questions' unit vectors, so words it uses often weigh more.
  const centroids: Example[] = kb.entries.map((e) => {
    const sum: Vector = new Map();
    for (const ex of examples) {
      if (ex.entryId !== e.id || ex.norm === 0) continue;
      for (const [k, w] of ex.vector) sum.set(k, (sum.get(k) ?? 0) + w / ex.norm);
    }
    let sq = 0;
    for (const w of sum.values()) sq += w * w;
    return { entryId: e.id, intent: e.intent, vector: sum, norm: Math.sqrt(sq) };
  });
  const centroidPostings = new Map<string, { ex: Example; w: number }[]>();
  for (const c of centroids) {
    for (const [k, w] of c.vector) {
      const list = centroidPostings.get(k) ?? [];
      list.push({ ex: c, w });
      centroidPostings.set(k, list);
    }
  }
  const topicsOf = new Map(kb.entries.map((e) => [e.id, e.topics]));
  const postings = new Map<string, { ex: Example; w: number }[]>();
  for (const ex of examples) {
    for (const [k, w] of ex.vector) {
      const list = postings.get(k) ?? [];
      list.push({ ex, w });
      postings.set(k, list);
    }
  }

  return {
    analyze(text: string): Analysis {
      const tokens = analyzeTokens(text);
      const topics: string[] = [];
      for (const h of topicTable.find(tokens)) if (!topics.includes(h.value)) topics.push(h.value);
      const specialties = specialtyTable.find(tokens).map((h) => ({ key: h.value, start: h.start }));
      const emergency = emergencyTable.find(tokens).length > 0;

      const { vector, norm } = weigh(features(tokens), true);
      const cosines = (index: Map<string, { ex: Example; w: number }[]>) => {
        const dots = new Map<Example, number>();
        for (const [k, w] of vector) {
          for (const p of index.get(k) ?? []) dots.set(p.ex, (dots.get(p.ex) ?? 0) + w * p.w);
        }
        const best = new Map<string, number>();
        for (const [ex, dot] of dots) {
          const cos = norm > 0 && ex.norm > 0 ? dot / (norm * ex.norm) : 0;
          if (cos > (best.get(ex.entryId) ?? 0)) best.set(ex.entryId, cos);
        }
        return best;
      };
      const nearest = cosines(postings);
      const central = cosines(centroidPostings);
      const entryScores = new Map<string, number>();
      for (const [id, n] of nearest) entryScores.set(id, NEAREST_WEIGHT * n + (1 - NEAREST_WEIGHT) * (central.get(id) ?? 0));
      // An intent is as likely as its best entry, counting the subjects the message names.
      const intentScores = new Map<Intent, number>();
      const intentOf = new Map(kb.entries.map((e) => [e.id, e.intent]));
      for (const [id, score] of entryScores) {
        const hits = (topicsOf.get(id) ?? []).filter((t) => topics.includes(t)).length;
        const ranked = score + TOPIC_BONUS * hits;
        const intent = intentOf.get(id) as Intent;
        if (ranked > (intentScores.get(intent) ?? 0)) intentScores.set(intent, ranked);
      }
      const intents = [...intentScores]
        .map(([intent, score]) => ({ intent, score }))
        .sort((a, b) => b.score - a.score || a.intent.localeCompare(b.intent));
      return { tokens, topics, specialties, emergency, intents, entryScores, nearest };
    },
  };
}
