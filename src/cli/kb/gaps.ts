import { stem, tokenize } from "../../nlu/normalize.js";

export interface Gap {
  /** The most common wording in the group. */
  example: string;
  count: number;
  /** Up to three other wordings. */
  variants: string[];
  lastSeen: Date;
}

/** Two questions whose word sets overlap at least this much (Jaccard) are one gap. */
const SIMILARITY = 0.5;

/**
 * Groups unanswered questions by similarity of their content words, most
 * frequent group first, so an admin sees what to write next.
 */
export function groupGaps(questions: { text: string; createdAt: Date }[], stopwords: Iterable<string> = []): Gap[] {
  const stop = new Set(stopwords);
  const groups: { words: Set<string>; texts: Map<string, number>; count: number; lastSeen: Date }[] = [];
  for (const q of questions) {
    const words = new Set(tokenize(q.text).filter((t) => !stop.has(t)).map(stem));
    let best: (typeof groups)[number] | undefined;
    let bestScore = 0;
    for (const g of groups) {
      const score = jaccard(words, g.words);
      if (score > bestScore) {
        best = g;
        bestScore = score;
      }
    }
    const text = q.text.trim();
    if (best && bestScore >= SIMILARITY) {
      best.count++;
      best.texts.set(text, (best.texts.get(text) ?? 0) + 1);
      if (q.createdAt > best.lastSeen) best.lastSeen = q.createdAt;
    } else {
      groups.push({ words, texts: new Map([[text, 1]]), count: 1, lastSeen: q.createdAt });
    }
  }
  return groups
    .map((g) => {
      const ranked = [...g.texts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t]) => t);
      return { example: ranked[0] ?? "", count: g.count, variants: ranked.slice(1, 4), lastSeen: g.lastSeen };
    })
    .sort((a, b) => b.count - a.count || b.lastSeen.getTime() - a.lastSeen.getTime());
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let both = 0;
  for (const x of a) if (b.has(x)) both++;
  return both / (a.size + b.size - both);
}
