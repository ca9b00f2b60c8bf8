/**
 * Text hygiene shared by every channel: what a student sends is made safe to
 * store and to process, and nothing is silently dropped.
 */

const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\uFE00-\uFE0F\u202A-\u202E\u2066-\u2069]|\uDB40[\uDC00-\uDC7F]/g;

/** Removes zero-width, joiner, bidi-override, variation-selector and tag characters (RELIABILITY.md, prompt injection). */
export function stripInvisible(text: string): string {
  return text.toWellFormed().replace(INVISIBLE, "");
}
// C0/C1 control characters except tab and newline.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

export interface CleanText {
  text: string;
  truncated: boolean;
  /** Length before capping, in characters. */
  originalLength: number;
}

/**
 * Removes control and invisible characters, replaces lone surrogates (invalid
 * UTF-16) with U+FFFD, trims, and caps the length at `maxChars` characters
 * without splitting a surrogate pair.
 */
export function cleanInput(raw: string, maxChars: number): CleanText {
  const wellFormed = String(raw ?? "").toWellFormed();
  const text = wellFormed.replace(CONTROL, " ").replace(INVISIBLE, "").replace(/[ \t]+/g, " ").trim();
  const chars = Array.from(text);
  if (chars.length <= maxChars) return { text, truncated: false, originalLength: chars.length };
  return { text: chars.slice(0, maxChars).join("").trimEnd(), truncated: true, originalLength: chars.length };
}
