import type { FrontMatter } from "./schema.js";

/**
 * Which entries can go out of date, so `kb check` can ask for a `review_by`.
 * The rule is meant to be read by admins (README, "Editing the knowledge
 * base"), so it is a short list of visible signals, not a guess:
 *
 * an entry is time-sensitive when `time_sensitive: true`, or, unless
 * `time_sensitive: false`, when it has structured costs, lead times or dates,
 * or its answer states a dollar amount, a year (1990-2099), or the name of an
 * institution listed under `institutions` in `_vocabulary.yaml`.
 */

type Reviewable = Pick<FrontMatter, "time_sensitive" | "facts"> & { body: string };

const DOLLARS = /\$\s?\d/;
const YEAR = /\b(?:199\d|20\d\d)\b/;

/** The first signal that makes this entry time-sensitive, in words for the warning; null when none does. */
export function timeSensitivity(entry: Reviewable, institutions: readonly string[]): string | null {
  if (entry.time_sensitive === false) return null;
  if (entry.time_sensitive === true) return "it is marked time_sensitive";
  const facts = entry.facts;
  if (facts?.costs?.length) return "it has structured costs";
  if (facts?.lead_times?.length) return "it has structured lead times";
  if (facts?.dates?.length) return "it has structured dates";
  const dollars = DOLLARS.exec(entry.body);
  if (dollars) return `it states a fee (${amountAt(entry.body, dollars.index)})`;
  const year = YEAR.exec(entry.body);
  if (year) return `it states a date (${year[0]})`;
  const named = institutions.find((name) => new RegExp(`\\b${escape(name)}\\b`).test(entry.body));
  if (named) return `it quotes a rule of ${named}`;
  return null;
}

/** True when the entry has structured dates and every one of them is before `today` (YYYY-MM-DD). */
export function allDatesPast(entry: Pick<FrontMatter, "facts">, today: string): boolean {
  const dates = entry.facts?.dates ?? [];
  return dates.length > 0 && dates.every((d) => d.date < today);
}

function amountAt(text: string, index: number): string {
  return /^\$\s?\d+(?:[,.]\d+)*/.exec(text.slice(index))?.[0] ?? "$";
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
