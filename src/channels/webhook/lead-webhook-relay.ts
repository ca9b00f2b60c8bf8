import { createPollingLoop } from "../../core/polling-loop.js";
import { systemClock, type Clock } from "../../core/clock.js";
import { ChannelApiError } from "../../core/errors.js";
import { backoffMs } from "../../inbox/inbox-worker.js";
import type { OutboxItem } from "../../core/ports.js";
import type { LeadDesk, SlackOutbox } from "../../leads/desk.js";
import { leadWebhookBody } from "../../leads/webhook-event.js";
import { silentLogger, type Logger } from "../../logger.js";
import { signLeadEvent } from "./signature.js";

export interface LeadWebhookRelayOptions {
  /** The outbox of channel "webhook" (createSqlSlackOutbox(db, "webhook")). */
  outbox: SlackOutbox;
  /** Reads the lead as it is now: contact details and summary come from the row at delivery. */
  desk: Pick<LeadDesk, "get">;
  url: string;
  secret: string;
  clock?: Clock;
  sleep?: (ms: number) => Promise<void>;
  logger?: Logger;
  /** Minimum spacing of requests to the receiver, shared by every process (the pace row "webhook"). */
  paceMs?: number;
  leaseMs?: number;
  batch?: number;
  /** Attempts before an event is given up (dead, counted in metrics); a refused event dies at once. */
  maxAttempts?: number;
  /** Longest wait after a failure: how soon a recovered receiver is noticed. */
  maxBackoffMs?: number;
  pollMs?: number;
  /** One request's time limit. */
  timeoutMs?: number;
  observer?: { delivery?(outcome: "sent" | "retry" | "dead"): void };
}

export interface LeadWebhookRelay {
  tick(): Promise<number>;
  notify(): void;
  start(): void;
  stop(): Promise<void>;
}

/** The pace row of the receiver in `slack_pace` (one receiver per deployment). */
const PACE_KEY = "webhook";
/** Answers that refuse the event itself: retrying the same body cannot help. */
const REFUSED = new Set([400, 410, 413, 415, 422]);
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Delivers the lead events of the outbox to LEAD_WEBHOOK_URL, signed, in order
 * per lead, with the Slack relay's rules: rows leased with `FOR UPDATE SKIP
 * LOCKED` (several processes share one database), requests paced through the
 * database, a 429 or 503 honoured for its Retry-After, an outage retried with
 * a jittered backoff while the rows wait, a refused event (400, 410, 413, 415,
 * 422) or one failing `maxAttempts` times marked dead. Every event carries its
 * idempotency key (header and body): a crash between a request and its record
 * can repeat that one event, which the receiver drops by key.
 */
export function createLeadWebhookRelay(options: LeadWebhookRelayOptions): LeadWebhookRelay {
  const { outbox, desk, url, secret } = options;
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const log = options.logger ?? silentLogger;
  const paceMs = options.paceMs ?? 100;
  const leaseMs = options.leaseMs ?? 60_000;
  const batch = options.batch ?? 20;
  const maxAttempts = options.maxAttempts ?? 50;
  const pollMs = options.pollMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const observer = options.observer ?? {};
  const loop = createPollingLoop(() => tick(), {
    pollMs,
    onError: (err) => log.warn({ channel: "webhook", err: err instanceof Error ? err.message : String(err) }, "lead webhook pass failed; the database may be down"),
  });

  async function deliver(item: OutboxItem): Promise<void> {
    const { payload } = item;
    if (payload.kind !== "lead_event") throw new ChannelApiError(`a ${payload.kind} row in the webhook outbox`, { permanent: true, reason: "not a webhook row" });
    const event = leadWebhookBody(item.key, payload, await desk.get(payload.leadId));
    // The signature covers exactly these bytes: the body is serialized once.
    const body = JSON.stringify(event);
    const timestamp = Math.floor(clock.now().getTime() / 1000);
    let res: Response;
    try {
      res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "rotabot-lead-webhook/1",
          "idempotency-key": item.key,
          "x-rotabot-event": event.type,
          "x-rotabot-timestamp": String(timestamp),
          "x-rotabot-signature": signLeadEvent(secret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: "error",
      });
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      throw new ChannelApiError(`lead webhook unreachable: ${(err as Error).message}`, { permanent: false, reason: "unreachable" });
    }
    if (res.ok) return;
    const retryAfter = Number(res.headers.get("retry-after"));
    throw new ChannelApiError(`lead webhook answered ${res.status}`, {
      status: res.status,
      permanent: REFUSED.has(res.status),
      retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 3600) * 1000 : undefined,
      reason: `http ${res.status}`,
    });
  }

  async function tick(): Promise<number> {
    const items = await outbox.claimDue(clock.now(), leaseMs, batch);
    let sent = 0;
    for (const [i, item] of items.entries()) {
      const rest = () => items.slice(i).map((x) => x.id);
      if (loop.stopping) {
        await outbox.release(rest(), clock.now());
        break;
      }
      const slot = await outbox.reserveSlot(PACE_KEY, clock.now(), paceMs, Math.min(leaseMs / 2, 3_000));
      if (!slot.reserved) {
        await outbox.release(rest(), slot.at);
        break;
      }
      const wait = slot.at.getTime() - clock.now().getTime();
      if (wait > 0) await sleep(wait);
      try {
        await deliver(item);
      } catch (err) {
        const e = err instanceof ChannelApiError ? err : new ChannelApiError(String(err), { permanent: false });
        if (e.details.permanent || item.attempts + 1 >= maxAttempts) {
          log.error({ channel: "webhook", outboxId: item.id, event: item.key, attempt: item.attempts + 1, reason: e.details.reason ?? e.message }, "lead event given up");
          await outbox.markDead(item.id, e.message);
          observer.delivery?.("dead");
          continue;
        }
        const now = clock.now();
        const next = new Date(now.getTime() + (e.details.retryAfterMs ?? Math.min(maxBackoffMs, backoffMs(item.attempts))));
        log.warn({ channel: "webhook", outboxId: item.id, attempt: item.attempts + 1, err: e.message, retryInMs: next.getTime() - now.getTime() }, "lead webhook failed; will retry");
        // The receiver is down or busy: every event waits, not only this one.
        await outbox.markRetry(item.id, e.message, next);
        await outbox.pause(PACE_KEY, next);
        await outbox.release(items.slice(i + 1).map((x) => x.id), next);
        observer.delivery?.("retry");
        break;
      }
      await outbox.markSent(item.id, clock.now());
      observer.delivery?.("sent");
      sent++;
    }
    return sent;
  }

  return { tick, notify: loop.notify, start: loop.start, stop: loop.stop };
}
