import { defaultHandlers } from "../intents/handlers.js";
import { formatValue, profileLines } from "../intents/profile.js";
import type { Messages } from "../knowledge/schema.js";
import { fill } from "../knowledge/template.js";
import type { Logger } from "../logger.js";
import { silentLogger } from "../logger.js";
import { cleanInput } from "../nlu/text.js";
import { isLeadPayload } from "../leads/form.js";
import type { LeadStatus } from "../leads/model.js";
import { afterAnswer, queueLead, SUMMARY_HISTORY, takeOver, type LeadContext } from "../leads/workflow.js";
import { PAYLOAD, understand } from "../nlu/understand.js";
import { systemClock, type Clock } from "./clock.js";
import type { Intent } from "./intents.js";
import type { KnowledgeSource, LoadedKnowledge } from "./knowledge-source.js";
import { createKeyedQueue } from "./keyed-queue.js";
import { applyHint, mayRephrase, shouldConsult } from "./language-assist.js";
import type { CallContext, Classification, LanguageLayer, PastMessage } from "./language-model.js";
import { planQuestions, type PlannedQuestion } from "./questions.js";
import type { Inbound, Reply } from "./model.js";
import type { ConversationStore, LeadWrite, LoadedConversation } from "./ports.js";
import { createRouter } from "./router.js";
import { startTurnBudget, TurnBudgetExceeded } from "./turn-budget.js";
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
  /** The optional language model: reads unsure or non-English messages and rephrases their answers. Off when absent. */
  language?: LanguageLayer;
  /** Whether a counselor desk (Slack) sees the leads; false: the lead form says they are only stored. Default true. */
  counselorDesk?: boolean;
  /** The CPU budget of reading one message (see turn-budget.ts); default 500 ms. */
  turnBudgetMs?: number;
}

/** What one call of `handle` produced. */
export interface HandleResult {
  /** False when this message id was handled before (a redelivery): no replies then. */
  handled: boolean;
  intent: Intent | null;
  replies: Reply[];
  /** The lead this turn started, advanced or wrote to (its thread), as it is after the turn. */
  lead?: { id: number; status: LeadStatus };
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
    // The lead workflow (src/leads/): the form, a counselor holding the conversation, offers, the lead's thread.
    const leadCtx: LeadContext = { inbound, text: clean.text, state: received.state, profile: received.profile, lead: received.lead ?? null, loaded, now, deskConnected: options.counselorDesk };
    let leadWrite: LeadWrite | undefined;
    let withdrawConsent: { version: string } | undefined;
    try {
      // takeOver() answers a photo only while a counselor holds the conversation (a note in the thread).
      const taken = how.limited ? null : takeOver(leadCtx);
      if (how.limited) {
        outcome = fixed(messages.rate_limited);
      } else if (unsupported ? !taken : !clean.text && !inbound.payload) {
        outcome = fixed(unsupported ? messages.unreadable : messages.empty_message);
      } else if (taken && !taken.route) {
        const done = taken.queued ? queueLead(taken, leadCtx, await store.history(inbound.channel, inbound.conversation, SUMMARY_HISTORY)) : taken;
        outcome = { intent: done.intent, confidence: 1, result: { replies: done.replies }, state: done.state, profile: done.profile };
        leadWrite = done.lead;
        withdrawConsent = done.withdrawConsent;
      } else {
        // A stale button of a finished form or offer is read as the text on it.
        const asked = isLeadPayload(inbound.payload) ? { ...inbound, payload: undefined } : inbound;
        outcome = options.language
          ? await runAssisted(options.language, asked, clean.text, received, loaded, now)
          : runQuestions(asked, clean.text, received.state, received.profile, loaded, now);
        const after = afterAnswer(leadCtx, outcome, taken ?? undefined);
        outcome = { ...outcome, result: after.result, state: after.state };
        leadWrite = after.lead;
      }
      if (clean.truncated) {
        outcome.result = { ...outcome.result, replies: prependText(outcome.result.replies, fill(messages.too_long, { limit: maxChars })) };
      }
    } catch (err) {
      if (err instanceof TurnBudgetExceeded) {
        log.warn({ channel: inbound.channel, messageId: inbound.id, chars: clean.text.length, budgetMs: err.budgetMs }, "turn over its CPU budget; answered with a short notice");
        outcome = fixed(messages.too_complex);
      } else {
        log.error({ err, channel: inbound.channel, conversation: inbound.conversation, messageId: inbound.id }, "turn failed");
        outcome = fixed(messages.error);
      }
      leadWrite = undefined;
      withdrawConsent = undefined;
    }

    const { intent, result } = outcome;
    if (result.forget) {
      const inbox = how.deliver ? { conversation: inbound.conversation, messageId: inbound.id, receivedAt: inbound.receivedAt, replies: result.replies } : undefined;
      await store.forget(inbound.channel, inbound.sender, inbox);
      log.info({ channel: inbound.channel, conversation: inbound.conversation }, "student data erased on request");
      return { handled: true, intent, replies: result.replies };
    }
    const saved = await store.saveTurn({
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
      ...(leadWrite ? { lead: leadWrite } : {}),
      ...(withdrawConsent ? { withdrawConsent } : {}),
    });
    if (saved.lead) log.info({ channel: inbound.channel, leadId: saved.lead.id, status: saved.lead.status, step: leadWrite?.set?.step }, "lead turn");
    log.debug({ channel: inbound.channel, conversation: inbound.conversation, intent, confidence: outcome.confidence, fellBack: result.fellBack ?? false }, "turn done");
    return { handled: true, intent, replies: result.replies, ...(saved.lead ? { lead: { id: saved.lead.id, status: saved.lead.status } } : {}) };
  }

  /**
   * The turn with the language model's help (the cascade): it reads the
   * message only when the offline reading is unsure or the message is not in
   * English, and then rephrases the cited answer. Any failure of the model
   * leaves the offline turn as it is.
   */
  async function runAssisted(language: LanguageLayer, inbound: Inbound, text: string, received: LoadedConversation, loaded: LoadedKnowledge, now: Date): Promise<Outcome> {
    const { state, profile } = received;
    // The offline reading decides whether to ask the model, and serves the turn when it does not.
    const offline = understand(text, state, loaded.nlu, loaded.kb, now, inbound.payload);
    if (!shouldConsult(offline, text, inbound.payload, state)) return runQuestions(inbound, text, state, profile, loaded, now, undefined, offline);
    const names = typeof profile.name === "string" ? [profile.name] : [];
    const { history, earlierTexts } = await recentTurns(inbound);
    const context: CallContext = { channel: inbound.channel, conversation: inbound.conversation, knownNames: names, earlierTexts };
    const hint = await language.classify({ ...context, text, history });
    // The model failed (down, slow, malformed): the offline turn, without a second try in the same turn.
    if (!hint) return runQuestions(inbound, text, state, profile, loaded, now, undefined, offline);
    const outcome = runQuestions(inbound, hint.english, state, profile, loaded, now, hint);
    if (!mayRephrase(outcome.intent, outcome.result, outcome.state)) return outcome;
    const reply = outcome.result.replies[0] as Reply;
    const cited = (reply.citations ?? []).map((c) => loaded.kb.byId.get(c.entryId)).filter((e) => e !== undefined);
    const entries = cited.map((e) => ({ id: e.id, title: e.title, body: e.body }));
    const phrased = await language.phrase({ ...context, question: text, offlineAnswer: reply.text, entries, language: hint.language, history });
    if (!phrased) return outcome;
    return { ...outcome, result: { ...outcome.result, replies: [{ ...reply, text: phrased.text, generated: true }] } };
  }

  /** This conversation's last few messages before the current one, oldest first; and the student's earlier ones (for names only). */
  async function recentTurns(inbound: Inbound): Promise<{ history: PastMessage[]; earlierTexts: string[] }> {
    const past = await store.history(inbound.channel, inbound.conversation, 50);
    if (past.at(-1)?.direction === "in") past.pop();
    const recent = past.slice(-5);
    const earlierTexts = past.slice(0, -5).filter((m) => m.direction === "in").map((m) => m.text);
    return { history: recent.map((m) => ({ from: m.direction === "in" ? "student" : "bot", text: m.text })), earlierTexts };
  }

  /**
   * Answers every question of a message, in order, in one reply: "what does an
   * observership cost and how early should I apply?" gets both answers, the
   * second in the context of the first. `hint`: the language model's reading of
   * the whole message, when it was asked; `read`: the offline reading of
   * `text`, when the caller already has it.
   */
  function runQuestions(inbound: Inbound, text: string, state: ConversationState, profile: Profile, loaded: LoadedKnowledge, now: Date, hint?: Classification, read?: Understanding): Outcome {
    const { kb, nlu } = loaded;
    const offline = read ?? understand(text, state, nlu, kb, now, inbound.payload);
    const whole = hint ? applyHint(offline, hint) : offline;
    if (inbound.payload || whole.command || whole.confirmation || whole.analysis.emergency) {
      return answer(inbound, text, whole, state, profile, loaded, now);
    }
    const stated = Object.keys(whole.facts).length > 0 || whole.unsure !== undefined;
    // Sentences that only tell rotabot about the student are context, not questions.
    const understood = new Map<string, Understanding>([[text, whole]]);
    const budget = startTurnBudget(options.turnBudgetMs ?? 500);
    const understandPart = (part: string, st: ConversationState) => {
      budget.check();
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
