import type { Logger } from "../logger.js";
import type { Clock } from "../core/clock.js";
import { ChannelApiError } from "../core/errors.js";
import type { Channel, Reply } from "../core/model.js";
import type { ChannelSender, InboxStore, OutboxItem } from "../core/ports.js";

const MAX_BACKOFF_MS = 5 * 60_000;

export interface OutboxDeliveryOptions {
  inbox: InboxStore;
  clock: Clock;
  log: Logger;
  observer: {
    delivery?(channel: Channel, outcome: "sent" | "retry" | "undeliverable"): void;
    error?(channel: Channel | "all", where: "process" | "deliver" | "sweep"): void;
  };
  onUndeliverable?(item: OutboxItem, reason: string): Promise<void>;
  /**
   * The longest one reply may take to leave (all its messages, the platform
   * throttle and its 429 waits included). Then the send is aborted and the
   * reply retried later with backoff.
   */
  sendTimeoutMs?: number;
  /**
   * How long a reply being sent stays claimed (invisible to other deliverers,
   * here and in other processes); renewed while the send runs, so after a
   * crash it is retried within this time.
   */
  leaseMs?: number;
}

export interface OutboxDelivery {
  /**
   * Delivers the conversation's due outbox items in order, in the background; never throws. `claimed`: an item
   * already claimed for this deliverer (a turn's first reply, see TurnRecord.claimFirstReplyMs), sent first.
   */
  deliver(sender: ChannelSender, conversation: string, claimed?: OutboxItem): void;
  /** How long a claim lasts (renewed while a send runs). */
  readonly leaseMs: number;
  /** Conversations with a delivery in progress. */
  readonly active: number;
  /** Resolves when no delivery is in progress. */
  idle(): Promise<void>;
}

/**
 * Outbound delivery of the messenger outbox, apart from the turns: a slow or
 * hanging platform holds only its own conversation's delivery, never a turn
 * slot or a conversation lock. Per conversation one reply is in flight at a
 * time and replies leave in order; each one is claimed in the database before
 * it is sent (a conditional update), so two deliverers never send it twice.
 */
export function createOutboxDelivery(options: OutboxDeliveryOptions): OutboxDelivery {
  const { inbox, clock, log, observer } = options;
  const sendTimeoutMs = options.sendTimeoutMs ?? 45_000;
  const leaseMs = options.leaseMs ?? 5_000;
  const lanes = new Map<string, { again: boolean; claimed: OutboxItem[] }>();
  let waiters: (() => void)[] = [];
  // Sent, but the database could not record it (it went down mid-send): recording is
  // retried before anything else, so the student does not get the reply twice.
  const sentUnrecorded = new Map<number, Date>();

  function deliver(sender: ChannelSender, conversation: string, claimed?: OutboxItem) {
    const key = `${sender.channel}\u0000${conversation}`;
    const running = lanes.get(key);
    if (running) {
      // A turn added a reply while an earlier one is being sent: read the outbox again afterwards.
      running.again = true;
      if (claimed) running.claimed.push(claimed);
      return;
    }
    const lane = { again: false, claimed: claimed ? [claimed] : [] };
    lanes.set(key, lane);
    void (async () => {
      try {
        do {
          lane.again = false;
          await drain(sender, conversation, lane.claimed);
        } while (lane.again);
      } catch (err) {
        observer.error?.(sender.channel, "deliver");
        log.warn({ err: brief(err), channel: sender.channel }, "delivery left for the next sweep");
      } finally {
        lanes.delete(key);
        if (lanes.size === 0) {
          for (const w of waiters) w();
          waiters = [];
        }
      }
    })();
  }

  /**
   * Sends the conversation's outbox in order; stops at the first item that must wait. Each item is claimed before
   * it is sent, and recorded as sent in the statement that claims the next one.
   */
  async function drain(sender: ChannelSender, conversation: string, preclaimed: OutboxItem[]) {
    const { channel } = sender;
    let sent: { id: number; at: Date } | undefined;
    for (;;) {
      const now = clock.now();
      let next: Awaited<ReturnType<InboxStore["claimNext"]>>;
      try {
        // A reply claimed when its turn was saved goes first (nothing older waited then); the send before it, if
        // any, is recorded on its own, since claiming the head would find this claim taken.
        const own = preclaimed.shift();
        if (own && sent) await inbox.markSent(sent.id, sent.at);
        next = own ? { item: own, claimed: true } : await inbox.claimNext(channel, conversation, new Date(now.getTime() + leaseMs), now, sent);
      } catch (err) {
        if (sent && sentUnrecorded.size < 100_000) sentUnrecorded.set(sent.id, sent.at);
        throw err;
      }
      sent = undefined;
      if (!next) return;
      const { item, claimed } = next;
      const sentAt = sentUnrecorded.get(item.id);
      if (sentAt) {
        await inbox.markSent(item.id, sentAt);
        sentUnrecorded.delete(item.id);
        continue;
      }
      // Not due yet (a retry's backoff), or another deliverer (another process) claimed it first: it sends it and
      // the ones after it.
      if (!claimed) return;
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
        await sendBounded(sender, conversation, item.id, payload.reply);
      } catch (err) {
        if (err instanceof ChannelApiError && err.details.permanent) {
          log.warn({ channel, outboxId: item.id, reason: err.details.reason ?? err.message }, "reply undeliverable");
          await inbox.markUndeliverable(item.id, err.details.reason ?? err.message);
          observer.delivery?.(channel, "undeliverable");
          await reportUndeliverable(item, err.details.reason ?? err.message);
          continue;
        }
        const retryAfter = err instanceof ChannelApiError ? err.details.retryAfterMs : undefined;
        const next = new Date(clock.now().getTime() + backoffMs(item.attempts, retryAfter));
        log.warn({ channel, outboxId: item.id, attempt: item.attempts + 1, err: brief(err) }, "send failed; will retry");
        observer.delivery?.(channel, "retry");
        await inbox.markRetry(item.id, brief(err), next);
        return;
      }
      sent = { id: item.id, at: clock.now() };
      observer.delivery?.(channel, "sent");
    }
  }

  /** The send, aborted after sendTimeoutMs; the claim is renewed while it runs. */
  async function sendBounded(sender: ChannelSender, conversation: string, id: number, reply: Reply) {
    const abort = new AbortController();
    const renew = setInterval(() => {
      inbox.lease(id, new Date(clock.now().getTime() + leaseMs)).catch(() => {});
    }, Math.max(50, leaseMs / 3));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new ChannelApiError(`the send took longer than ${sendTimeoutMs} ms and was abandoned`, { permanent: false }));
      }, sendTimeoutMs);
    });
    try {
      await Promise.race([sender.send(conversation, reply, { signal: abort.signal, outboxId: id }), timedOut]);
    } finally {
      clearInterval(renew);
      clearTimeout(timer);
    }
  }

  async function reportUndeliverable(item: OutboxItem, reason: string) {
    try {
      await options.onUndeliverable?.(item, reason);
    } catch (err) {
      log.warn({ channel: item.channel, outboxId: item.id, err: brief(err) }, "could not report an undeliverable reply to its lead");
    }
  }

  return {
    deliver,
    leaseMs,
    get active() {
      return lanes.size;
    },
    idle() {
      if (lanes.size === 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

/** Exponential backoff with jitter, never sooner than the platform asked. */
export function backoffMs(attempts: number, retryAfterMs?: number): number {
  const exp = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempts);
  const jittered = exp / 2 + Math.random() * (exp / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** An error's name and message, never its stack or the data it carries. */
export function brief(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 300) : String(err).slice(0, 300);
}
