/**
 * The grounding check: what a language model wrote may be sent to a student
 * only if every number, money amount, date, duration and link in it appears
 * in the facts it was given (the cited knowledge entries and rotabot's own
 * offline answer), it cites only entries it was given, it does not leak the
 * system prompt's canary, promise a Match, give medical advice, or carry chat
 * markup that pings people or runs scripts. Pure functions; nothing here
 * throws.
 */

import { stripInvisible } from "../nlu/text.js";

export type GroundingKind = "number" | "money" | "duration" | "date" | "link" | "citation" | "canary" | "promise" | "medical" | "markup" | "length" | "topic";

export interface GroundingProblem {
  kind: GroundingKind;
  /** What was found, for logs at debug level and for tests. */
  found: string;
}

export interface GroundingInput {
  /** The model's text, already passed through `stripInvisible`. */
  text: string;
  citedIds: readonly string[];
  suppliedIds: readonly string[];
  /** Everything the model was allowed to state: the entries' text and the offline answer. */
  facts: string;
  canary: string;
  /** The language the model says it wrote in (ISO 639-1); English answers are also checked for topicality. */
  language?: string;
}


/** Every problem found in `input.text`; an empty list means the text may be sent. */
export function checkGrounding(input: GroundingInput): GroundingProblem[] {
  const text = stripInvisible(input.text).normalize("NFKC");
  const facts = stripInvisible(input.facts).normalize("NFKC");
  const problems: GroundingProblem[] = [];
  const add = (kind: GroundingKind, found: string) => problems.push({ kind, found });

  if (text.trim().length === 0) add("length", "empty");
  if (text.length > 2 * facts.length + 600) add("length", `${text.length} characters`);
  if (leaksCanary(text, input.canary)) add("canary", "canary");
  for (const id of input.citedIds) if (!input.suppliedIds.includes(id)) add("citation", id);
  if (input.suppliedIds.length > 0 && input.citedIds.length === 0) add("citation", "none cited");

  // Digits of other scripts could carry numbers past the checks below: answers use ASCII digits.
  const foreignDigit = /(?![0-9])\p{Nd}/u.exec(text);
  if (foreignDigit) add("number", foreignDigit[0]);
  const factNumbers = numbersIn(facts);
  for (const n of numberTokens(text)) if (!n.values.some((v) => factNumbers.has(v))) add("number", n.raw);
  for (const w of text.match(SCALE_WORDS) ?? []) if (!new RegExp(`\\b${w}\\b`, "i").test(facts)) add("number", w);
  for (const m of text.matchAll(/\p{L}+/gu)) {
    const value = NUMBER_WORDS.get(m[0].toLowerCase());
    if (value !== undefined && !factNumbers.has(value) && !new RegExp(`(?<!\\p{L})${m[0]}(?!\\p{L})`, "iu").test(facts)) add("number", m[0]);
  }

  const factMoney = new Set(moneyIn(facts).flatMap((m) => m.values.map((v) => `${m.currency} ${v}`)));
  for (const m of moneyIn(text)) if (!m.values.some((v) => factMoney.has(`${m.currency} ${v}`))) add("money", m.raw);
  const factDurations = new Set(durationsIn(facts).flatMap((d) => d.keys));
  for (const d of durationsIn(text)) for (const key of d.keys) if (!factDurations.has(key)) add("duration", `${d.raw} (${key})`);
  const factMonths = new Set(monthsIn(facts));
  for (const month of monthsIn(text)) if (!factMonths.has(month)) add("date", `month ${month}`);

  const factLinks = new Set((facts.match(URL) ?? []).map(trimLink));
  for (const link of text.match(URL) ?? []) if (!factLinks.has(trimLink(link))) add("link", link);
  // Addresses a student could follow without a scheme: bare domains, emails, @handles (Telegram, Instagram).
  const factsLower = facts.toLowerCase();
  const withoutUrls = text.replace(URL, " ");
  for (const email of withoutUrls.match(EMAIL_ADDRESS) ?? []) if (!factsLower.includes(email.toLowerCase())) add("link", email);
  const rest = withoutUrls.replace(EMAIL_ADDRESS, " ");
  for (const domain of rest.match(BARE_DOMAIN) ?? []) if (!factsLower.includes(trimLink(domain))) add("link", domain);
  for (const handle of rest.match(HANDLE) ?? []) if (!factsLower.includes(handle.toLowerCase())) add("link", handle);
  for (const pattern of MARKUP) {
    const m = pattern.exec(text);
    if (m) add("markup", m[0]);
  }
  for (const m of [...text.matchAll(PROMISE), ...text.matchAll(PROMISE_AFTER)]) {
    // Within its own clause: "it costs nothing, and your match is assured" is not denied by "nothing".
    const before = text.slice(Math.max(0, (m.index ?? 0) - 40), m.index).split(/[,;:.!?\n]/).at(-1) ?? "";
    // The knowledge's own wording ("beware of anyone selling a guaranteed route into residency") is allowed.
    if (!NEGATION.test(before) && !NEGATION.test(m[0]) && !facts.toLowerCase().includes(m[0].toLowerCase())) add("promise", m[0]);
  }
  for (const m of text.matchAll(MEDICAL)) if (!facts.toLowerCase().includes(m[0].toLowerCase())) add("medical", m[0]);
  // The model's own claim of a language is not trusted: English text is checked as English.
  if (((input.language ?? "en").toLowerCase().startsWith("en") || looksEnglish(text)) && offTopic(text, facts)) add("topic", "few words of the facts");
  return problems;
}

/** The canary, also spelled out with spaces, dashes or in base64 (whole, or split by spaces or punctuation). */
function leaksCanary(text: string, canary: string): boolean {
  if (!canary) return false;
  const squash = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
  if (squash(text).includes(squash(canary))) return true;
  for (const blob of text.match(/[A-Za-z0-9+/_-]{16,}={0,2}/g) ?? []) {
    const decoded = Buffer.from(blob.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8");
    if (squash(decoded).includes(squash(canary))) return true;
  }
  // Everything base64 can be, joined: base64 decodes in groups of 4 characters, so one of the
  // four alignments decodes a blob that was split ("Q0FOQVJZ LTEyMzQ=") whatever came before it.
  const joined = text.replace(/[^A-Za-z0-9+/_-]/g, "").replace(/-/g, "+").replace(/_/g, "/");
  for (let offset = 0; offset < 4; offset++) {
    if (squash(Buffer.from(joined.slice(offset), "base64").toString("latin1")).includes(squash(canary))) return true;
  }
  return false;
}

interface NumberToken {
  raw: string;
  /** Every value the token can mean: 1,500 and 1.500 (European) are both 1500; 1.5k is 1500. */
  values: number[];
}

const NUMBER = /(?<![\p{L}\p{N}])\d+(?:[.,]\d+)*(?:\s?[kK](?![\p{L}]))?/gu;
const SCALE_WORDS = /\b(hundred|thousand|million|billion|lakh|lakhs|crore|mil|mille|tausend|millones|milhões|cien|ciento)\b/gi;

/** Numbers written as words (from two: "one" is too often not a number), in English, Spanish, Portuguese and French. */
const NUMBER_WORDS = new Map<string, number>(
  [
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty",
    "dos tres cuatro cinco seis siete ocho nueve diez",
    "dois duas três quatro cinco seis sete oito nove dez",
    "deux trois quatre cinq six sept huit neuf dix",
  ].flatMap((list) => list.split(" ").map((w, i): [string, number] => [w, i + 2])),
);
for (const [w, v] of [["thirty", 30], ["forty", 40], ["fifty", 50], ["sixty", 60], ["seventy", 70], ["eighty", 80], ["ninety", 90], ["veinte", 20], ["treinta", 30], ["cincuenta", 50], ["vinte", 20], ["trinta", 30], ["vingt", 20], ["trente", 30]] as const) {
  NUMBER_WORDS.set(w, v);
}

function numberTokens(text: string): NumberToken[] {
  return [...text.matchAll(NUMBER)].map((m) => ({ raw: m[0], values: valuesOf(m[0]) }));
}

function valuesOf(raw: string): number[] {
  const thousands = /[kK]$/.test(raw) ? 1000 : 1;
  const digits = raw.replace(/\s?[kK]$/, "");
  const english = Number(digits.replace(/,/g, ""));
  const european = Number(digits.replace(/\./g, "").replace(/,/g, "."));
  return [...new Set([english, european].filter((v) => Number.isFinite(v)).map((v) => Math.round(v * thousands * 1000) / 1000))];
}

/** Every value a number in `text` can mean; "5k" counts as 5000 and as 5. */
function numbersIn(text: string): Set<number> {
  const out = new Set<number>();
  for (const n of numberTokens(text)) {
    for (const v of n.values) out.add(v);
    if (/[kK]$/.test(n.raw)) for (const v of valuesOf(n.raw.replace(/\s?[kK]$/, ""))) out.add(v);
  }
  return out;
}

const CURRENCIES: [RegExp, string][] = [
  [/^(?:US\$|\$|USD|dollars?|dólar(?:es)?|dolares|dollar)$/i, "USD"],
  [/^(?:€|EUR|euros?)$/i, "EUR"],
  [/^(?:£|GBP|pounds?)$/i, "GBP"],
  [/^(?:₹|INR|Rs\.?|rupees?|rupias?)$/i, "INR"],
  [/^(?:PKR|EGP|NGN|BDT)$/i, "OTHER"],
];
const CURRENCY = String.raw`US\$|\$|€|£|₹|USD|EUR|GBP|INR|PKR|EGP|NGN|BDT|Rs\.?|dollars?|dólar(?:es)?|dolares|euros?|pounds?|rupees?|rupias?`;
const AMOUNT = String.raw`\d+(?:[.,]\d+)*(?:\s?[kK](?![\p{L}]))?`;
const MONEY = new RegExp(String.raw`(?:(${CURRENCY})\s?(${AMOUNT}))|(?:(${AMOUNT})\s?(${CURRENCY})(?![\p{L}]))`, "giu");

function currencyOf(word: string): string {
  return CURRENCIES.find(([re]) => re.test(word))?.[1] ?? "OTHER";
}

/** Money amounts with their currency: "$1,500", "USD 300", "1.5k dollars", "5.000 dólares". */
function moneyIn(text: string): { raw: string; currency: string; values: number[] }[] {
  return [...text.matchAll(MONEY)].map((m) => {
    const currency = currencyOf((m[1] ?? m[4] ?? "").trim());
    const amount = (m[2] ?? m[3] ?? "").trim();
    return { raw: m[0], currency, values: valuesOf(amount) };
  });
}

const UNITS: [RegExp, string][] = [
  [/^(?:days?|d[ií]as?|jours?|tage?n?|din)$/i, "day"],
  [/^(?:weeks?|wks?|semanas?|semaines?|wochen?|hafte|haftay)$/i, "week"],
  [/^(?:months?|mos?|mes(?:es)?|meses|mois|monate?n?|mahine|mahina)$/i, "month"],
  [/^(?:years?|yrs?|años?|anos?|ans?|jahre?n?|saal)$/i, "year"],
  [/^(?:hours?|hrs?|horas?|heures?|stunden?)$/i, "hour"],
];
const DURATION = /(?<![\p{L}\p{N}])(\d+(?:[.,]\d+)?)(?:\s*(?:-|–|—|to|a|à|bis|or|o)\s*(\d+(?:[.,]\d+)?))?\s*(days?|d[ií]as?|jours?|tage?n?|din|weeks?|wks?|semanas?|semaines?|wochen?|hafte|haftay|months?|mos?|mes(?:es)?|mois|monate?n?|mahine|mahina|years?|yrs?|años?|anos?|ans?|jahre?n?|saal|hours?|hrs?|horas?|heures?|stunden?)(?![\p{L}])/giu;

/** Durations as "value unit" keys, one per end of a range: "2-3 months" gives "2 month" and "3 month". */
function durationsIn(text: string): { raw: string; keys: string[] }[] {
  return [...text.matchAll(DURATION)].map((m) => {
    const unit = UNITS.find(([re]) => re.test(m[3] ?? ""))?.[1] ?? "unit";
    const ends = [m[1], m[2]].filter((x): x is string => x !== undefined).map((x) => Number(x.replace(",", ".")));
    return { raw: m[0], keys: ends.map((v) => `${v} ${unit}`) };
  });
}

const MONTHS: string[][] = [
  ["january", "enero", "janvier", "janeiro", "januar"],
  ["february", "febrero", "février", "fevereiro", "februar"],
  ["march", "marzo", "mars", "março", "märz"],
  ["april", "abril", "avril"],
  ["may", "mayo", "mai", "maio"],
  ["june", "junio", "juin", "junho", "juni"],
  ["july", "julio", "juillet", "julho", "juli"],
  ["august", "agosto", "août", "aout"],
  ["september", "septiembre", "setiembre", "septembre", "setembro"],
  ["october", "octubre", "octobre", "outubro", "oktober"],
  ["november", "noviembre", "novembre", "novembro"],
  ["december", "diciembre", "décembre", "dezembro", "dezember"],
];
/** "may" and "march" are also verbs: they count as months only next to a number ("May 2027", "1 March"). */
const AMBIGUOUS = new Set(["may", "march", "mai"]);

/** Month numbers (1-12) named in `text`, in any of the languages above. */
function monthsIn(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/\p{L}+/gu)) {
    const word = m[0].toLowerCase();
    const month = MONTHS.findIndex((names) => names.includes(word));
    if (month < 0) continue;
    if (AMBIGUOUS.has(word)) {
      const around = text.slice(Math.max(0, (m.index ?? 0) - 4), (m.index ?? 0) + word.length + 6);
      if (!/\d/.test(around)) continue;
    }
    out.push(month + 1);
  }
  return out;
}

const URL = /\b(?:https?:\/\/|www\.)[^\s<>()"'\]]+/gi;
const EMAIL_ADDRESS = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
/** "ecfmg.org", "apply-now.example.com/path": labels with a final label of 2+ letters. */
const BARE_DOMAIN = /(?<![\p{L}\p{N}@._-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}(?:\/[^\s<>()"']*)?(?![\p{L}\p{N}])/giu;
/** "@rotabot_admin", "@dr.smith": a handle to contact someone (not "@ 5 pm"). */
const HANDLE = /(?<![\p{L}\p{N}<])@(?!(?:channel|here|everyone)\b)[A-Za-z][A-Za-z0-9_.]{2,}/gu;
const trimLink = (u: string) => u.toLowerCase().replace(/^https?:\/\//, "").replace(/^www\./, "").replace(/[).,;:!?/]+$/, "");

/** Chat markup that pings people or runs code (Slack mentions, script links). */
const MARKUP = [/<!(?:channel|here|everyone)[^>]*>/i, /<@[UW][A-Z0-9]+>/i, /<#C[A-Z0-9]+[^>]*>/i, /(?:javascript|vbscript|data):/i, /@(?:channel|here|everyone)\b/i, /<\s*script/i];

/** Promises of a Match or a residency position, in English and the languages students often write in. */
const PROMISE =
  /\b(?:guarantee[sd]?|guaranteeing|assured?|ensures?)\b[^.!?\n]{0,40}\b(?:match|residency|position|spot|interview)|\b(?:you|u)(?:'ll| will| are going to| shall)\s+(?:definitely |surely |certainly |for sure |100% )?(?:match|get matched|get (?:a |into )?(?:residency|spot|position))|\b100\s?%\s*(?:match|chance|guarantee|success)|\bsure(?:-| )shot\b|\bgaranti[zs]a\w*\b[^.!?\n]{0,40}\b(?:match|residencia|residência|poste|plaza|vaga)|\bmatch (?:pakka|guaranteed|assured)\b|\b(?:vas a|vai) (?:hacer )?match\b/giu;
/** The same promise with the outcome first: "your match is assured", "a residency spot is guaranteed". */
const PROMISE_AFTER =
  /\b(?:match|matching|residency|position|spot|seat|interview)\b[^.!?\n]{0,40}\b(?:is|are|will be|'s|gets?|being)\s+(?:\w+\s+)?(?:guaranteed|assured|ensured|certain|a certainty|a sure thing|secured|locked in)\b/giu;
const NEGATION = /\b(?:no|not|cannot|can't|can not|never|nobody|no one|nothing|doesn't|does not|won't|isn't|nadie|nunca|ningún|ninguna|ne|pas|jamais|não|nenhum|nahi|nahin)\b/i;

/** Medical advice: doses, drugs, diagnoses, prescriptions (unless the knowledge itself says so). */
const MEDICAL =
  /\b\d+\s?(?:mg|mcg|ml)\b|\b(?:dosage|dose|doses|tablets?|pills?|prescri\w*|ibuprofen|paracetamol|acetaminophen|aspirin|antibiotics?|diagnos\w*|you (?:probably|likely|may|might) have|treat (?:it|this|your)|medicamento|medicina para|dosis)\b/giu;

const STOP = new Set("about after again also because been before being between both could does doing down during each from further have having here into itself just more most other over same should some such than that their them then there these they this those through under until very what when where which while will with would your yours".split(" "));

const ENGLISH_WORDS = new Set("the and is are you your to of in for that with can will be it this on as an or if not".split(" "));

/** Whether a text is written in English, whatever language the model says it used: English function words are common in it. */
function looksEnglish(text: string): boolean {
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  if (words.length < 6) return false;
  return words.filter((w) => ENGLISH_WORDS.has(w)).length / words.length >= 0.15;
}

/** An English answer that shares under a third of its content words with the facts is about something else. */
function offTopic(text: string, facts: string): boolean {
  const words = (s: string) => (s.toLowerCase().match(/\p{L}{4,}/gu) ?? []).filter((w) => !STOP.has(w)).map((w) => w.replace(/(?:ies|es|s)$/, ""));
  const known = new Set(words(facts));
  const said = words(text);
  if (said.length < 6) return false;
  return said.filter((w) => known.has(w)).length / said.length < 0.34;
}
