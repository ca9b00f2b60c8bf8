import { defaultHandlers } from "../intents/handlers.js";
import { formatValue, profileLines } from "../intents/profile.js";
import type { Messages } from "../knowledge/schema.js";
import { fill } from "../knowledge/template.js";
import type { Logger } from "../logger.js";
import { silentLogger } from "../logger.js";
import { cleanInput } from "../nlu/text.js";
import { PAYLOAD, understand } from "../nlu/understand.js";
import { systemClock, type Clock } from "./clock.js";
import type { Intent } from "./intents.js";
import type { KnowledgeSource, LoadedKnowledge } from "./knowledge-source.js";
import { createKeyedQueue } from "./keyed-queue.js";
import { planQuestions, type PlannedQuestion } from "./questions.js";
import type { Inbound, Reply } from "./model.js";
import type { ConversationStore, LoadedConversation } from "./ports.js";
import { createRouter } from "./router.js";
import type { ConversationState, Profile } from "./state.js";
import type { IntentHandler, Turn, TurnResult, Understanding } from "./turn.js";

export interface BotOptions {
  store: ConversationStore;
  knowledge: KnowledgeSource;
  clock?: Clock;
  logger?: Logger;
  /** Longer messages are cut to this many characters, and the student is told. */
  maxMessageChars?: number;
  handlers?: Partial<Record<Intent, IntentHandler>>;
}

/** What one call of `handle` produced. */
export interface HandleResult {
  /** False when this message id was handled before (a redelivery): no replies then. */
  handled: boolean;
  intent: Intent | null;
  replies: Reply[];
}

export interface Bot {
  /**
   * The one entry point for a message, from every channel. Persists the
   * message first, then runs the turn and saves its outcome. Messages of one
   * conversation are handled one at a time, in order. Throws only when the
   * database fails (the channel should then ask for redelivery).
   */
  handle(inbound: Inbound): Promise<HandleResult>;
  /**
   * Runs the turn of a message already stored by `InboxStore.accept` (the
   * messenger channels): the replies go to the outbox in the transaction that
   * saves the turn and marks the message done. `limited` answers with the
   * rate-limit notice instead of a turn. Throws only when the database fails.
   */
  process(inbound: Inbound, options?: { truncated?: boolean; limited?: boolean }): Promise<HandleResult>;
}

interface Outcome {
  intent: Intent;
  confidence: number;
  result: TurnResult;
  state: ConversationState;
  profile: Profile;
}

export function createBot(options: BotOptions): Bot {
  const { store, knowledge } = options;
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? silentLogger;
  const maxChars = options.maxMessageChars ?? 2000;
  const route = createRouter({ ...defaultHandlers, ...options.handlers });
  const queue = createKeyedQueue();

  /** One question of the message through the router; profile facts merged first. */
  function answer(inbound: Inbound, text: string, understanding: Understanding, state: ConversationState, profile: Profile, loaded: LoadedKnowledge, now: Date): Outcome {
    const learned = changedFacts(profile, understanding.facts);
    const merged = Object.keys(learned).length > 0 ? { ...profile, ...learned } : profile;
    const turn: Turn = { inbound, text, truncated: false, understanding, state, profile: merged, kb: loaded.kb, now };
    const m = loaded.kb.messages;
    const noted = profileLines(understanding.statement ? understanding.facts : learned, m);
    const note = noted.length > 0 ? fill(m.noted, { facts: noted.join(", ") }) : undefined;
    let result: TurnResult;
    if (understanding.statement) {
      // Only telling rotabot about themselves: acknowledge what was learned, nothing else.
      result = { replies: note ? [{ text: note }] : [], state: { misses: 0 } };
    } else {
      result = route(turn);
      if (note) {
        // A statement about oneself is not a miss, even when there was no question in it.
        result = understanding.fellBack
          ? { ...result, replies: [{ text: note }], state: { ...result.state, misses: 0 }, fellBack: false }
          : { ...result, replies: prependText(result.replies, note) };
      }
    }
    if (understanding.unsure && !result.forget) result = askToConfirm(result, understanding.unsure, m);
    const nextProfile = result.profile ? { ...merged, ...result.profile } : merged;
    // A pending confirmation lasts one turn: only the question asked now is waiting for an answer.
    const nextState = { ...state, ...result.state, pending: result.state?.pending };
    return { intent: understanding.intent, confidence: understanding.confidence, result, state: nextState, profile: nextProfile };
  }

  /** The console and replay: store the message and run its turn at once. */
  async function receiveAndRun(inbound: Inbound): Promise<HandleResult> {
    const clean = cleanInput(inbound.text, maxChars);
    const received = await store.receive({ ...inbound, text: clean.text }, { truncated: clean.truncated });
    if (!received.isNew) {
      log.info({ channel: inbound.channel, messageId: inbound.id }, "duplicate message ignored");
      return { handled: false, intent: null, replies: [] };
    }
    return runTurn({ ...inbound, text: clean.text }, received, { truncated: clean.truncated, deliver: false });
  }

  /** The messenger channels: the message waits in the inbox, already cleaned. */
  async function processStored(inbound: Inbound, options: { truncated?: boolean; limited?: boolean }): Promise<HandleResult> {
    const loaded = await store.load(inbound.channel, inbound.conversation, inbound.sender);
    return runTurn(inbound, loaded, { truncated: options.truncated ?? false, limited: options.limited, deliver: true });
  }

  async function runTurn(
    inbound: Inbound,
    received: LoadedConversation,
    how: { truncated: boolean; limited?: boolean; deliver: boolean },
  ): Promise<HandleResult> {
    const unsupported = inbound.contentType === "unsupported";
    const clean = { text: inbound.text, truncated: how.truncated };
    const now = clock.now();
    const loaded = knowledge.current();
    const { messages } = loaded.kb;
    /** A turn that answers with a fixed message; any pending confirmation is dropped. */
    const fixed = (text: string): Outcome => ({
      intent: "out_of_scope",
      confidence: 0,
      result: { replies: [{ text }] },
      state: { ...received.state, pending: undefined },
      profile: received.profile,
    });

    let outcome: Outcome;
    try {
      if (how.limited) {
        outcome = fixed(messages.rate_limited);
      } else if (unsupported || (!clean.text && !inbound.payload)) {
        outcome = fixed(unsupported ? messages.unreadable : messages.empty_message);
      } else {
        outcome = runQuestions(inbound, clean.text, received.state, received.profile, loaded, now);
      }
      if (clean.truncated) {
        outcome.result = { ...outcome.result, replies: prependText(outcome.result.replies, fill(messages.too_long, { limit: maxChars })) };
      }
    } catch (err) {
      log.error({ err, channel: inbound.channel, conversation: inbound.conversation, messageId: inbound.id }, "turn failed");
      outcome = fixed(messages.error);
    }

    const { intent, result } = outcome;
    if (result.forget) {
      const inbox = how.deliver ? { conversation: inbound.conversation, messageId: inbound.id, receivedAt: inbound.receivedAt, replies: result.replies } : undefined;
      await store.forget(inbound.channel, inbound.sender, inbox);
      log.info({ channel: inbound.channel, conversation: inbound.conversation }, "student data erased on request");
      return { handled: true, intent, replies: result.replies };
    }
    await store.saveTurn({
      inbound: { ...inbound, text: clean.text },
      intent,
      confidence: outcome.confidence,
      fellBack: result.fellBack ?? false,
      replies: result.replies,
      state: { ...outcome.state, turns: received.state.turns + 1 },
      profile: outcome.profile,
      profileChanged: outcome.profile !== received.profile,
      at: clock.now(),
      deliver: how.deliver,
    });
    log.debug({ channel: inbound.channel, conversation: inbound.conversation, intent, confidence: outcome.confidence, fellBack: result.fellBack ?? false }, "turn done");
    return { handled: true, intent, replies: result.replies };
  }

  /**
   * Answers every question of a message, in order, in one reply: "what does an
   * observership cost and how early should I apply?" gets both answers, the
   * second in the context of the first.
   */
  function runQuestions(inbound: Inbound, text: string, state: ConversationState, profile: Profile, loaded: LoadedKnowledge, now: Date): Outcome {
    const { kb, nlu } = loaded;
    const whole = understand(text, state, nlu, kb, now, inbound.payload);
    if (inbound.payload || whole.command || whole.confirmation || whole.analysis.emergency) {
      return answer(inbound, text, whole, state, profile, loaded, now);
    }
    const stated = Object.keys(whole.facts).length > 0 || whole.unsure !== undefined;
    // Sentences that only tell rotabot about the student are context, not questions.
    const understood = new Map<string, Understanding>([[text, whole]]);
    const understandPart = (part: string, st: ConversationState) => {
      const cached = st === state ? understood.get(part) : undefined;
      const u = cached ?? understand(part, st, nlu, kb, now);
      if (st === state) understood.set(part, u);
      return u;
    };
    const plan = planQuestions(text, (part) => understandPart(part, state));
    const { questions } = plan;
    if (questions.length === 0 && stated) {
      return answer(inbound, text, { ...whole, intent: "smalltalk", confidence: 1, fellBack: false, statement: true }, state, profile, loaded, now);
    }
    // A lone question is best understood from the whole message, unless the message also tells a story or greets.
    if (questions.length === 0 || (questions.length === 1 && !plan.framed)) return answer(inbound, text, whole, state, profile, loaded, now);

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
      const part = question.text;
      // The subjects that carry over are the conversation's and this message's, not those of the entry that answered
      // the previous part: in "I'm a graduate, what can I do and what does it cost?" the cost is not that of electives.
      const partState = { ...current.state, topics: state.topics };
      const own = understandQuestion(question, partState, understandPart);
      // Facts stated anywhere count once, with the first answer; a guess is confirmed after the last one.
      const understanding = i === 0 ? { ...withContext(own), facts: whole.facts } : withContext(own);
      const o = answer(inbound, part, understanding, partState, current.profile, loaded, now);
      outcomes.push(o);
      current = { state: o.state, profile: o.profile };
    }
    const answered = outcomes.filter((o) => !o.result.fellBack);
    if (answered.length === 0) return outcomes[0] as Outcome;
    const unique = answered.filter((o, i) => answered.findIndex((p) => firstCitation(p) === firstCitation(o)) === i);
    if (unique.length === 1) return unique[0] as Outcome;
    const replies = unique.flatMap((o) => o.result.replies);
    const first = unique[0] as Outcome;
    const last = unique.at(-1) as Outcome;
    let result: TurnResult = {
      replies: [{ text: replies.map((r) => r.text).join("\n\n"), citations: replies.flatMap((r) => r.citations ?? []), quickReplies: replies.at(-1)?.quickReplies }],
      handoff: unique.find((o) => o.result.handoff)?.result.handoff,
    };
    if (whole.unsure) result = askToConfirm(result, whole.unsure, kb.messages);
    return {
      intent: first.intent,
      confidence: Math.min(...unique.map((o) => o.confidence)),
      result,
      state: { ...last.state, pending: result.state?.pending },
      profile: last.profile,
    };
  }

  return {
    handle: (inbound) => queue.run(`${inbound.channel}:${inbound.conversation}`, () => receiveAndRun(inbound)),
    process: (inbound, options = {}) => queue.run(`${inbound.channel}:${inbound.conversation}`, () => processStored(inbound, options)),
  };
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
  const together = understandPart([...lead, text, ...after].join(". "), state);
  if (story.join(" ").split(/\s+/).length <= SHORT_CONTEXT_WORDS) return together;
  const storyTopics = [...new Set(story.flatMap((l) => understandPart(l, state).analysis.topics))];
  const alone = understandPart(text, storyTopics.length > 0 ? { ...state, topics: storyTopics } : state);
  return together.confidence > alone.confidence ? together : alone;
}

/** Ends the reply with "Did I get that right: …?" and Yes/No quick replies, and remembers what waits for the answer. */
function askToConfirm(result: TurnResult, unsure: { field: string; value: string }, m: Messages): TurnResult {
  const { field, value } = unsure;
  const label = (m.profile_labels as Record<string, string>)[field] ?? field;
  return {
    ...result,
    replies: appendReply(result.replies, {
      text: fill(m.confirm, { fact: `${label}: ${formatValue(value, field)}` }),
      quickReplies: [
        { title: m.confirm_yes, payload: PAYLOAD.confirmYes },
        { title: m.confirm_no, payload: PAYLOAD.confirmNo },
      ],
    }),
    state: { ...result.state, pending: { field, value } },
  };
}

function firstCitation(o: Outcome): string | undefined {
  return o.result.replies[0]?.citations?.[0]?.entryId ?? o.result.replies[0]?.text;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The facts of `next` that differ from what `profile` already holds. */
function changedFacts(profile: Profile, next: Partial<Profile>): Partial<Profile> {
  return Object.fromEntries(Object.entries(next).filter(([k, v]) => v !== undefined && profile[k] !== v)) as Partial<Profile>;
}

function prependText(replies: Reply[], text: string): Reply[] {
  const [first, ...rest] = replies;
  return first ? [{ ...first, text: `${text}\n\n${first.text}` }, ...rest] : [{ text }];
}

/** Adds a question to the last reply (so that its quick replies sit under it). */
function appendReply(replies: Reply[], extra: Reply): Reply[] {
  const last = replies.at(-1);
  if (!last) return [extra];
  return [...replies.slice(0, -1), { ...last, text: `${last.text}\n\n${extra.text}`, quickReplies: extra.quickReplies ?? last.quickReplies }];
}
