import { systemClock, type Clock } from "../core/clock.js";
import type { Intent } from "../core/intents.js";
import { createKeyedQueue } from "../core/keyed-queue.js";
import type { LeadStatus } from "../core/lead.js";
import type { LanguageLayer } from "../core/language-model.js";
import type { Inbound, Reply } from "../core/model.js";
import type { ConversationStore, LoadedConversation, OutboxItem } from "../core/ports.js";
import { defaultHandlers } from "../intents/handlers.js";
import type { IntentHandler } from "../intents/turn.js";
import { silentLogger, type Logger } from "../logger.js";
import type { KnowledgeSource } from "../nlu/knowledge-source.js";
import { cleanInput } from "../nlu/text.js";
import { compose } from "./compose.js";
import { createRouter } from "./router.js";
import { saveTurn } from "./save-turn.js";
import { TURN } from "./steps/index.js";
import { answerFailure } from "./turn-error.js";
import type { TurnContext } from "./turn-context.js";

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
  /** The CPU budget of reading one message (see core/turn-budget.ts); default 500 ms. */
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
  /** `process` with `claimFirstReplyMs`: the first reply's outbox row, claimed for the caller to send. */
  claimed?: OutboxItem;
  /**
   * The conversation as the turn saved it, when no lead is open or was written in it: what `store.load` would read
   * now. The inbox worker hands it to the next message of the same sender in the batch (ProcessOptions.conversation).
   */
  after?: LoadedConversation;
}

export interface ProcessOptions {
  truncated?: boolean;
  limited?: boolean;
  /** See TurnRecord.claimFirstReplyMs. */
  claimFirstReplyMs?: number;
  /** The conversation, read with the message (PendingMessage.conversation): the turn does not read it again. */
  conversation?: LoadedConversation;
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
   * rate-limit notice instead of a turn. `claimFirstReplyMs`: see TurnRecord. Throws only when the database fails.
   */
  process(inbound: Inbound, options?: ProcessOptions): Promise<HandleResult>;
}

/**
 * The bot: for each message, load the conversation, run the turn's steps
 * (steps/index.ts) over one TurnContext, and save what they decided. A step
 * that throws is logged, and the student gets the knowledge base's error
 * message; nothing of that turn's lead work is saved.
 */
export function createBot(options: BotOptions): Bot {
  const { store, knowledge } = options;
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? silentLogger;
  const maxChars = options.maxMessageChars ?? 2000;
  const turnBudgetMs = options.turnBudgetMs ?? 500;
  const route = createRouter({ ...defaultHandlers, ...options.handlers });
  const runSteps = compose(TURN);
  const queue = createKeyedQueue();

  async function run(inbound: Inbound, conversation: LoadedConversation, how: { truncated: boolean; limited: boolean; deliver: boolean; claimFirstReplyMs?: number }) {
    const ctx: TurnContext = {
      inbound, conversation, route, maxChars, turnBudgetMs, truncated: how.truncated, limited: how.limited,
      knowledge: knowledge.current(), now: clock.now(), language: options.language, counselorDesk: options.counselorDesk,
      history: (limit) => store.history(inbound.channel, inbound.conversation, limit),
    };
    try {
      await runSteps(ctx);
      if (!ctx.outcome) throw new Error("no step of the turn answered");
    } catch (err) {
      answerFailure(ctx, err, log);
    }
    return saveTurn(ctx, { store, log, deliver: how.deliver, claimFirstReplyMs: how.claimFirstReplyMs, at: clock.now() });
  }

  /** The console and replay: store the message and run its turn at once. */
  async function receiveAndRun(inbound: Inbound): Promise<HandleResult> {
    const clean = cleanInput(inbound.text, maxChars);
    const message = { ...inbound, text: clean.text };
    const received = await store.receive(message, { truncated: clean.truncated });
    if (!received.isNew) {
      log.info({ channel: inbound.channel, messageId: inbound.id }, "duplicate message ignored");
      return { handled: false, intent: null, replies: [] };
    }
    return run(message, received, { truncated: clean.truncated, limited: false, deliver: false });
  }

  /** The messenger channels: the message waits in the inbox, already cleaned. */
  async function processStored(inbound: Inbound, o: ProcessOptions): Promise<HandleResult> {
    const loaded = o.conversation ?? (await store.load(inbound.channel, inbound.conversation, inbound.sender));
    return run(inbound, loaded, { truncated: o.truncated ?? false, limited: o.limited ?? false, deliver: true, claimFirstReplyMs: o.claimFirstReplyMs });
  }

  return {
    handle: (inbound) => queue.run(`${inbound.channel}:${inbound.conversation}`, () => receiveAndRun(inbound)),
    process: (inbound, o = {}) => queue.run(`${inbound.channel}:${inbound.conversation}`, () => processStored(inbound, o)),
  };
}
