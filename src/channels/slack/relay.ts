import { createPollingLoop } from "../../core/polling-loop.js";
import { systemClock, type Clock } from "../../core/clock.js";
import { ChannelApiError } from "../../core/errors.js";
import { backoffMs } from "../../inbox/inbox-worker.js";
import type { OutboxItem } from "../../core/ports.js";
import type { LeadDesk, SlackOutbox } from "../../leads/desk.js";
import type { Lead } from "../../core/lead.js";
import { silentLogger, type Logger } from "../../logger.js";
import type { SlackApi } from "./api.js";
import { ERASED_THREAD_MESSAGE, renderLeadCard, renderThreadMessage } from "./card.js";

export interface SlackRelayOptions {
  outbox: SlackOutbox;
  desk: LeadDesk;
  api: SlackApi;
  /** Where new cards are posted (SLACK_LEADS_CHANNEL). */
  leadsChannel: string;
  clock?: Clock;
  /** How the relay waits; a fake clock's advance in tests and the bench. */
  sleep?: (ms: number) => Promise<void>;
  logger?: Logger;
  /** Minimum spacing of posts in one Slack channel (Slack allows about one a second). */
  paceMs?: number;
  /** How long a taken row is reserved for this process before another may take it. */
  leaseMs?: number;
  /** Rows taken at once. */
  batch?: number;
  /** Attempts before a row is given up (dead, counted in metrics); permanent errors die at once. */
  maxAttempts?: number;
  /** Longest wait after an outage's failure: how soon a recovered Slack is noticed. */
  maxBackoffMs?: number;
  /** How often an idle relay looks for new rows. */
  pollMs?: number;
  observer?: { delivery?(outcome: "sent" | "retry" | "dead"): void };
}

export interface SlackRelay {
  /** Delivers what is due now, paced; returns how many rows were sent. */
  tick(): Promise<number>;
  /** Something was enqueued: look now rather than at the next poll. */
  notify(): void;
  start(): void;
  /** Stops taking rows; the row in flight finishes, leased ones are given back. */
  stop(): Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Delivers the Slack outbox: lead cards (posted once, then `chat.update` in
 * place, rendered from the lead row as it is now) and thread messages, in
 * order per lead. Rows are leased with `FOR UPDATE SKIP LOCKED`, so several
 * processes can relay one database. Posts are paced per Slack channel through
 * the database; a 429 pauses that channel for its Retry-After, an outage for
 * a jittered backoff, and the rows wait in the outbox: none is lost or sent
 * twice (a crash between a post and its record can repeat that one post).
 */
export function createSlackRelay(options: SlackRelayOptions): SlackRelay {
  const { outbox, desk, api, leadsChannel } = options;
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const log = options.logger ?? silentLogger;
  const paceMs = options.paceMs ?? 1000;
  const leaseMs = options.leaseMs ?? 60_000;
  const batch = options.batch ?? 10;
  const maxAttempts = options.maxAttempts ?? 50;
  const pollMs = options.pollMs ?? 200;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  const observer = options.observer ?? {};
  const loop = createPollingLoop(() => tick(), {
    pollMs,
    onError: (err) => log.warn({ channel: "slack", err: err instanceof Error ? err.message : String(err) }, "Slack relay pass failed; the database may be down"),
  });

  /** Posts or updates one row of `lead`; returns the ts of a posted thread message. Throws ChannelApiError. */
  async function deliver(item: OutboxItem, lead: Lead | null): Promise<string | undefined> {
    const { payload } = item;
    if (payload.kind === "reply" || payload.kind === "lead_event") throw new ChannelApiError(`a ${payload.kind} row in the Slack outbox`, { permanent: true, reason: "not a Slack row" });
    if (!lead) throw new ChannelApiError(`lead ${payload.leadId} is gone`, { permanent: true, reason: "lead not found" });
    if (payload.kind === "lead_card") {
      const { text, blocks } = renderLeadCard(lead, clock.now());
      if (lead.card) {
        try {
          await api.update({ channel: lead.card.channel, ts: lead.card.ts, text, blocks });
          return;
        } catch (err) {
          // Someone deleted the card: post it again, and the thread starts anew under it.
          if (!(err instanceof ChannelApiError && err.details.reason === "message_not_found")) throw err;
        }
      }
      const posted = await api.postMessage({ channel: leadsChannel, text, blocks });
      await desk.setCard(lead.id, { channel: leadsChannel, ts: posted.ts }, clock.now());
      return undefined;
    }
    if (!lead.card) throw new ChannelApiError(`lead ${lead.id} has no card to thread under`, { permanent: true, reason: "no card" });
    if (payload.kind === "thread_erase") {
      try {
        await api.update({ channel: lead.card.channel, ts: payload.ts, text: ERASED_THREAD_MESSAGE });
      } catch (err) {
        // Already deleted in Slack: nothing left to erase.
        if (!(err instanceof ChannelApiError && err.details.reason === "message_not_found")) throw err;
      }
      return undefined;
    }
    const posted = await api.postMessage({ channel: lead.card.channel, thread_ts: lead.card.ts, text: renderThreadMessage(payload), ...(payload.broadcast ? { reply_broadcast: true } : {}) });
    return posted.ts;
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
      const lead = item.payload.kind === "reply" ? null : await desk.get(item.payload.leadId);
      const target = lead?.card?.channel ?? leadsChannel;
      const slot = await outbox.reserveSlot(target, clock.now(), paceMs, Math.min(leaseMs / 2, 3_000));
      if (!slot.reserved) {
        // Paused (a 429 or an outage) or a long queue: give the rows back, due at the slot.
        await outbox.release(rest(), slot.at);
        break;
      }
      const wait = slot.at.getTime() - clock.now().getTime();
      if (wait > 0) await sleep(wait);
      let postedTs: string | undefined;
      try {
        postedTs = await deliver(item, lead);
      } catch (err) {
        const e = err instanceof ChannelApiError ? err : new ChannelApiError(String(err), { permanent: false });
        if (e.details.permanent || item.attempts + 1 >= maxAttempts) {
          log.error({ channel: "slack", outboxId: item.id, attempt: item.attempts + 1, reason: e.details.reason ?? e.message }, "Slack row given up");
          await outbox.markDead(item.id, e.message);
          observer.delivery?.("dead");
          continue;
        }
        const now = clock.now();
        const next = new Date(now.getTime() + (e.details.retryAfterMs ?? Math.min(maxBackoffMs, backoffMs(item.attempts))));
        log.warn({ channel: "slack", outboxId: item.id, attempt: item.attempts + 1, err: e.message, retryInMs: next.getTime() - now.getTime() }, "Slack post failed; will retry");
        await outbox.markRetry(item.id, e.message, next);
        await outbox.pause(target, next);
        await outbox.release(items.slice(i + 1).map((x) => x.id), next);
        observer.delivery?.("retry");
        break;
      }
      await outbox.markSent(item.id, clock.now(), postedTs);
      observer.delivery?.("sent");
      sent++;
    }
    return sent;
  }

  return { tick, notify: loop.notify, start: loop.start, stop: loop.stop };
}
