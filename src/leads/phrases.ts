import { tokenize } from "../nlu/normalize.js";

/** A text as phrases are compared: lower-case words, contractions expanded ("I'm" → "i am"), punctuation gone. */
export function said(text: string): string {
  return tokenize(text).join(" ");
}

/** Phrases of `_leads.yaml` compared the same way, once per phrase list. */
const normalized = new WeakMap<readonly string[], string[]>();
function norm(phrases: readonly string[]): string[] {
  let n = normalized.get(phrases);
  if (!n) {
    n = phrases.map(said).filter((p) => p.length > 0);
    normalized.set(phrases, n);
  }
  return n;
}

/** Whether a phrase occurs in the text as whole words ("how do i pay" in "how do I pay the VSLO fee?"). */
export function mentions(text: string, phrases: readonly string[]): boolean {
  const s = ` ${said(text)} `;
  return norm(phrases).some((p) => s.includes(` ${p} `));
}

/** Words that may follow an answer without changing it ("yes please", "stop thanks"). */
const MAX_EXTRA_WORDS = 2;

/**
 * Whether the whole message is one of the phrases, perhaps with a couple of
 * words after it ("stop please"), or exactly (`exact`: a yes or no, where
 * "ok, see you" must not count as "ok").
 */
export function answers(text: string, phrases: readonly string[], options: { exact?: boolean } = {}): boolean {
  const s = said(text);
  const extra = options.exact ? 0 : MAX_EXTRA_WORDS;
  return norm(phrases).some((p) => s === p || (s.startsWith(`${p} `) && s.split(" ").length - p.split(" ").length <= extra));
}
