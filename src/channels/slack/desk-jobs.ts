import { systemClock, type Clock } from "../../core/clock.js";
import { ChannelApiError } from "../../core/errors.js";
import type { Channel } from "../../core/model.js";
import type { LeadDesk } from "../../leads/desk.js";
import { formatOpening, isOpen, nextOpening, type OfficeHours } from "../../leads/office-hours.js";
import type { Messages } from "../../knowledge/schema.js";
import { fill } from "../../knowledge/template.js";
import { silentLogger, type Logger } from "../../logger.js";
import type { SlackApi } from "./api.js";
import type { CounselorReplies } from "./counselor-replies.js";

export interface DeskJobsOptions {
  desk: LeadDesk;
  api: SlackApi;
  replies: CounselorReplies;
  messages: () => Messages;
  /** A queued lead unclaimed this long after its card was posted is re-announced. */
  claimTimeoutMs: number;
  officeHours?: OfficeHours;
  /** Re-announcements per lead at most. */
  maxReannounce?: number;
  /** Student notices and Slack rows were enqueued: wake their senders. */
  notify(channel: Channel, conversation: string): void;
  notifySlack(): void;
  clock?: Clock;
  logger?: Logger;
  /** How often open lead threads are read back (`conversations.replies` is about 50 calls a minute). */
  reconcileEveryMs?: number;
  threadsPerPass?: number;
  reannounceEveryMs?: number;
  /**
   * The reconciler relays thread messages younger than this (default 7 days);
   * the keys that make each message relayed once are kept twice as long, then pruned.
   */
  reconcileHorizonMs?: number;
  pruneEveryMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The desk's periodic work. The reconciler reads the threads of open leads
 * and relays any counselor reply whose event never arrived (same key as the
 * live event, so once). The claim timeout re-announces an unclaimed lead in
 * the channel and tells the student an honest wait, or, outside office hours,
 * when counselors are back.
 */
export function createDeskJobs(options: DeskJobsOptions) {
  const { desk, api, replies } = options;
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? silentLogger;
  const maxReannounce = options.maxReannounce ?? 3;
  const timers: NodeJS.Timeout[] = [];
  let running: Promise<unknown> = Promise.resolve();
  let stopping = false;

  const horizonMs = options.reconcileHorizonMs ?? 7 * DAY_MS;

  /** Reads open lead threads; returns how many counselor replies it relayed. */
  async function reconcile(): Promise<number> {
    let relayed = 0;
    // Older messages may have had their keys pruned: never look at them again.
    const oldest = clock.now().getTime() - horizonMs;
    for (const lead of await desk.openThreads(options.threadsPerPass ?? 40)) {
      if (stopping || !lead.card) break;
      try {
        let cursor: string | undefined;
        for (let page = 0; page < 5; page++) {
          const r = await api.replies({ channel: lead.card.channel, ts: lead.card.ts, cursor });
          for (const m of r.messages) {
            if (Number(m.ts) * 1000 < oldest) continue;
            const outcome = await replies({ ...m, channel: lead.card.channel, thread_ts: m.thread_ts ?? lead.card.ts }, false);
            if (outcome.outcome === "relayed") relayed++;
          }
          cursor = r.nextCursor;
          if (!cursor) break;
        }
      } catch (err) {
        log.warn({ channel: "slack", leadId: lead.id, err: err instanceof Error ? err.message : String(err) }, "could not read a lead thread");
        // Rate limited or Slack down: the next pass tries again.
        if (err instanceof ChannelApiError && !err.details.permanent) break;
      }
    }
    if (relayed > 0) log.info({ channel: "slack", relayed }, "reconciler relayed counselor replies whose events were missed");
    return relayed;
  }

  /** Re-announces leads past the claim timeout; returns how many. */
  async function reannounceDue(): Promise<number> {
    const now = clock.now();
    const msgs = options.messages();
    let done = 0;
    for (const lead of await desk.dueForReannounce(now, options.claimTimeoutMs, maxReannounce, 50)) {
      const hours = options.officeHours;
      const open = !hours || isOpen(hours, now);
      const minutes = Math.round((now.getTime() - (lead.announcedAt ?? lead.createdAt).getTime()) / 60_000);
      const ok = open
        ? await desk.reannounce(lead.id, now, {
            thread: `:rotating_light: Still unclaimed after ${minutes} min. Can someone take lead #${lead.id}?`,
            student: { text: msgs.lead_wait },
          })
        : await desk.reannounce(lead.id, now, {
            student: {
              text: fill(msgs.lead_wait_after_hours, { hours: `${hours.spec} (${hours.timeZone})`, opens: formatOpening(hours, nextOpening(hours, now)) }),
            },
            // Nobody is in: count the next timeout from the opening, not from now.
            countFrom: nextOpening(hours, now),
          });
      if (!ok) continue;
      done++;
      options.notify(lead.channel, lead.conversation);
      options.notifySlack();
    }
    if (done > 0) log.info({ channel: "slack", leads: done }, "unclaimed leads re-announced");
    return done;
  }

  /** Forgets event and message keys older than twice the horizon (Slack retries an event for about an hour). */
  async function pruneEvents(): Promise<number> {
    const n = await desk.pruneEvents(new Date(clock.now().getTime() - 2 * horizonMs));
    if (n > 0) log.info({ channel: "slack", events: n }, "old Slack event keys pruned");
    return n;
  }

  const every = (ms: number, job: () => Promise<unknown>) => {
    const t = setInterval(() => {
      if (stopping) return;
      running = running.then(job).catch((err: unknown) => log.warn({ channel: "slack", err: err instanceof Error ? err.message : String(err) }, "desk job failed"));
    }, ms);
    t.unref();
    timers.push(t);
  };

  return {
    reconcile,
    reannounceDue,
    pruneEvents,
    start() {
      every(options.reconcileEveryMs ?? 60_000, reconcile);
      every(options.reannounceEveryMs ?? 30_000, reannounceDue);
      every(options.pruneEveryMs ?? 60 * 60 * 1000, pruneEvents);
    },
    async stop() {
      stopping = true;
      for (const t of timers) clearInterval(t);
      await running;
    },
  };
}

export type DeskJobs = ReturnType<typeof createDeskJobs>;
