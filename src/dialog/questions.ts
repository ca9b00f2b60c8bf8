import { isQuestion, splitQuestions } from "../nlu/understand.js";
import { statesFacts, type Understanding } from "../nlu/understanding.js";

/** One question of a message, with the sentences about the student that came just before it. */
export interface PlannedQuestion {
  text: string;
  /** Statements since the previous question ("my visa got refused under 214b. what should I do?"): what the question is about when it does not say. */
  lead: string[];
  /** Statements after the last question ("…can I talk to an expert? my case is complicated"). */
  after: string[];
}

export interface QuestionPlan {
  questions: PlannedQuestion[];
  /** Whether the message has sentences beside its questions (statements, a salutation), so that the whole text is not the question. */
  framed: boolean;
}

type Kind = "question" | "statement" | "pleasantry";

/**
 * Splits a message into its questions. Statements about the student become the
 * lead of the next question. A greeting that opens a story ("Hello, my father is
 * a farmer… how much does it cost?") is a salutation, not something to answer,
 * and so is a greeting or a thanks beside a question ("hello! how much…").
 * `understandPart` understands one sentence on its own, in the conversation as it was.
 */
export function planQuestions(text: string, understandPart: (part: string) => Understanding): QuestionPlan {
  const parts = splitQuestions(text)
    .flatMap((part) => splitSalutation(part, understandPart))
    .flatMap((part) => splitConjoined(part, understandPart))
    .map((part) => ({ part, kind: kindOf(part, understandPart) }));
  const questions: PlannedQuestion[] = [];
  // A greeting or a thanks beside a real question is manners, not something to answer.
  const asks = parts.some((p) => p.kind === "question");
  let lead: string[] = [];
  for (const [i, { part, kind }] of parts.entries()) {
    if (kind === "statement") lead.push(part);
    else if (kind === "pleasantry" && asks) continue;
    else if (kind === "question" || parts[i + 1]?.kind !== "statement") {
      questions.push({ text: part, lead, after: [] });
      lead = [];
    }
  }
  const last = questions.at(-1);
  if (last) last.after = lead;
  return { questions, framed: parts.length > questions.length };
}

/** "Hello, I had an interview…" is a greeting and a sentence: the greeting's words say nothing about the rest. */
function splitSalutation(part: string, understandPart: (part: string) => Understanding): string[] {
  const m = /^([^,.!]{1,30})[,.!]\s*(\S.*)$/s.exec(part);
  return m && kindOf(m[1] as string, understandPart) === "pleasantry" ? [m[1] as string, m[2] as string] : [part];
}

/**
 * "pathways open date and eras submit date?": two questions joined by "and" (or a comma) with no question word
 * between them. Split when each side names its own subject and asks something about it (words beside the subject),
 * and each side is understood on its own, in a sentence that asks; "difference between obs and externship" stays whole, as its second side
 * is only a subject.
 */
function splitConjoined(part: string, understandPart: (part: string) => Understanding): string[] {
  // A story ("they said it is accredited and the letter is guaranteed") is told, not asked.
  if (!isQuestion(part) || part.length > CONJOINED_MAX_CHARS) return [part];
  let tried = 0;
  for (const m of part.matchAll(/\s*(?:,\s*(?:and\s+)?|\s(?:and|&)\s+)/gi)) {
    // Each try reads both sides, so the tries are few and the part short: the work stays linear in the message.
    if (++tried > CONJOINED_MAX_TRIES) break;
    const left = part.slice(0, m.index).trim();
    const right = part.slice((m.index ?? 0) + m[0].length).trim();
    if (!left || !right) continue;
    const [l, r] = [understandPart(left), understandPart(right)];
    const asksAbout = (u: Understanding) =>
      !u.fellBack &&
      !u.command &&
      u.analysis.topics.length > 0 &&
      u.analysis.residual.some((w) => !QUESTION_WORDS.has(w)) &&
      u.confidence >= CONJOINED_MIN_CONFIDENCE;
    const ownSubjects = !l.analysis.topics.some((t) => r.analysis.topics.includes(t));
    if (asksAbout(l) && asksAbout(r) && ownSubjects) return [left, right];
  }
  return [part];
}

/** Words that ask without saying what about: "what vaccinations and background checks…" is one question. */
const QUESTION_WORDS = new Set(["what", "which", "how", "when", "where", "who", "why", "whats", "any", "all", "can", "could"]);
/** Two subjects joined in one question are a short sentence ("toefl minimum score and vslo fee per application?"). */
const CONJOINED_MAX_CHARS = 160;
/** The first few commas and "and"s of such a sentence are where it may divide. */
const CONJOINED_MAX_TRIES = 4;
/** A sentence of this many words that does not ask (no "?", no question word, no inverted verb) is told, not asked. */
const TOLD_WORDS = 12;
/** How sure the understanding of each side of a conjoined question must be. */
const CONJOINED_MIN_CONFIDENCE = 0.5;

function kindOf(part: string, understandPart: (part: string) => Understanding): Kind {
  // "Two things I couldn't find out: are they paid, and…": what leads into a question after a colon frames it.
  if (part.endsWith(":")) return "statement";
  const u = understandPart(part);
  // "I'd like to book an IM rotation for March" tells rotabot about the student, and asks for a person: a request.
  if (u.intent === "counselor" && !u.fellBack && u.analysis.topics.length > 0) return "question";
  // A sentence that neither asks nor names a subject ("too many options") is context for the question after it, and so
  // is one that does not ask and is too long to be a question in shorthand ("visa for elective?" without its "?"):
  // "Step 1 and 2 done, I have a job at a teaching hospital" tells, whatever subjects it names.
  if (!isQuestion(part) && (isStatement(part, u) || u.analysis.topics.length === 0 || u.analysis.tokens.length >= TOLD_WORDS)) return "statement";
  // Nothing but a subject of small talk ("Namaste", "thanks a lot"): no question of its own.
  return u.intent === "smalltalk" && !u.command && u.analysis.topics.length > 0 && u.analysis.residual.length === 0 ? "pleasantry" : "question";
}

/** A sentence about the student rather than a request: "I'm on an H-4 visa", "graduated 2023, target IM". */
function isStatement(part: string, u: Understanding): boolean {
  return statesFacts(u) || /^\s*(i|i'm|im|i am|i have|i've|i was|my|we|our|myself)\b/i.test(part);
}
