import { defaultHandlers } from "../intents/handlers.js";
import { profileLines } from "../intents/profile.js";
import type { Logger } from "../logger.js";
import { silentLogger } from "../logger.js";
import { cleanInput } from "../nlu/text.js";
import { understand } from "../nlu/understand.js";
import { systemClock, type Clock } from "./clock.js";
import type { Intent } from "./intents.js";
import type { KnowledgeSource } from "./knowledge-source.js";
import { createKeyedQueue } from "./keyed-queue.js";
import type { Inbound, Reply } from "./model.js";
import type { ConversationStore } from "./ports.js";
import { createRouter } from "./router.js";
import type { Profile } from "./state.js";
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
}

export function createBot(options: BotOptions): Bot {
  const { store, knowledge } = options;
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? silentLogger;
  const maxChars = options.maxMessageChars ?? 2000;
  const route = createRouter({ ...defaultHandlers, ...options.handlers });
  const queue = createKeyedQueue();

  async function runTurn(inbound: Inbound): Promise<HandleResult> {
    const unsupported = inbound.contentType === "unsupported";
    const clean = cleanInput(inbound.text, maxChars);
    const stored = await store.saveInbound({ ...inbound, text: clean.text }, { truncated: clean.truncated });
    if (!stored.isNew) {
      log.info({ channel: inbound.channel, messageId: inbound.id }, "duplicate message ignored");
      return { handled: false, intent: null, replies: [] };
    }
    const started = clock.now();
    const { state, profile } = await store.load(inbound.channel, inbound.conversation, inbound.sender);
    const { kb, nlu } = knowledge.current();

    let understanding: Understanding | null = null;
    let result: TurnResult;
    let newProfile: Profile = profile;
    try {
      if (unsupported || (!clean.text && !inbound.payload)) {
        result = { replies: [{ text: unsupported ? kb.messages.unreadable : kb.messages.empty_message }] };
      } else {
        understanding = understand(clean.text, state, nlu, inbound.payload);
        const learned = changedFacts(profile, understanding.facts);
        if (Object.keys(learned).length > 0) newProfile = { ...profile, ...learned };
        const turn: Turn = { inbound, text: clean.text, truncated: clean.truncated, understanding, state, profile: newProfile, kb, now: started };
        result = route(turn);
        const noted = profileLines(learned, kb.messages);
        if (noted.length > 0) {
          const note = kb.messages.noted.replace("{facts}", noted.join(", "));
          // A statement about oneself is not a miss, even when there was no question in it.
          result = understanding.fellBack
            ? { ...result, replies: [{ text: note }], state: { ...result.state, misses: 0 }, fellBack: false }
            : { ...result, replies: prependText(result.replies, note) };
        }
      }
      if (clean.truncated) {
        result = { ...result, replies: prependText(result.replies, kb.messages.too_long.replace("{limit}", String(maxChars))) };
      }
    } catch (err) {
      log.error({ err, channel: inbound.channel, conversation: inbound.conversation, messageId: inbound.id }, "turn failed");
      result = { replies: [{ text: kb.messages.error }] };
    }

    const intent: Intent = understanding?.intent ?? "out_of_scope";
    if (result.forget) {
      await store.forget(inbound.channel, inbound.sender);
      log.info({ channel: inbound.channel, conversation: inbound.conversation }, "student data erased on request");
      return { handled: true, intent, replies: result.replies };
    }
    await store.saveTurn({
      inbound: { ...inbound, text: clean.text },
      intent,
      confidence: understanding?.confidence ?? 0,
      fellBack: result.fellBack ?? false,
      replies: result.replies,
      state: { ...state, ...result.state, turns: state.turns + 1 },
      profile: newProfile,
      profileChanged: newProfile !== profile,
      at: clock.now(),
    });
    log.debug({ channel: inbound.channel, conversation: inbound.conversation, intent, confidence: understanding?.confidence }, "turn done");
    return { handled: true, intent, replies: result.replies };
  }

  return {
    handle: (inbound) => queue.run(`${inbound.channel}:${inbound.conversation}`, () => runTurn(inbound)),
  };
}

/** The facts of `next` that differ from what `profile` already holds. */
function changedFacts(profile: Profile, next: Partial<Profile>): Partial<Profile> {
  return Object.fromEntries(Object.entries(next).filter(([k, v]) => v !== undefined && profile[k] !== v)) as Partial<Profile>;
}

function prependText(replies: Reply[], text: string): Reply[] {
  const [first, ...rest] = replies;
  return first ? [{ ...first, text: `${text}\n\n${first.text}` }, ...rest] : [{ text }];
}
