/**
 * Cue words learned from labelled questions: a word that the questions of one
 * label use almost exclusively ("fee", "price" in cost questions; "when" in
 * timing questions) says what kind of question a message is, whatever subject
 * it names. Where nearest-neighbour matching lets a long subject ("observership
 * … for a graduate") outweigh the one word that asks the question ("fees"),
 * a cue gives that word its own say.
 */
export interface CueTable {
  /** Per label, the strength (0–1) of the strongest cue among `words`; labels with no cue are absent. */
  strengths(words: Iterable<string>): Map<string, number>;
}

export interface CueOptions {
  /** A word must occur in at least this many questions to be a cue. */
  minQuestions?: number;
  /** Smoothing added to a word's question count: a word seen three times is less sure than one seen thirty. */
  smoothing?: number;
  /** Share (after smoothing) of a word's questions that must carry one label. */
  minShare?: number;
}

export function learnCues(docs: { label: string; words: Iterable<string> }[], options: CueOptions = {}): CueTable {
  const { minQuestions = 4, smoothing = 2, minShare = 0.7 } = options;
  const counts = new Map<string, Map<string, number>>();
  for (const d of docs) {
    for (const w of new Set(d.words)) {
      const byLabel = counts.get(w) ?? new Map<string, number>();
      byLabel.set(d.label, (byLabel.get(d.label) ?? 0) + 1);
      counts.set(w, byLabel);
    }
  }
  const cues = new Map<string, { label: string; strength: number }>();
  for (const [w, byLabel] of counts) {
    let total = 0;
    let best: [string, number] | undefined;
    for (const [label, n] of byLabel) {
      total += n;
      if (!best || n > best[1] || (n === best[1] && label < best[0])) best = [label, n];
    }
    if (!best || total < minQuestions) continue;
    const strength = best[1] / (total + smoothing);
    if (strength >= minShare) cues.set(w, { label: best[0], strength });
  }
  return {
    strengths(words) {
      const out = new Map<string, number>();
      for (const w of words) {
        const cue = cues.get(w);
        if (cue && cue.strength > (out.get(cue.label) ?? 0)) out.set(cue.label, cue.strength);
      }
      return out;
    },
  };
}
