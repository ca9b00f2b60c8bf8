import type { HandleResult } from "../src/dialog/bot.js";
import type { EvalCase } from "./cases.js";

/** Intents whose answer is not a knowledge entry: they are scored by intent. */
const NOT_ENTRY_INTENTS = new Set(["counselor", "smalltalk", "out_of_scope"]);
/** Quick replies that stand for a knowledge entry: a clarifying choice, or "more" of an entry. */
const ENTRY_PAYLOAD = /^(?:clarify|more|entry):([a-z0-9-]+)$/;

/**
 * How one turn went. `right`: the entry labelled for the (first) question
 * answered it, and each further question was answered or offered as a quick
 * reply (for counselor, smalltalk and out-of-scope messages: the intent).
 * Otherwise `asked`: the bot asked back with candidate entries;
 * `confidentlyWrong`: it answered with an entry that was not the right one;
 * `declined`: it answered with no entry (a fallback or out-of-scope reply).
 */
export interface TurnScore {
  intentRight: boolean;
  /** Undefined when the case names no entry (scored by intent only). */
  entryRight?: boolean;
  right: boolean;
  asked: boolean;
  /** Asked back, and the right entry was one of the choices: one tap from the answer. */
  askedWithRight: boolean;
  confidentlyWrong: boolean;
  declined: boolean;
  cited: string[];
  missing: string[];
  replyChars: number;
}

/** How facts are compared: case, Markdown bold and dash styles do not matter. */
export function normalizeForFacts(text: string): string {
  return text.toLowerCase().replace(/\*\*/g, "").replace(/[\u2010-\u2015\u2212]/g, "-").replace(/\s+/g, " ");
}

export function scoreTurn(c: EvalCase, result: HandleResult, replyText: string): TurnScore {
  const cited = [...new Set(result.replies.flatMap((r) => (r.citations ?? []).map((x) => x.entryId)))];
  const payloads = result.replies.flatMap((r) => (r.quickReplies ?? []).map((q) => q.payload));
  const offered = payloads.map((p) => ENTRY_PAYLOAD.exec(p)?.[1]).filter((id): id is string => id !== undefined);
  const askedBack = payloads.some((p) => p.startsWith("clarify:"));
  const intentRight = result.intent === c.intent;
  const byIntent = NOT_ENTRY_INTENTS.has(c.intent) || c.entries.length === 0;
  const entryRight = byIntent
    ? undefined
    : c.entries.every((alts, i) => alts.some((id) => cited.includes(id) || (i > 0 && offered.includes(id))));
  const right = entryRight ?? intentRight;
  const asked = !right && askedBack;
  const reply = normalizeForFacts(replyText);
  return {
    intentRight,
    ...(entryRight === undefined ? {} : { entryRight }),
    right,
    asked,
    askedWithRight: asked && (c.entries[0] ?? []).some((id) => offered.includes(id)),
    confidentlyWrong: !right && !asked && cited.length > 0,
    declined: !right && !asked && cited.length === 0,
    cited,
    missing: c.facts.filter((f) => !reply.includes(normalizeForFacts(f))),
    replyChars: result.replies.map((r) => r.text).join("\n\n").length,
  };
}
