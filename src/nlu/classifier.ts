import { distance } from "fastest-levenshtein";
import { loadDictionary, type Dictionary } from "./dictionary.js";
import type { Intent } from "../core/intents.js";
import type { KnowledgeBase } from "../knowledge/loader.js";
import { createPhraseTable, rewrite, stem, tokenize, type PhraseTable } from "./normalize.js";
import { learnCues } from "./cues.js";
import { createNaiveBayes } from "./naive-bayes.js";
import { createTfidfIndex } from "./tfidf.js";
import { trainLinearSvm } from "./linear.js";
import { MONTH_NAMES } from "./details.js";

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
  /** Content words that are neither subjects, nor function words, nor follow-up words ("and", "what about"), nor addressees ("everyone"). */
  residual: string[];
  /** Subjects the message says no to ("I don't need a counselor"): not among `topics`. */
  refused: string[];
}

export interface Nlu {
  /** `context`: the subjects of the conversation so far, used when the message names none. */
  analyze(text: string, context?: { topics: readonly string[] }): Analysis;
}


/** Words before a subject that set it aside: "other than", "except", "apart from", "besides". */
const SET_ASIDE = [["other", "than"], ["except"], ["excluding"], ["apart", "from"], ["besides"]];

/** Whether the subject starting at token `start` follows words that set it aside. */
function setAside(tokens: readonly string[], start: number): boolean {
  return SET_ASIDE.some((words) => words.every((w, i) => tokens[start - words.length + i] === w));
}

/**
 * Words that say no to a subject after them, and how many tokens before it each reaches: "I do not want to talk to a
 * counselor", "never a human", "no human please", "without a counselor". A bare "no" reaches one word only: in "no, I
 * want a counselor" it answers the question before.
 */
const NEGATIONS = new Map([["not", 6], ["never", 6], ["no", 1], ["without", 2]]);
const NEGATION_REACH = Math.max(...NEGATIONS.values());

/** Whether a negation reaches the subject starting at token `start`. */
function negated(tokens: readonly string[], start: number): boolean {
  for (let i = Math.max(0, start - NEGATION_REACH); i < start; i++) {
    const reach = NEGATIONS.get(tokens[i] as string);
    if (reach !== undefined && start - i <= reach) return true;
  }
  return false;
}

/** The tokens that none of the phrase matches `hits` covers. */
function uncovered(tokens: readonly string[], hits: readonly { start: number; length: number }[]): string[] {
  const covered = new Set<number>();
  for (const h of hits) for (let i = h.start; i < h.start + h.length; i++) covered.add(i);
  return tokens.filter((_, i) => !covered.has(i));
}

let english: Dictionary | undefined;
/** The English dictionary, loaded on first need (most messages have no unknown word). */
function englishWords(): Dictionary {
  english ??= loadDictionary();
  return english;
}

/** Pieces joined into this many letters may be a typo of a known word; shorter joins must be exact. */
const JOIN_MIN_FOR_TYPO = 8;

const NUMBER_WORDS = new Set("one two three four five six seven eight nine ten eleven twelve".split(" "));

const MONTHS = new Set(MONTH_NAMES);

/** How many words' typo searches each classifier remembers. */
const MEMO_WORDS = 20_000;
/** Share of an entry's score from its single closest question; the rest comes from all its questions together. */
const NEAREST_WEIGHT = 0.6;
/** Cosine at which a message counts as one of an entry's own questions, and the bonus that gives. */
const EXACT_MATCH = 0.99;
const EXACT_BONUS = 0.2;
/** How much an intent's score depends on the share of the message's words its questions use. */
const COVERAGE_WEIGHT = 0.3;
/**
 * How much the linear model's decision value (where positive) adds to an entry's similarity. It reads a long post by
 * the words that tell entries apart; the nearest-neighbour similarity, a short question by its closest example.
 * Chosen on the forum dev set (test/eval/forum.jsonl): 0.3 gave +2 points there and +3 on the held-out forum-b set,
 * for -0.5 on the main set. Measured again on 8 Dec as the mean over five training seeds (`npm run eval -- --seeds
 * 5`), every weight from 0.3 to 1.0 is level within 0.3 points on all three sets; 0.3 stays.
 */
const LINEAR_WEIGHT = 0.3;
/** How much the naive Bayes posterior of an intent adds to the score of its best entry. */
const BAYES_WEIGHT = 0.1;
/**
 * Share by which an entry's score grows per subject of the conversation it is about, when the message names none.
 * In proportion, so that it lifts an entry the message already resembles ("who uploads them?" after letters),
 * not one it hardly matches (an aside about cricket after a question on observerships).
 */
const CONTEXT_GAIN = 0.3;
/** How much an intent's strongest cue word (a word its questions use almost exclusively: "fee", "when") adds to its score. */
const CUE_WEIGHT = 0.15;
/**
 * Small talk needs a cue of its own: a subject of a small-talk entry ("thanks", a greeting), a message this close
 * (cosine) to one of its questions, or one whose every word small-talk questions use. Otherwise "can you read my
 * ecg" is "who are you" for its "can you", and "bitcoin price today" a goodbye for its "today".
 */
const SMALLTALK_WITHOUT_CUE = 0.8;
/** The vocabulary topic that every specialty of `specialties` stands for. */
const SPECIALTY_TOPIC = "specialty";
/** Bonus per subject of the entry that the message names, when ranking intents. */
const TOPIC_BONUS = 0.1;

/** `seed`: the shuffle seed of the linear model's training (1 unless the eval measures the spread over seeds). */
export function createNlu(kb: KnowledgeBase, options: { seed?: number } = {}): Nlu {
  const voc = kb.vocabulary;
  const synonyms = createPhraseTable(Object.entries(voc.synonyms).map(([from, to]) => [from, tokenize(to, { phrase: true })] as [string, string[]]));
  const normalizeTokens = (tokens: string[]) => rewrite(tokens, synonyms);
  const phraseTable = <V>(groups: [V, string[]][], plurals = false): PhraseTable<V> =>
    createPhraseTable(
      groups.flatMap(([value, phrases]) => phrases.map((p) => [normalizeTokens(tokenize(p, { phrase: true })).join(" "), value] as [string, V])),
      { plurals },
    );
  const topicTable = phraseTable(Object.entries(voc.topics), true);
  const specialtyTable = phraseTable(Object.entries(voc.specialties));
  const emergencyTable = phraseTable(voc.emergency.map((p) => [true, [p]] as [true, string[]]));
  const stopwords = new Set(voc.stopwords.flatMap((w) => tokenize(w)));
  const addressees = new Set(voc.addressees.flatMap((w) => tokenize(w)));
  const negatable = new Set(voc.negatable);

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
  // Correction candidates bucketed by length: a word within edit distance d has a length within d.
  const byLength = new Map<number, string[]>();
  for (const w of [...known].filter((w) => w.length >= 3 && !emergencyWords.has(w))) {
    const bucket = byLength.get(w.length) ?? [];
    bucket.push(w);
    byLength.set(w.length, bucket);
  }
  // No known word is within two edits of a longer one: such a token ("xxxx…", 4,000 letters) is not tried at all.
  const longestCorrectable = Math.max(0, ...byLength.keys()) + 2;
  /** The known word closest to `t` within `limit` edits (ties: alphabetical), if any. */
  const nearestKnown = (t: string, limit: number): string | undefined => {
    let best: string | undefined;
    let bestDistance = limit + 1;
    for (let len = t.length - limit; len <= t.length + limit; len++) {
      for (const w of byLength.get(len) ?? []) {
        const d = distance(t, w);
        if (d < bestDistance || (d === bestDistance && best !== undefined && w < best)) {
          best = w;
          bestDistance = d;
        }
      }
    }
    return bestDistance <= limit ? best : undefined;
  };
  /** The known word `t` becomes by swapping two adjacent letters ("tofel" -> "toefl"): one slip, though two edits. */
  const swappedKnown = (t: string): string | undefined => {
    for (let i = 0; i + 1 < t.length; i++) {
      const w = t.slice(0, i) + t[i + 1] + t[i] + t.slice(i + 2);
      if (w !== t && known.has(w) && !emergencyWords.has(w)) return w;
    }
    return undefined;
  };
  /** A word's typo search, remembered for up to MEMO_WORDS words: the search is the costly part of reading a message. */
  const remembered = <V>(search: (w: string) => V): ((w: string) => V) => {
    const memo = new Map<string, V>();
    return (w) => {
      if (memo.has(w)) return memo.get(w) as V;
      const found = search(w);
      if (memo.size < MEMO_WORDS) memo.set(w, found);
      return found;
    };
  };
  const correction = remembered((t) => swappedKnown(t) ?? nearestKnown(t, t.length >= 9 ? 2 : 1) ?? t);
  const correct = (t: string): string =>
    // A real English word is never "corrected": "sort" is not "port", "march" is not "match".
    known.has(t) || t.length < 4 || t.length > longestCorrectable || /\d/.test(t) || englishWords().has(t) ? t : correction(t);

  const features = (tokens: string[]): Map<string, number> => {
    // Numbers and month names say when, not what: "start in March 2027" is not a question about the ERAS calendar.
    // Number words are numbers: "four letters" reads as "4 letters" does.
    const stems = tokens.filter((t) => !stopwords.has(t) && !/^\d+$/.test(t) && !NUMBER_WORDS.has(t) && !MONTHS.has(t)).map(stem);
    const f = new Map<string, number>();
    const add = (k: string, w: number) => f.set(k, (f.get(k) ?? 0) + w);
    stems.forEach((s, i) => {
      add(s, 1);
      const next = stems[i + 1];
      if (next !== undefined) add(`${s}_${next}`, 1);
    });
    return f;
  };

  /** The known word a joined token is one typo away from, if any. */
  const joinedTypo = remembered((word) => nearestKnown(word, 1));
  const isWord = (t: string) => known.has(t) || /\d/.test(t) || englishWords().has(t);
  /**
   * A word typed in pieces ("assalam o alaikum", "obser vership"): two or three adjacent tokens, one of them no
   * word at all, are joined when together they make a word the knowledge base knows (or a small typo of a long one).
   */
  const joinPieces = (tokens: string[]): string[] => {
    if (tokens.every(isWord)) return tokens;
    const out: string[] = [];
    for (let i = 0; i < tokens.length; i++) {
      let joined: string | undefined;
      for (const n of [3, 2]) {
        const pieces = tokens.slice(i, i + n);
        if (pieces.length < n || pieces.every(isWord)) continue;
        const word = pieces.join("");
        const match = known.has(word) ? word : word.length >= JOIN_MIN_FOR_TYPO ? joinedTypo(word) : undefined;
        if (match) {
          joined = match;
          i += n - 1;
          break;
        }
      }
      out.push(joined ?? (tokens[i] as string));
    }
    return out;
  };
  const analyzeTokens = (text: string) => normalizeTokens(joinPieces(tokenize(text)).map(correct));

  const docs = kb.entries.flatMap((e) => [...e.examples, e.title].map((q) => ({ entryId: e.id, intent: e.intent, features: features(analyzeTokens(q)) })));
  const index = createTfidfIndex(docs.map((d) => ({ label: d.entryId, features: d.features })));
  const linear = trainLinearSvm(docs.map((d) => ({ label: d.entryId, features: d.features })), { seed: options.seed });
  const bayes = createNaiveBayes(docs.map((d) => ({ label: d.intent, features: d.features })));
  const unigrams = (f: Map<string, number>) => [...f.keys()].filter((k) => !k.includes("_"));
  const cues = learnCues(docs.map((d) => ({ label: d.intent, words: unigrams(d.features) })));
  // The word stems each intent's questions use, to see how much of a message an intent can account for.
  const wordsOf = new Map<Intent, Set<string>>();
  for (const d of docs) {
    const set = wordsOf.get(d.intent) ?? new Set<string>();
    for (const k of d.features.keys()) if (!k.includes("_")) set.add(k);
    wordsOf.set(d.intent, set);
  }
  const intentOf = new Map(kb.entries.map((e) => [e.id, e.intent]));
  const blend = (r: { nearest: Map<string, number>; centroid: Map<string, number> }) => {
    const out = new Map<string, number>();
    for (const [id, n] of r.nearest) out.set(id, NEAREST_WEIGHT * n + (1 - NEAREST_WEIGHT) * (r.centroid.get(id) ?? 0));
    return out;
  };
  const topicsOf = new Map(kb.entries.map((e) => [e.id, e.topics]));
  const NO_TOPICS: readonly string[] = [];
  const smalltalkTopics = new Set(kb.entries.filter((e) => e.intent === "smalltalk").flatMap((e) => e.topics));
  const followUpTable = phraseTable(voc.follow_up.map((p) => [true, [p]] as [true, string[]]));

  return {
    analyze(text: string, context?: { topics: readonly string[] }): Analysis {
      const tokens = analyzeTokens(text);
      // "requirements other than usmle": a subject set aside is not what the message asks about.
      const allHits = topicTable.find(tokens);
      // "I don't need a counselor, just tell me…": a subject the student says no to is not asked for, and neither are
      // the entries about it.
      const refused = new Set(allHits.filter((h) => negatable.has(h.value) && negated(tokens, h.start)).map((h) => h.value));
      const topicHits = allHits.filter((h) => !setAside(tokens, h.start) && !refused.has(h.value));
      const specialtyHits = specialtyTable.find(tokens);
      const specialties = specialtyHits.map((h) => ({ key: h.value, start: h.start }));
      // A named specialty ("IM", "peds") is the subject "specialty" too: "i want IM, which rotation?" is about choosing by specialty.
      const subjectHits = specialtyHits.length > 0 && SPECIALTY_TOPIC in voc.topics ? [...topicHits, { ...specialtyHits[0]!, value: SPECIALTY_TOPIC }] : topicHits;
      const topics = [...new Set(subjectHits.map((h) => h.value))];
      const emergency = emergencyTable.find(tokens).length > 0;
      // What is left once the subjects and the follow-up words ("and", "what about") are taken out.
      const rest = uncovered(tokens, subjectHits);
      const residual = uncovered(rest, followUpTable.find(rest)).filter((t) => !stopwords.has(t) && !addressees.has(t));

      const messageFeatures = features(tokens);
      const scores = index.score(messageFeatures);
      const posterior = bayes.posterior(messageFeatures);
      const entryScores = blend(scores);
      // The linear model's view of which entry this is adds to the nearest-neighbour similarity where it is positive.
      // It reads the message alone: a message that names no subject of its own after a conversation has one ("how early
      // should I apply?" after a question on observerships), or nothing but a subject ("and for graduates?"), is left
      // to the conversation's subject.
      const standsAlone = topics.length > 0 || (context?.topics.length ?? 0) === 0;
      if (standsAlone && residual.length > 0) {
        for (const { label, score } of linear.rank(messageFeatures)) {
          if (score > 0) entryScores.set(label, (entryScores.get(label) ?? 0) + LINEAR_WEIGHT * score);
        }
      }
      // An entry about a subject the student said no to ("I don't need a counselor") is not a candidate at all.
      if (refused.size > 0) for (const id of entryScores.keys()) if ((topicsOf.get(id) ?? NO_TOPICS).some((t) => refused.has(t))) entryScores.delete(id);
      // An intent is as likely as its best entry, counting the subjects the message names.
      const intentScores = new Map<Intent, number>();
      const inherited = topics.length === 0 ? (context?.topics ?? []) : [];
      const words = unigrams(messageFeatures);
      const coverageOf = (intent: Intent) => {
        const vocabulary = wordsOf.get(intent);
        return words.length > 0 && vocabulary ? words.filter((w) => vocabulary.has(w)).length / words.length : 1;
      };
      const smalltalkCue = topics.some((t) => smalltalkTopics.has(t)) || coverageOf("smalltalk") === 1;
      for (const [id, score] of entryScores) {
        const intent = intentOf.get(id) as Intent;
        if (intent === "smalltalk" && !smalltalkCue && (scores.nearest.get(id) ?? 0) < SMALLTALK_WITHOUT_CUE) continue;
        let hits = 0;
        let carried = 0;
        for (const t of topicsOf.get(id) ?? NO_TOPICS) {
          if (topics.includes(t)) hits++;
          if (inherited.includes(t)) carried++;
        }
        // A question the knowledge base lists word for word is that entry's, whatever else it resembles.
        const exact = (scores.nearest.get(id) ?? 0) >= EXACT_MATCH ? EXACT_BONUS : 0;
        const ranked = score * (1 + CONTEXT_GAIN * carried) + TOPIC_BONUS * hits + exact;
        if (ranked > (intentScores.get(intent) ?? 0)) intentScores.set(intent, ranked);
      }
      // The nearest entry says what the message is about; the pooled intent model, what kind of question it is;
      // and an intent whose questions never use most of the message's words is a poor fit for it.
      // A cue word ("fees", "price") says what kind of question it is, even when the subject is someone else's.
      const cueStrengths = cues.strengths(words);
      for (const [intent, score] of intentScores) {
        const coverage = coverageOf(intent);
        const evidence = score + BAYES_WEIGHT * (posterior.get(intent) ?? 0) + CUE_WEIGHT * (cueStrengths.get(intent) ?? 0);
        intentScores.set(intent, evidence * (1 - COVERAGE_WEIGHT + COVERAGE_WEIGHT * coverage));
      }
      const intents = [...intentScores]
        .map(([intent, score]) => ({ intent, score }))
        .sort((a, b) => b.score - a.score || a.intent.localeCompare(b.intent));
      return { tokens, topics, specialties, emergency, intents, entryScores, nearest: scores.nearest, residual, refused: [...refused] };
    },
  };
}
