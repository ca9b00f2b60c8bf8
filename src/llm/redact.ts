/**
 * Personal data out of every text before it reaches a language model: email
 * addresses, phone numbers and the names a student gave are replaced by
 * placeholders. Pure functions.
 */

const EMAIL = /[\p{L}\p{N}!#$%&'*+/=?^_`{|}~.-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}[\p{L}\p{N}-]*/gu;
/**
 * Phone numbers: E.164 (+14155550123), and local forms with spaces, dots,
 * dashes or brackets ((415) 555-0123, 0300-1234567, 98765 43210). At least 8
 * digits, so years, fees and durations ("2026", "$5,000", "4-8 weeks") are
 * left alone.
 */
const PHONE = /(?<![\p{L}\p{N}$€£₹])(?:\+|00)?\(?\d[\d\s().-]{6,}\d(?![\p{L}\p{N}])/gu;
const LINK = /(\b(?:https?:\/\/|www\.)[^\s<>()"']+)/i;
/** Dates that look like phone numbers: 2024-05-01, 01.05.2024, 1-5-2024. */
const DATE = /\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{4}/;
/** "my name is Ana Silva", "I am called …", "me llamo …", "je m'appelle …", "mera naam … hai". */
const NAME_INTRO = /\b(my name is|my name's|i am called|call me|this is|me llamo|mi nombre es|je m'appelle|je m’appelle|ich heiße|ich heisse|meu nome é|mera naam)\s+/giu;
/** Up to three capitalized words; a lower-case name is taken as one word. */
const CAPITALIZED = /^\p{Lu}[\p{L}'’-]*(?:\s+\p{Lu}[\p{L}'’-]*){0,2}/u;
const ONE_WORD = /^[\p{L}'’-]+/u;

export const PLACEHOLDER = { email: "[email]", phone: "[phone]", name: "[name]" } as const;

/**
 * Replaces emails, phone numbers and names in `text`. `knownNames` are names
 * the student gave earlier (their profile); each is replaced wherever it
 * appears, as a whole word, case-insensitively. Never throws.
 */
export function redact(text: string, knownNames: readonly string[] = []): string {
  // Digits inside links (document ids, paths) are not phone numbers.
  let out = text
    .replace(EMAIL, PLACEHOLDER.email)
    .split(LINK)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(PHONE, (m) => (digitCount(m) >= 8 && !DATE.test(m) ? PLACEHOLDER.phone : m))))
    .join("");
  const names = [...knownNames, ...introducedNames(out)];
  for (const name of names) {
    for (const part of name.split(/\s+/).filter((p) => p.length >= 2)) {
      out = out.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(part)}(?![\\p{L}\\p{N}])`, "giu"), PLACEHOLDER.name);
    }
  }
  return out;
}

/** Names introduced in `text` ("my name is Ana"), so that every mention of them can be redacted. */
export function introducedNames(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(NAME_INTRO)) {
    const rest = text.slice((m.index ?? 0) + m[0].length);
    // "this is about costs": only a capitalized word after "this is" is a name.
    const found = CAPITALIZED.exec(rest) ?? (/^this is$/i.test(m[1] ?? "") ? null : ONE_WORD.exec(rest));
    if (found && !/^\[/.test(rest)) names.push(found[0]);
  }
  return names;
}

function digitCount(s: string): number {
  return s.replace(/\D/g, "").length;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
