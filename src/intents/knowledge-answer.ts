import type { IntentHandler } from "./turn.js";
import { answerFrom, rememberEntry, restFrom } from "./answer.js";
import { fallback } from "./out-of-scope.js";
import { provenance } from "./personal/facts.js";
import { personalBlock } from "./personal/personalize.js";
import { fill } from "../knowledge/template.js";
import { bestEntry, rankEntries } from "./select-entry.js";
import type { Turn, TurnResult } from "./turn.js";
import type { QuickReply } from "../core/model.js";
import { FACTUAL_INTENTS } from "../core/intents.js";
import { PAYLOAD } from "../nlu/understand.js";

/**
 * The handler of every factual intent (eligibility, costs, timing, …): the best
 * matching knowledge entry, with its sources, preceded by what rotabot can
 * compute for this student from the entry's structured facts, and one line
 * when the entry's review date has passed.
 */
export const answerFromKnowledge: IntentHandler = (turn) => {
  const entry = bestEntry(turn);
  if (!entry) return fallback(turn);
  const doubt = askWhichIfInDoubt(turn);
  if (doubt) return doubt;
  if (turn.understanding.expand) {
    return { replies: [restFrom(entry, turn.kb)], state: { ...rememberEntry(entry, [], turn.state.topics), misses: 0 } };
  }
  const reply = answerFrom(entry, turn.kb);
  const { before, after } = personalBlock(turn, entry);
  // The same review-date check computed answers make (provenance), for the entry's own text.
  const { overdue } = provenance([entry], turn.now);
  const stale = overdue ? fill(turn.kb.messages.answer_review_overdue, { date: overdue }) : undefined;
  const text = [before, reply.text, stale, after].filter(Boolean).join("\n\n");
  return {
    replies: [{ ...reply, text }],
    state: {
      ...rememberEntry(entry, turn.understanding.analysis.topics, turn.state.topics),
      misses: 0,
      ...(turn.understanding.details.weeks ? { weeks: turn.understanding.details.weeks } : {}),
    },
  };
};

/** Below this confidence in the intent, two entries this close are a guess between them. */
const DOUBT_CONFIDENCE = 0.6;
const DOUBT_MARGIN = 0.05;
/**
 * Below this score the best entry is a weak match whatever the others score: the message shares little with anything
 * the knowledge base answers. Measured on the eval sets (`npm run eval`), answers this weak were wrong about three
 * times in four on the forum-style posts; asking turned those into questions without costing right answers at 0.3
 * (0.35 and 0.4 cost 0.6-5 points of right answers for every 1.6-8 points fewer wrong ones).
 */
const WEAK_MATCH = 0.3;
/** Candidates offered, at most (WhatsApp shows three buttons). */
const DOUBT_OPTIONS = 3;

/**
 * Honest doubt: when rotabot is unsure of the kind of question and its two
 * best entries score within a hair of each other, or when even the best entry
 * is a weak match, it asks which one the student means (the two, and the best
 * entry of the next likeliest intent) instead of answering one confidently. Not for a follow-up, a button the
 * student pressed, or "tell me more". Stored as a fallback, for `kb gaps`.
 */
function askWhichIfInDoubt(turn: Turn): TurnResult | undefined {
  const u = turn.understanding;
  if (u.chosenEntryId || u.followUp || u.expand || u.confidence >= DOUBT_CONFIDENCE) return undefined;
  const ranked = rankEntries(turn, u.intent);
  const [first, second] = ranked;
  if (!first || !second) return undefined;
  const weak = first.score < WEAK_MATCH;
  if (!weak) {
    if (first.score - second.score >= DOUBT_MARGIN) return undefined;
    // Close to its intent's overview (an entry about no subject in particular), or to an entry it lists as related,
    // the best entry is a safe answer: the other covers the same ground more broadly, or is one tap away.
    const near = (a: typeof first.entry, b: typeof first.entry) => b.topics.length === 0 || a.related.includes(b.id) || b.related.includes(a.id);
    if (near(first.entry, second.entry)) return undefined;
  }
  const candidates = [first.entry, second.entry];
  const runnerUp = u.analysis.intents.find((i) => i.intent !== u.intent && FACTUAL_INTENTS.has(i.intent));
  const other = runnerUp ? rankEntries(turn, runnerUp.intent)[0]?.entry : undefined;
  if (other) candidates.push(other);
  const quickReplies: QuickReply[] = candidates.slice(0, DOUBT_OPTIONS).map((e) => ({ title: e.title, payload: `${PAYLOAD.clarify}${e.id}` }));
  // A weak match may be a question rotabot does not cover at all: the question says so, and what it does cover.
  const text = (weak ? turn.kb.messages.clarify_weak : undefined) ?? turn.kb.messages.clarify;
  return { replies: [{ text, quickReplies }], state: { lastIntent: u.intent }, fellBack: true, askedBack: true };
}
