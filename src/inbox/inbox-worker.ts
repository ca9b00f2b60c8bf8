import { silentLogger, type Logger } from "../logger.js";
import type { Bot, HandleResult } from "../dialog/bot.js";
import { systemClock, type Clock } from "../core/clock.js";
import type { Channel } from "../core/model.js";
import { brief, createOutboxDelivery } from "./outbox-delivery.js";
import type { ChannelSender, InboxStore, LoadedConversation, OutboxItem, PendingMessage } from "../core/ports.js";

export { backoffMs } from "./outbox-delivery.js";

/** What the worker reports, for /metrics. */
export interface WorkerObserver {
  turn?(channel: Channel, seconds: number, outcome: "answered" | "limited" | "failed" | "dead"): void;
  delivery?(channel: Channel, outcome: "sent" | "retry" | "undeliverable"): void;
  error?(channel: Channel | "all", where: "process" | "deliver" | "sweep"): void;
}

export interface WorkerOptions {
  bot: Bot;
  inbox: InboxStore;
  senders: ChannelSender[];
  clock?: Clock;
  logger?: Logger;
  /** Conversations processed at once by this process. */
  concurrency?: number;
  /** How often to look for work left by a crash, a redelivery or a failed send. */
  sweepMs?: number;
  /** Processing attempts before a message becomes a dead letter. */
  maxAttempts?: number;
  /**
   * How long a woken conversation waits before it is drained, so that messages
   * arriving together (or reversed) are all pending and taken in platform order.
   */
  settleMs?: number;
  /** Messages per student per minute that get an answer; the next one gets a notice. */
  rateLimitPerMinute?: number;
  observer?: WorkerObserver;
  /**
   * A reply will never be delivered (blocked bot, closed reply window): report
   * it to the lead it belongs to (the counselor's thread and card). Errors are
   * logged, never thrown.
   */
  onUndeliverable?(item: OutboxItem, reason: string): Promise<void>;
  /** The longest one reply may take to send before it is abandoned and retried (see OutboxDeliveryOptions). */
  sendTimeoutMs?: number;
}

export interface InboxWorker {
  /** A message of this conversation was just accepted: process it soon. */
  notify(channel: Channel, conversation: string): void;
  /** Starts the sweeper, which also picks up work left by an earlier process. */
  start(): void;
  /** Stops taking work and waits for the conversations in flight to finish. */
  stop(): Promise<void>;
  /** Resolves when nothing is scheduled or running. */
  idle(): Promise<void>;
}

const BATCH = 20;
/**
 * Messages of one conversation answered in a row while others wait for a slot: a student's burst of two is answered
 * together (one lock and one read of the inbox), and nobody waits behind more than two of another's turns.
 */
const SLICE_TURNS = 2;

/**
 * Processes the inbox. Each conversation is drained by one worker at a time,
 * under a database lock, so messages of one chat are handled one by one and in
 * platform order even with several processes; its outbox is delivered in order
 * after each turn, in the background (outbox-delivery.ts), so a hanging send
 * never holds one of the `concurrency` turn slots. Sends are slow work done
 * here, never in a webhook request.
 */
export function createInboxWorker(options: WorkerOptions): InboxWorker {
  const { bot, inbox, observer = {} } = options;
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? silentLogger;
  const concurrency = options.concurrency ?? 8;
  const maxAttempts = options.maxAttempts ?? 3;
  const rateLimit = options.rateLimitPerMinute ?? 20;
  const senders = new Map(options.senders.map((s) => [s.channel, s]));

  // Replies leave apart from the turns: a hanging platform never holds a turn slot.
  const delivery = createOutboxDelivery({ inbox, clock, log, observer, onUndeliverable: options.onUndeliverable, sendTimeoutMs: options.sendTimeoutMs });
  const deliver = (sender: ChannelSender, conversation: string, claimed?: OutboxItem) => delivery.deliver(sender, conversation, claimed);
  const queued: string[] = [];
  const scheduled = new Set<string>();
  const running = new Set<string>();
  const again = new Set<string>();
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let idleWaiters: (() => void)[] = [];

  const keyOf = (channel: Channel, conversation: string) => `${channel}\u0000${conversation}`;
  const split = (key: string) => {
    const i = key.indexOf("\u0000");
    return { channel: key.slice(0, i) as Channel, conversation: key.slice(i + 1) };
  };

  const settleMs = options.settleMs ?? 25;
  const settling = new Set<ReturnType<typeof setTimeout>>();

  function notify(channel: Channel, conversation: string) {
    if (stopping || !senders.has(channel)) return;
    const key = keyOf(channel, conversation);
    if (running.has(key)) again.add(key);
    else if (!scheduled.has(key)) {
      scheduled.add(key);
      const t = setTimeout(() => {
        settling.delete(t);
        if (stopping) return;
        queued.push(key);
        pump();
      }, settleMs);
      settling.add(t);
    }
  }

  function pump() {
    while (!stopping && running.size < concurrency && queued.length > 0) {
      const key = queued.shift() as string;
      scheduled.delete(key);
      running.add(key);
      const { channel, conversation } = split(key);
      void drain(channel, conversation)
        .catch((err: unknown) => {
          observer.error?.(channel, "process");
          log.warn({ err: brief(err), channel }, "conversation left for the next sweep");
        })
        .finally(() => {
          running.delete(key);
          if (again.delete(key)) notify(channel, conversation);
          pump();
          if (running.size === 0 && queued.length === 0 && settling.size === 0) {
            for (const w of idleWaiters) w();
            idleWaiters = [];
          }
        });
    }
  }

  async function drain(channel: Channel, conversation: string) {
    const sender = senders.get(channel) as ChannelSender;
    const lock = await inbox.lockConversation(channel, conversation);
    // Another process holds it; it looks for new messages again after releasing.
    if (!lock) return;
    let yielded = false;
    let answered = 0;
    let pendingLeft = false;
    try {
      for (let first = true; ; first = false) {
        const batch = await inbox.pending(channel, conversation, BATCH);
        // Nothing to answer: replies left by an earlier process (or a failed send) may still be due.
        if (batch.length === 0) {
          if (first) deliver(sender, conversation);
          break;
        }
        // The conversation as the previous turn of this batch left it: the next message of the same sender needs
        // no read of its own (the batch read brings it for the first message only).
        let after: { sender: string; conversation: LoadedConversation } | undefined;
        for (const message of batch) {
          // Stopping: the turn in flight finishes and its reply is sent; the rest waits in the inbox.
          if (stopping) break;
          // Round robin: once this conversation has had its slice and others wait for a slot, the rest of its
          // backlog goes to the back of the queue.
          if (answered >= SLICE_TURNS && queued.length > 0 && running.size >= concurrency) {
            yielded = true;
            break;
          }
          // Let waiting I/O (webhook requests to acknowledge) run first: an embedded database
          // answers through microtasks, and a backlog of turns would otherwise starve the acks.
          await new Promise<void>((resolve) => setImmediate(resolve));
          const carried = !message.conversation && after?.sender === message.inbound.sender ? after.conversation : undefined;
          const done = await processOne(sender, carried ? { ...message, conversation: carried } : message);
          after = done?.after ? { sender: message.inbound.sender, conversation: done.after } : undefined;
          deliver(sender, conversation, done?.claimed);
          answered++;
        }
        // A short batch was the whole backlog; anything accepted since is found after the lock is released.
        if (stopping || yielded || batch.length < BATCH) break;
      }
    } finally {
      // A message accepted by another process while the lock was held may have found it taken: the release says
      // whether any is pending (in its own round trip), and the conversation is drained again.
      pendingLeft = await lock.release();
    }
    if (!stopping && (yielded || pendingLeft)) again.add(keyOf(channel, conversation));
  }

  /**
   * One turn; returns its first reply's outbox row when the turn claimed it for delivery (see
   * TurnRecord.claimFirstReplyMs), and the conversation as the turn left it (HandleResult.after).
   */
  async function processOne(sender: ChannelSender, m: PendingMessage): Promise<Pick<HandleResult, "claimed" | "after"> | undefined> {
    const { channel, id } = m.inbound;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    if (m.recentCount > rateLimit + 1) {
      // Over the limit and already told: kept, not answered.
      await inbox.markSkipped(channel, id, "rate limited");
      observer.turn?.(channel, seconds(), "limited");
      return;
    }
    sender.typing?.(m.inbound.conversation);
    try {
      const done = await bot.process(m.inbound, {
        truncated: m.truncated,
        limited: m.recentCount > rateLimit,
        claimFirstReplyMs: delivery.leaseMs,
        ...(m.conversation ? { conversation: m.conversation } : {}),
      });
      observer.turn?.(channel, seconds(), m.recentCount > rateLimit ? "limited" : "answered");
      return done;
    } catch (err) {
      if (isTransient(err)) throw err;
      const dead = m.attempts + 1 >= maxAttempts;
      log.error({ err: brief(err), channel, messageId: id, attempt: m.attempts + 1 }, dead ? "message moved to dead letters" : "turn failed; will retry");
      await inbox.markFailed(channel, id, brief(err), dead);
      observer.turn?.(channel, seconds(), dead ? "dead" : "failed");
    }
  }

  async function sweep() {
    try {
      for (const w of await inbox.waiting(clock.now(), 200)) notify(w.channel, w.conversation);
    } catch (err) {
      observer.error?.("all", "sweep");
      log.warn({ err: brief(err) }, "sweep failed; the database may be down");
    }
  }

  return {
    notify,
    start() {
      if (timer) return;
      void sweep();
      timer = setInterval(() => void sweep(), options.sweepMs ?? 1000);
      timer.unref();
    },
    async stop() {
      stopping = true;
      clearInterval(timer);
      for (const t of settling) clearTimeout(t);
      settling.clear();
      queued.length = 0;
      scheduled.clear();
      if (running.size > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
      // The replies of the last turns leave before the process does (each send is bounded).
      await delivery.idle();
    },
    async idle() {
      if (running.size > 0 || queued.length > 0 || settling.size > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
      await delivery.idle();
    },
  };
}

/** The database is unreachable (not a bad statement): retry later without counting an attempt. */
export function isTransient(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  const code = e?.code ?? "";
  if (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P02", "57P03"].includes(code) || code.startsWith("08")) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout/i.test(e?.message ?? "");
}
