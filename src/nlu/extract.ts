import type { Profile, ProfileKey } from "../core/state.js";
import type { Vocabulary } from "../knowledge/schema.js";
import type { Analysis } from "./classifier.js";
import { extractDetails, findCountry, MONTH_NAMES } from "./details.js";
import { tokenize } from "./normalize.js";

/** The largest budget taken as one: a year of rotations costs far less. */
const MAX_BUDGET_USD = 10_000_000;

export interface ExtractedFacts {
  /** Values stated plainly: stored at once. */
  facts: Partial<Profile>;
  /** A value rotabot had to guess part of (a month without a year): confirmed with the student first. */
  unsure?: { field: ProfileKey; value: string };
}

/** Everything a student says about themselves in one message. */
export function extractStudentFacts(
  text: string,
  analysis: Pick<Analysis, "tokens" | "specialties">,
  vocabulary: Vocabulary,
  now: Date,
): ExtractedFacts {
  const facts = extractProfileFacts(text, analysis);
  const s = ` ${tokenize(text).join(" ")} `;
  const firstPerson = /\b(i|i am|my|me|mine|we|our)\b/.test(s);
  if (firstPerson) {
    const country = findCountry(analysis.tokens, vocabulary);
    if (country && /\b(from|in|at|studying|study|studied|school|college|university|am|graduate|student|indian|pakistani|nepali|bangladeshi|egyptian|nigerian|filipino)\b/.test(s)) {
      facts.country = country;
    }
  }
  const step2ck = examStatus(s, STEP2CK);
  if (step2ck) facts.step2ck = step2ck;
  else if (BOTH_STEPS_PASSED.test(s)) facts.step2ck = "passed";

  if (/\bi am (?:already )?ecfmg certified\b|\bi (?:have|got) (?:my )?ecfmg (?:certification|certificate)\b/.test(s) || ECFMG_CERTIFIED_SAID.test(s)) facts.ecfmg = "certified";
  else if (/\bi am not ecfmg certified\b|\bi do not have (?:my )?ecfmg\b/.test(s)) facts.ecfmg = "not_started";
  else if (/\b(?:applied for|working on|waiting for|started) (?:my )?ecfmg\b|\becfmg (?:is )?(?:in progress|pending)\b/.test(s)) facts.ecfmg = "in_progress";

  if (/\bi am a (?:us|american) citizen\b|\bi (?:have|hold) a green card\b|\bi am a (?:us )?permanent resident\b/.test(s)) facts.visa = "us_citizen_or_resident";
  else if (/\bi (?:already )?(?:have|hold|got) (?:a |an |my )?(?:valid )?(?:us )?(?:b1 ?b2|b1|b2|visitor|tourist|us) visa\b|\bmy (?:b1 ?b2|us) visa is valid\b/.test(s)) facts.visa = "has_b1b2";
  else if (/\bi (?:do not|dont) have (?:a |any )?(?:us )?visa\b|\bi (?:will )?need a (?:us )?visa\b|\bno visa yet\b/.test(s)) facts.visa = "needs_visa";

  const budget = /\b(?:my )?budget (?:is |of |around |about )?(?:usd |us\$|\$)?\s?(\d[\d,]*(?:\.\d+)?)\s?(k|thousand)?\b|\bi can (?:only )?(?:spend|afford) (?:about |around |up to )?(?:usd |\$)?\s?(\d[\d,]*)\s?(k|thousand)?/.exec(text.toLowerCase());
  if (budget) {
    const amount = Number((budget[1] ?? budget[3] ?? "0").replace(/,/g, "")) * ((budget[2] ?? budget[4]) ? 1000 : 1);
    // A figure past any rotation budget ("my budget is 999…9", which is Infinity as a number) is not a budget.
    if (amount > 0 && amount <= MAX_BUDGET_USD) facts.budget = `$${amount.toLocaleString("en-US")}`;
  }

  let unsure: ExtractedFacts["unsure"];
  // A message that is nothing but a date ("June 2027", "from March next year") answers "when would you like to start?".
  if ((firstPerson && /\b(start|starting|begin|join|rotation|elective|observership|externship|plan|planning|want|hoping|aiming)\b/.test(s)) || onlyADate(s)) {
    const start = extractDetails(text, now).start;
    if (start) {
      const value = start.date.toISOString().slice(0, 7);
      if (start.yearGiven) facts.target_start = value;
      else unsure = { field: "target_start", value };
    }
  }
  return unsure ? { facts, unsure } : { facts };
}

const MONTH = MONTH_NAMES.join("|");
const BARE_DATE = new RegExp(
  `^ (?:(?:from|in|by|around|about|maybe|probably|starting|start|target start|ideally|hopefully) )*(?:(?:early|mid|late|end of|beginning of) )?(?:next |this coming |coming )?(?:${MONTH})(?: (?:of )?(?:(?:19|20)\\d{2}|this year|next year))? $`,
);
/** Whether a message is only a month, with or without its year ("June 2027", "from March next year"). */
export function isOnlyADate(text: string): boolean {
  return onlyADate(` ${tokenize(text).join(" ")} `);
}

function onlyADate(s: string): boolean {
  return BARE_DATE.test(s.replace(/ (?:please|pls|plz|i think|ok|okay|sir)\b/g, ""));
}

/**
 * Extracts what a student says about themselves ("I'm a 2023 graduate",
 * "passed step 1", "interested in IM"). Only first-person statements count: a
 * question such as "can I do electives after graduating?" says nothing about
 * the student's status.
 */
export function extractProfileFacts(text: string, analysis: Pick<Analysis, "tokens" | "specialties">): Partial<Profile> {
  const s = ` ${tokenize(text).join(" ")} `;
  const facts: Partial<Profile> = {};

  const gradYear = /\b(?:graduated|graduation|passed out|grad|yog|graduating)\D{0,16}?((?:19|20)\d{2})\b/.exec(s)?.[1] ??
    /\b((?:19|20)\d{2}) (?:(?:mbbs|md|mbchb|mbbch|medical|med|img|fmg) )?(?:graduate|grad|pass out|passout|passed out|batch)\b/.exec(s)?.[1];
  const isGraduate =
    /\bi am (?:an? )?(?:(?:19|20)\d{2} )?(?:international )?(?:medical )?(?:img|fmg|graduate|grad|doctor|physician|mbbs graduate|md graduate|mbbs doctor)\b/.test(s) ||
    /\bi (?:have |had )?(?:already |just |actually |recently |finally )?(?:graduated|passed out|completed (?:my )?(?:mbbs|md|medical school|degree|med school)|finished (?:my )?(?:mbbs|md|medical school|med school))\b/.test(s) ||
    /^\s*(?:graduated|passed out)\b/.test(s) ||
    /\bactually i graduated\b/.test(s);
  const isStudent =
    /\bi am (?:a |an )?(?:\w+ )?(?:year )?(?:medical |med |mbbs |md )?student\b/.test(s) ||
    /\bi am (?:in|currently in) (?:my )?(?:1st|first|2nd|second|3rd|third|4th|fourth|5th|fifth|6th|sixth|final|last) (?:year|yr)\b/.test(s) ||
    /\bi am (?:doing|in) (?:my )?(?:compulsory |rotating )?internship\b/.test(s) ||
    /\bi am (?:still )?studying\b/.test(s);

  // Forum introductions without "I am": "final year MBBS from Karachi here", "MS4 at a school in…", "2021 graduate
  // from Nepal, …". Only at the start of a sentence, so that "can a 2021 graduate apply?" says nothing about the writer.
  const intro = introductions(text);
  if (intro.status === "graduate" && !isStudent) facts.status = "graduate";
  else if (intro.status === "student" && !isGraduate) facts.status = "student";
  if (isGraduate && !isStudent) facts.status = "graduate";
  else if (isStudent && !isGraduate) facts.status = "student";
  if (gradYear && (facts.status === "graduate" || /\b(?:graduated|passed out|yog)\b/.test(s))) {
    facts.graduation_year = Number(gradYear);
    // "I graduated in 2022" is a graduate; a future year is an expected graduation.
    if (!facts.status && /\b(?:i|i have|i had) (?:graduated|passed out)\b/.test(s)) facts.status = "graduate";
  }

  if (intro.year && facts.status === "student") facts.year_of_study = intro.year;
  const year = /\b(1st|first|2nd|second|3rd|third|4th|fourth|5th|fifth|6th|sixth|final|last) (?:year|yr)\b/.exec(s)?.[1];
  if (year && (facts.status === "student" || (!facts.status && /\bi am\b|\bmy\b/.test(s)))) {
    facts.year_of_study = ORDINALS[year] ?? "final";
    facts.status = "student";
  }

  const step1 = examStatus(s, STEP1);
  if (step1) facts.step1 = step1;
  // "Step 1 and 2 passed", "cleared step 1 and step 2 ck": both exams at once (Step 2 alone is CK since CS ended).
  if (!step1 && BOTH_STEPS_PASSED.test(s)) facts.step1 = "passed";

  const cue = /^(?:interested|interest|want|wanna|pursue|pursuing|aiming|aim|target|targeting|planning|plan|applying|apply|going|specialty|specialize|specialise|career|into|choose|chose|prefer)$/;
  for (const sp of analysis.specialties) {
    const before = analysis.tokens.slice(Math.max(0, sp.start - 5), sp.start);
    if (before.some((t) => cue.test(t))) {
      facts.specialty = sp.key;
      break;
    }
  }
  return facts;
}

const ORDINALS: Record<string, number | "final"> = {
  "1st": 1,
  first: 1,
  "2nd": 2,
  second: 2,
  "3rd": 3,
  third: 3,
  "4th": 4,
  fourth: 4,
  "5th": 5,
  fifth: 5,
  "6th": 6,
  sixth: 6,
  final: "final",
  last: "final",
};

type ExamStatus = "passed" | "failed" | "not_taken" | "scheduled";

/** Patterns for what a student says about a USMLE exam, compiled once per exam. */
function examPatterns(exam: string): [ExamStatus, RegExp][] {
  return [
    ["passed", new RegExp(String.raw`\b(?:passed|cleared|done with|completed|finished|got through) (?:my )?${exam}|\b${exam} (?:is |was )?(?:passed|cleared|done|completed)\b|\b${exam} pass\b(?! (?:enough|required|necessary|needed|mandatory|compulsory|is|mark|score|rate))`)],
    ["failed", new RegExp(String.raw`\bfailed (?:my )?${exam}|\b${exam} (?:is |was )?failed\b`)],
    [
      "not_taken",
      new RegExp(
        String.raw`\b(?:not|never|have not|did not) (?:yet )?(?:taken|given|written|take|give|attempted|done) (?:my |the )?${exam}|\bno ${exam} yet\b|\b${exam} not (?:yet )?(?:taken|done|given)\b|\b${exam} (?:is )?(?:pending|yet to)\b`,
      ),
    ],
    ["scheduled", new RegExp(String.raw`\b${exam} (?:is )?(?:scheduled|booked|next|in \d+ (?:days|weeks|months))\b|\b(?:preparing|studying|prepping) for ${exam}|\bi am (?:taking|giving|writing) ${exam}`)],
  ];
}

const BOTH_STEPS_PASSED =
  /\b(?:usmle )?step ?(?:1|one) (?:and )?(?:step ?)?(?:2|two)(?: ?ck)? (?:both )?(?:are |were )?(?:passed|cleared|done|completed)\b(?! (?:enough|required|necessary|needed|mandatory|compulsory))|\b(?:passed|cleared|done with|completed) (?:my |both )?(?:usmle )?step ?(?:1|one) (?:and )?(?:step ?)?(?:2|two)(?: ?ck)?\b/;
/** "ECFMG certified" told in shorthand ("Step 2 CK 250, ECFMG certified"), not asked about ("do I need to be ECFMG certified"). */
const ECFMG_CERTIFIED_SAID = /(?<!\b(?:be|get|getting|become|becoming|not|need|needs|require|requires|required|without|if|until|before|after|must|should|being) )\becfmg certified\b(?! (?:for|to|before|first)\b)/;
const STEP1 = examPatterns(String.raw`(?:usmle )?step ?(?:1|one)\b`);
const STEP2CK = examPatterns(String.raw`(?:usmle )?step ?(?:2|two) ?ck\b`);

const GREETING_START = String.raw`^(?:(?:hi|hii|hello|hey|dear|greetings|namaste|salam|salaam|assalamualaikum)(?: (?:all|everyone|guys|team|sir|madam|doctors|friends))?\s+)?(?:(?:quick |short )?(?:background|intro|context|about me)\s+)?`;
const STUDENT_INTRO = new RegExp(`${GREETING_START}(?:(1st|first|2nd|second|3rd|third|4th|fourth|5th|fifth|6th|sixth|final|last) (?:year|yr)(?: (?:mbbs|md|medical|med))?(?: student)?|ms ?([1-6])|mbbs (?:final|last) year)(?: student)? (?:from|at|in|here|of)\\b`);
const GRADUATE_INTRO = new RegExp(`${GREETING_START}(?:an? )?(?:img |fmg )?(?:(?:19|20)\\d{2} (?:(?:mbbs|md|img|fmg|medical) )?(?:graduate|grad)|(?:mbbs|md) graduate|img graduate|yog (?:19|20)\\d{2})\\b`);

/** A status said the way forum posts open, at the start of a sentence (see extractProfileFacts). */
function introductions(text: string): { status?: "student" | "graduate"; year?: Profile["year_of_study"] } {
  for (const sentence of text.split(/[.!?\n;]+/)) {
    const t = tokenize(sentence).join(" ");
    const student = STUDENT_INTRO.exec(t);
    if (student) {
      const word = student[1];
      const n = student[2];
      return { status: "student", year: word ? (ORDINALS[word] ?? "final") : n ? (Number(n) as Profile["year_of_study"]) : "final" };
    }
    if (GRADUATE_INTRO.test(t)) return { status: "graduate" };
  }
  return {};
}

function examStatus(s: string, patterns: [ExamStatus, RegExp][]): ExamStatus | undefined {
  return patterns.find(([, re]) => re.test(s))?.[0];
}
