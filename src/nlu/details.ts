import { createRequire } from "node:module";
import type * as Chrono from "chrono-node";
import type { Vocabulary } from "../knowledge/schema.js";
import { createPhraseTable, type PhraseTable } from "./normalize.js";

/** Month names and their abbreviations, as the tokenizer leaves them. */
export const MONTH_NAMES = "january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec".split(" ");

/** The specifics of one question: how long, in which currency, from when, for which Match. */
export interface Details {
  weeks?: number;
  /** What the student called the currency ("inr", "rupees"), or their country key. */
  currency?: string;
  /** A start date the message names, and whether the year was written out. */
  start?: { date: Date; yearGiven: boolean };
  matchYear?: number;
}

const DURATION = /\b(\d{1,2}|one|two|three|four|six|eight|twelve)\s*-?\s*(weeks?|wks?|months?|mnths?|mos?)\b/i;
const NUMBER_WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, six: 6, eight: 8, twelve: 12 };
const CURRENCY_WORD = /\b(rupees?|taka|naira|pesos?|dirhams?|riyals?|yuan|euros?|rubles?|roubles?|shillings?)\b/i;
const CURRENCY_CODE = /\b(inr|pkr|bdt|npr|lkr|egp|ngn|php|aed|sar|cny|eur|gbp|rub|kes|kgs|uzs|brl|mxn|irr)\b/i;
const LOCAL_CURRENCY = /\b(local|my|our|home)\s+(currency|money)\b/i;
/** Only a message that names a month or a relative time can name a start date (and chrono is not free). */
const START_CUE =
  /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b|\b(next|this|coming) (month|year|summer|winter|spring|fall|autumn)\b|\bin \d+ (months?|weeks?)\b|\b\d{1,2}[/-]\d{2,4}\b/i;

/** chrono-node takes a fifth of a second to load: loaded the first time a message names a month. */
let chrono: typeof Chrono | undefined;
const loadChrono = (): typeof Chrono => (chrono ??= createRequire(import.meta.url)("chrono-node") as typeof Chrono);

/** Dates at noon UTC, so that formatting in any server time zone keeps the same calendar day. */
const noonUtc = (d: Date) => new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), 12));

export function extractDetails(text: string, now: Date): Details {
  const details: Details = {};
  const duration = DURATION.exec(text);
  if (duration) {
    const n = Number(duration[1]) || NUMBER_WORDS[(duration[1] ?? "").toLowerCase()] || 0;
    const unit = (duration[2] ?? "").toLowerCase();
    if (n > 0) details.weeks = unit.startsWith("w") ? n : n * 4;
  }
  const currency = CURRENCY_WORD.exec(text)?.[1] ?? CURRENCY_CODE.exec(text)?.[1] ?? (LOCAL_CURRENCY.test(text) ? "local" : undefined);
  if (currency) details.currency = currency.toLowerCase().replace(/s$/, "");
  const match = /\bmatch(?:ing)?\s+(?:in\s+|for\s+)?((?:20)\d{2})\b|\b((?:20)\d{2})\s+match\b/i.exec(text);
  if (match) details.matchYear = Number(match[1] ?? match[2]);
  if (START_CUE.test(text)) {
    for (const r of loadChrono().parse(text, now, { forwardDate: true })) {
      if (/^\s*(in\s+)?\d+\s*(weeks?|days?)\s*$/i.test(r.text) || !r.start.isCertain("month")) continue;
      if (details.matchYear && r.text.includes(String(details.matchYear)) && !/[a-z]/i.test(r.text.replace(/match/i, ""))) continue;
      details.start = { date: noonUtc(r.start.date()), yearGiven: r.start.isCertain("year") };
      if (!details.start.yearGiven) details.start = relativeYear(text, r.index, r.text.length, details.start.date, now) ?? details.start;
      break;
    }
  }
  return details;
}

/**
 * A month whose year the words around it say: "August this year" is this calendar year (chrono would take the next
 * August), "March next year" next year, and "next June" or "this coming June" the next June from now. Read within a
 * few words of the month, so "this year" elsewhere in a long message does not move it.
 */
function relativeYear(text: string, index: number, length: number, date: Date, now: Date): { date: Date; yearGiven: true } | undefined {
  const before = text.slice(Math.max(0, index - 20), index).toLowerCase();
  const after = text.slice(index + length, index + length + 20).toLowerCase();
  const around = `${before} ${after}`;
  const year = now.getUTCFullYear();
  const inYear = (y: number) => ({ date: new Date(Date.UTC(y, date.getUTCMonth(), date.getUTCDate(), 12)), yearGiven: true as const });
  if (/\b(?:of |in )?this year\b/.test(around)) return inYear(year);
  if (/\b(?:of |in )?next year\b/.test(around)) return inYear(year + 1);
  if (/\b(?:next|this coming|coming)\s*$/.test(before)) return { date, yearGiven: true };
  return undefined;
}

/** The country a student names ("I'm from India", "Pakistani student"), as a key of `countries`. */
export function findCountry(tokens: readonly string[], vocabulary: Vocabulary): string | undefined {
  let table = countryTables.get(vocabulary);
  if (!table) {
    table = createPhraseTable(Object.entries(vocabulary.countries).flatMap(([key, names]) => names.map((n) => [n, key] as [string, string])));
    countryTables.set(vocabulary, table);
  }
  return table.find(tokens)[0]?.value;
}

/** One phrase table per vocabulary (a reload brings a new vocabulary object). */
const countryTables = new WeakMap<Vocabulary, PhraseTable<string>>();

