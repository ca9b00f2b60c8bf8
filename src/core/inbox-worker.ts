import { silentLogger, type Logger } from "../logger.js";
import type { Bot } from "./bot.js";
import { systemClock, type Clock } from "./clock.js";
import { ChannelApiError } from "./errors.js";
import type { Channel } from "./model.js";
import type { ChannelSender, InboxStore, OutboxItem, PendingMessage } from "./ports.js";

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
const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * Processes the inbox. Each conversation is drained by one worker at a time,
 * under a database lock, so messages of one chat are handled one by one and in
 * platform order even with several processes; its outbox is delivered in order
 * after each turn. Sends are slow work done here, never in a webhook request.
 */
export function createInboxWorker(options: WorkerOptions): InboxWorker {
  const { bot, inbox, observer = {} } = options;
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? silentLogger;
  const concurrency = options.concurrency ?? 8;
  const maxAttempts = options.maxAttempts ?? 3;
  const rateLimit = options.rateLimitPerMinute ?? 20;
  const senders = new Map(options.senders.map((s) => [s.channel, s]));

  // Sent, but the database could not record it (it went down mid-turn): recording is
  // retried before anything else, so the student does not get the reply twice.
  const sentUnrecorded = new Map<number, Date>();
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
    const release = await inbox.tryLock(`conversation:${channel}:${conversation}`);
    // Another process holds it; it looks for new messages again after releasing.
    if (!release) return;
    try {
      await deliver(sender, conversation);
      for (;;) {
        const batch = await inbox.pending(channel, conversation, BATCH);
        if (batch.length === 0) break;
        for (const message of batch) {
          // Stopping: the turn in flight finishes and its reply is sent; the rest waits in the inbox.
          if (stopping) break;
          // Let waiting I/O (webhook requests to acknowledge) run first: an embedded database
          // answers through microtasks, and a backlog of turns would otherwise starve the acks.
          await new Promise<void>((resolve) => setImmediate(resolve));
          await processOne(sender, message);
          await deliver(sender, conversation);
        }
        if (stopping) break;
      }
    } finally {
      await release();
    }
    // A message accepted by another process while the lock was held may have found it taken.
    if (!stopping && (await inbox.pending(channel, conversation, 1)).length > 0) again.add(keyOf(channel, conversation));
  }

  async function processOne(sender: ChannelSender, m: PendingMessage) {
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
      await bot.process(m.inbound, { truncated: m.truncated, limited: m.recentCount > rateLimit });
      observer.turn?.(channel, seconds(), m.recentCount > rateLimit ? "limited" : "answered");
    } catch (err) {
      if (isTransient(err)) throw err;
      const dead = m.attempts + 1 >= maxAttempts;
      log.error({ err: brief(err), channel, messageId: id, attempt: m.attempts + 1 }, dead ? "message moved to dead letters" : "turn failed; will retry");
      await inbox.markFailed(channel, id, brief(err), dead);
      observer.turn?.(channel, seconds(), dead ? "dead" : "failed");
    }
  }

  /** Sends the conversation's outbox in order; stops at the first item that must wait. */
  async function deliver(sender: ChannelSender, conversation: string) {
    const { channel } = sender;
    const items = await inbox.undelivered(channel, conversation, BATCH);
    for (const item of items) {
      const sentAt = sentUnrecorded.get(item.id);
      if (sentAt) {
        await inbox.markSent(item.id, sentAt);
        sentUnrecorded.delete(item.id);
        continue;
      }
      const now = clock.now();
      if (item.nextAttemptAt > now) return;
      const { payload } = item;
      if (payload.kind !== "reply") {
        // Slack traffic has its own relay; nothing else belongs in a messenger's outbox.
        await inbox.markUndeliverable(item.id, `not a reply: ${payload.kind}`);
        continue;
      }
      if (sender.replyWindowMs !== undefined) {
        // The message this replies to opens the window; only when that is too old does a
        // later message of the student's (read from the database) matter.
        const own = payload.inboundAt ? Date.parse(payload.inboundAt) : Number.NaN;
        const open = (t: number) => now.getTime() - t <= (sender.replyWindowMs as number);
        if (!(Number.isFinite(own) && open(own)) && !open((await inbox.lastInboundAt(channel, conversation))?.getTime() ?? 0)) {
          await inbox.markUndeliverable(item.id, "reply window closed");
          observer.delivery?.(channel, "undeliverable");
          await reportUndeliverable(item, "reply window closed");
          continue;
        }
      }
      try {
        await sender.send(conversation, payload.reply, { outboxId: item.id });
      } catch (err) {
        if (err instanceof ChannelApiError && err.details.permanent) {
          log.warn({ channel, outboxId: item.id, reason: err.details.reason ?? err.message }, "reply undeliverable");
          await inbox.markUndeliverable(item.id, err.details.reason ?? err.message);
          observer.delivery?.(channel, "undeliverable");
          await reportUndeliverable(item, err.details.reason ?? err.message);
          continue;
        }
        const retryAfter = err instanceof ChannelApiError ? err.details.retryAfterMs : undefined;
        const next = new Date(now.getTime() + backoffMs(item.attempts, retryAfter));
        log.warn({ channel, outboxId: item.id, attempt: item.attempts + 1, err: brief(err) }, "send failed; will retry");
        observer.delivery?.(channel, "retry");
        await inbox.markRetry(item.id, brief(err), next);
        return;
      }
      const sent = clock.now();
      observer.delivery?.(channel, "sent");
      try {
        await inbox.markSent(item.id, sent);
      } catch (err) {
        if (sentUnrecorded.size < 100_000) sentUnrecorded.set(item.id, sent);
        throw err;
      }
    }
  }

  async function reportUndeliverable(item: OutboxItem, reason: string) {
    try {
      await options.onUndeliverable?.(item, reason);
    } catch (err) {
      log.warn({ channel: item.channel, outboxId: item.id, err: brief(err) }, "could not report an undeliverable reply to its lead");
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
    },
    idle() {
      if (running.size === 0 && queued.length === 0 && settling.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}

/** Exponential backoff with jitter, never sooner than the platform asked. */
export function backoffMs(attempts: number, retryAfterMs?: number): number {
  const exp = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempts);
  const jittered = exp / 2 + Math.random() * (exp / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** The database is unreachable (not a bad statement): retry later without counting an attempt. */
export function isTransient(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  const code = e?.code ?? "";
  if (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P02", "57P03"].includes(code) || code.startsWith("08")) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout/i.test(e?.message ?? "");
}

/** An error's name and message, never its stack or the data it carries. */
function brief(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 300) : String(err).slice(0, 300);
}
