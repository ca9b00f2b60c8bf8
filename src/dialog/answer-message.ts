import { definedOnly } from "../core/defined.js";
import type { TurnBudget } from "../core/turn-budget.js";
import type { Classification } from "../core/language-model.js";
import type { Inbound } from "../core/model.js";
import type { ConversationState, Profile } from "../core/state.js";
import type { Turn, TurnResult } from "../intents/turn.js";
import type { LoadedKnowledge } from "../nlu/knowledge-source.js";
import { statesFacts, type Understanding } from "../nlu/understanding.js";
import { withSources } from "../intents/answer.js";
import type { KnowledgeBase } from "../knowledge/loader.js";
import { MIN_CONFIDENCE, PAYLOAD, understand } from "../nlu/understand.js";
import { answerOne, askToConfirm } from "./answer-one.js";
import { applyHint } from "./language-assist.js";
import { planQuestions, type PlannedQuestion } from "./questions.js";
import type { Outcome } from "./turn-context.js";

export interface AnswerMessageInput {
  inbound: Inbound;
  /** The text to answer: the message's, or the language model's English restatement of it. */
  text: string;
  state: ConversationState;
  profile: Profile;
  knowledge: LoadedKnowledge;
  now: Date;
  route: (turn: Turn) => TurnResult;
  /** The language model's reading of the whole message, when it was asked. */
  hint?: Classification;
  /** The offline reading of `text`, when the caller already has it. */
  reading?: Understanding;
  /** Checked before each sentence is read; throws once the turn's CPU budget is spent. */
  budget?: TurnBudget;
}

/**
 * Answers every question of a message, in order, in one reply: "what does an
 * observership cost and how early should I apply?" gets both answers, the
 * second in the context of the first.
 */
export function answerMessage(input: AnswerMessageInput): Outcome {
  const { inbound, text, state, profile, now } = input;
  const { kb, nlu } = input.knowledge;
  const one = (o: Pick<AnswerMessageInput, "text" | "state" | "profile"> & { understanding: Understanding; cite?: boolean }) =>
    answerOne({ inbound, now, kb, route: input.route, ...o });
  const offline = input.reading ?? understand(text, state, nlu, kb, now, inbound.payload);
  const whole = input.hint ? applyHint(offline, input.hint) : offline;
  if (inbound.payload || whole.command || whole.confirmation || whole.analysis.emergency) {
    return one({ text, understanding: whole, state, profile });
  }
  const stated = statesFacts(whole);
  // Sentences that only tell rotabot about the student are context, not questions.
  const understood = new Map<string, Understanding>([[text, whole]]);
  const understandPart = (part: string, st: ConversationState) => {
    input.budget?.check();
    const cached = st === state ? understood.get(part) : undefined;
    const u = cached ?? understand(part, st, nlu, kb, now);
    if (st === state) understood.set(part, u);
    return u;
  };
  const plan = planQuestions(text, (part) => understandPart(part, state));
  const { questions } = plan;
  // Facts and nothing else are noted; a date that follows a question about timing ("June 2027") answers it again for that date.
  if (questions.length === 0 && stated && !whole.followUp) {
    return one({ text, understanding: { ...whole, intent: "smalltalk", confidence: 1, fellBack: false, statement: true }, state, profile });
  }
  // A lone question is best understood from the whole message, unless the message also tells a story or greets.
  if (questions.length === 0 || (questions.length === 1 && !plan.framed)) return one({ text, understanding: whole, state, profile });

  // Each question is understood on its own text, with the subjects, dates and facts of the whole message.
  const withContext = (u: Understanding): Understanding => ({
    ...u,
    analysis: { ...u.analysis, topics: [...new Set([...u.analysis.topics, ...whole.analysis.topics])] },
    details: { ...whole.details, ...definedOnly(u.details) },
    facts: {},
    unsure: undefined,
  });
  let current = { state, profile };
  const outcomes: Outcome[] = [];
  for (const [i, question] of questions.entries()) {
    // The subjects that carry over are the conversation's and this message's, not those of the entry that answered
    // the previous part: in "I'm a graduate, what can I do and what does it cost?" the cost is not that of electives.
    const partState = { ...current.state, topics: state.topics };
    const own = understandQuestion(question, partState, understandPart);
    // Facts stated anywhere count once, with the first answer; a guess is confirmed after the last one.
    const understanding = i === 0 ? { ...withContext(own), facts: whole.facts } : withContext(own);
    const o = one({ text: question.text, understanding, state: partState, profile: current.profile, cite: false });
    outcomes.push(o);
    current = { state: o.state, profile: o.profile };
  }
  // A question rotabot asks back about (which entry is meant) stays: dropping it would leave a greeting as the reply.
  const answered = outcomes.filter((o) => !o.result.fellBack || o.result.askedBack);
  if (answered.length === 0) return withCitedSources(outcomes[0] as Outcome, kb);
  const unique = answered.filter((o, i) => answered.findIndex((p) => firstCitation(p) === firstCitation(o)) === i);
  if (unique.length === 1) return withCitedSources(unique[0] as Outcome, kb);
  // Two questions are answered in full; the others are offered as buttons, so that the reply fits a phone.
  const full = unique.slice(0, FULL_ANSWERS);
  const offered = unique.slice(FULL_ANSWERS).flatMap((o) => o.result.replies[0]?.citations?.slice(0, 1) ?? []);
  const replies = full.flatMap((o) => o.result.replies);
  const buttons = [
    ...offered.map((c) => ({ title: c.title, payload: `${PAYLOAD.entry}${c.entryId}` })),
    ...replies.flatMap((r) => r.quickReplies ?? []),
  ].slice(0, MAX_BUTTONS);
  const texts = [...replies.map((r) => r.text), ...(offered.length > 0 ? [kb.messages.also_asked] : [])];
  const first = full[0] as Outcome;
  const last = full.at(-1) as Outcome;
  const combined = { text: texts.join("\n\n"), citations: replies.flatMap((r) => r.citations ?? []), ...(buttons.length > 0 ? { quickReplies: buttons } : {}) };
  let result: TurnResult = { replies: withSources([combined], kb), handoff: unique.find((o) => o.result.handoff)?.result.handoff };
  if (whole.unsure) result = askToConfirm(result, whole.unsure, kb.messages);
  return {
    intent: first.intent,
    confidence: Math.min(...full.map((o) => o.confidence)),
    result,
    state: { ...last.state, pending: result.state?.pending },
    profile: last.profile,
  };
}

/** Questions of one message answered in full; the others get a button each. */
const FULL_ANSWERS = 2;
/** At most this many buttons under a reply (WhatsApp shows three). */
const MAX_BUTTONS = 3;

/** One question of several that turned out to be the only one answered: its Sources line, before a pending confirmation. */
function withCitedSources(o: Outcome, kb: KnowledgeBase): Outcome {
  const [first, ...rest] = o.result.replies;
  if (!first?.citations?.length) return o;
  return { ...o, result: { ...o.result, replies: [...withSources([first], kb), ...rest] } };
}

/** Up to this many words, statements around a question are read with it; a longer story would drown it. */
const SHORT_CONTEXT_WORDS = 20;

/**
 * One question of a message, told by the student's statements around it. A
 * bare "is that ok?" means nothing without the sentence before it, so short
 * statements are read together with the question. A long story dilutes a clear
 * question at its end: the question is then also read alone, with the story's
 * subjects as context (as if it were a previous turn), and the reading the
 * classifier is surer of wins.
 */
function understandQuestion(
  { text, lead, after }: PlannedQuestion,
  state: ConversationState,
  understandPart: (part: string, state: ConversationState) => Understanding,
): Understanding {
  const story = [...lead, ...after];
  if (story.length === 0) return understandPart(text, state);
  // A request for a person ("can you book one for me?") is what the student asks, however much the story around it
  // names: the story is for the counselor.
  const request = understandPart(text, state);
  if (request.intent === "counselor" && !request.fellBack && request.confidence >= MIN_CONFIDENCE) return request;
  if (story.join(" ").split(/\s+/).length <= SHORT_CONTEXT_WORDS) return understandPart([...lead, text, ...after].join(". "), state);
  // In a long story, the sentences that only say who the student is ("final year student from Nepal", "Step 1
  // passed") are the profile, noted already: read with the question, they pull the entries about students and exams.
  const telling = (l: string) => statesFacts(understandPart(l, state));
  const together = understandPart([...lead.filter((l) => !telling(l)), text, ...after.filter((l) => !telling(l))].join(". "), state);
  const storyTopics = [...new Set(story.flatMap((l) => understandPart(l, state).analysis.topics))];
  const alone = understandPart(text, storyTopics.length > 0 ? { ...state, topics: storyTopics } : state);
  return together.confidence > alone.confidence ? together : alone;
}

function firstCitation(o: Outcome): string | undefined {
  return o.result.replies[0]?.citations?.[0]?.entryId ?? o.result.replies[0]?.text;
}
