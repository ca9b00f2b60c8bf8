import { stemmer } from "stemmer";

/**
 * Turning what students type into comparable tokens: lower case, contractions
 * expanded, punctuation removed, shorthand rewritten through the synonym table
 * of `knowledge/_vocabulary.yaml`.
 */

const CONTRACTIONS: [RegExp, string][] = [
  [/\b(can)'?t\b/g, "cannot"],
  [/\bwon'?t\b/g, "will not"],
  [/\b(\w+)n't\b/g, "$1 not"],
  [/\bi'm\b/g, "i am"],
  [/\b(\w+)'re\b/g, "$1 are"],
  [/\b(\w+)'ve\b/g, "$1 have"],
  [/\b(\w+)'ll\b/g, "$1 will"],
  [/\b(\w+)'d\b/g, "$1 would"],
  [/\b(what|that|it|there|who|where|how|here)'s\b/g, "$1 is"],
  [/'s\b/g, ""],
];

/** Words after a bare "im" that show it means "I'm", not internal medicine. */
const AFTER_IM_MEANS_I_AM = new Set(
  "a an the not from in currently doing interested planning going looking still also final just now very really working studying applying trying confused new".split(
    " ",
  ),
);

/**
 * Lower-cases and splits into word tokens (letters and digits). In a student's
 * message a bare "im" before words such as "a" or "interested" is read as
 * "I'm"; `phrase: true` (vocabulary entries) keeps every "im" as written.
 */
export function tokenize(text: string, options: { phrase?: boolean } = {}): string[] {
  // One message is tokenized several times per turn (classification, profile, details): remember the last few.
  const key = options.phrase ? `\u0001${text}` : text;
  const cached = tokenCache.get(key);
  if (cached) return [...cached];
  const tokens = tokenizeUncached(text, options);
  if (tokenCache.size >= TOKEN_CACHE_LIMIT) tokenCache.delete(tokenCache.keys().next().value as string);
  tokenCache.set(key, tokens);
  return [...tokens];
}

const TOKEN_CACHE_LIMIT = 512;
const tokenCache = new Map<string, string[]>();

function tokenizeUncached(text: string, options: { phrase?: boolean }): string[] {
  let s = text.normalize("NFKC").toLowerCase().replace(/[’‘`´]/g, "'");
  for (const [re, to] of CONTRACTIONS) s = s.replace(re, to);
  const tokens = s.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  if (options.phrase) return tokens;
  // "im a graduate" is "i am a graduate"; "im residency" is internal medicine.
  return tokens.flatMap((t, i) => {
    const next = tokens[i + 1];
    return t === "im" && next !== undefined && AFTER_IM_MEANS_I_AM.has(next) ? ["i", "am"] : [t];
  });
}

/** A phrase table matched on whole tokens, longest phrase first. */
export interface PhraseTable<V> {
  /** Each match: where it starts, how many tokens, and its value. */
  find(tokens: readonly string[]): { start: number; length: number; value: V }[];
}

/**
 * `plurals`: phrases and messages are compared in the singular, so "background
 * check" also finds "background checks". Only the plural ending is ignored: a
 * full stemmer would also make "medical" match "medication".
 */
export function createPhraseTable<V>(entries: Iterable<[phrase: string, value: V]>, options: { plurals?: boolean } = {}): PhraseTable<V> {
  const norm = options.plurals ? singular : (t: string) => t;
  const byFirst = new Map<string, { tokens: string[]; value: V }[]>();
  for (const [phrase, value] of entries) {
    const tokens = tokenize(phrase, { phrase: true }).map(norm);
    const first = tokens[0];
    if (first === undefined) continue;
    const list = byFirst.get(first) ?? [];
    list.push({ tokens, value });
    byFirst.set(first, list);
  }
  for (const list of byFirst.values()) list.sort((a, b) => b.tokens.length - a.tokens.length);
  return {
    find(raw) {
      const tokens = options.plurals ? raw.map(norm) : raw;
      const hits: { start: number; length: number; value: V }[] = [];
      for (let i = 0; i < tokens.length; ) {
        const candidates = byFirst.get(tokens[i] as string);
        const hit = candidates?.find((c) => c.tokens.every((t, k) => tokens[i + k] === t));
        if (hit) {
          hits.push({ start: i, length: hit.tokens.length, value: hit.value });
          i += hit.tokens.length;
        } else i++;
      }
      return hits;
    },
  };
}

/** Rewrites matched phrases with their replacement tokens. */
export function rewrite(tokens: readonly string[], table: PhraseTable<string[]>): string[] {
  const hits = table.find(tokens);
  if (hits.length === 0) return [...tokens];
  const out: string[] = [];
  let i = 0;
  for (const h of hits) {
    out.push(...tokens.slice(i, h.start), ...h.value);
    i = h.start + h.length;
  }
  out.push(...tokens.slice(i));
  return out;
}

/** A word without its plural ending: "checks" -> "check", "agencies" -> "agency"; "diagnosis", "class" unchanged. */
export function singular(token: string): string {
  if (token.length <= 3 || /(ss|us|is)$/.test(token)) return token;
  if (token.endsWith("ies")) return `${token.slice(0, -3)}y`;
  return token.endsWith("s") ? token.slice(0, -1) : token;
}

const stemCache = new Map<string, string>();
export function stem(token: string): string {
  let s = stemCache.get(token);
  if (s === undefined) {
    s = /^\d+$/.test(token) || token.length <= 3 ? token : stemmer(token);
    if (stemCache.size < 50_000) stemCache.set(token, s);
  }
  return s;
}
