import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { WorkerObserver } from "../inbox/inbox-worker.js";
import type { InboxStore } from "../core/ports.js";
import type { LlmStats } from "../llm/stats.js";

export interface Metrics {
  registry: Registry;
  observer: WorkerObserver;
  /** One webhook request answered: its channel, status and how long the ack took. */
  webhook(channel: string, status: number, seconds: number): void;
}

/**
 * Prometheus metrics: turns and their latency, deliveries, errors, webhook
 * acks, and the inbox, outbox and dead-letter depths per channel (read from
 * the database on each scrape, so every process reports the shared truth).
 * With the LLM layer on (`llm`), its requests by kind and outcome, grounding
 * rejections by kind, tokens and cost, read from the layer's counters.
 */
export function createMetrics(inbox: Pick<InboxStore, "depths">, llm?: Pick<LlmStats, "snapshot">, options: { depthsCacheMs?: number } = {}): Metrics {
  const registry = new Registry();
  // Scrapes share one depth query at a time and its answer for a few seconds: twenty
  // scrapers must not mean twenty counts in the database that also acks the webhooks.
  const cacheMs = options.depthsCacheMs ?? 5_000;
  let cached: { at: number; value: Promise<Awaited<ReturnType<typeof inbox.depths>>> } | undefined;
  const depths = () => {
    const now = performance.now();
    if (!cached || now - cached.at > cacheMs) {
      const value = inbox.depths();
      cached = { at: now, value };
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
    }
    return cached.value;
  };
  collectDefaultMetrics({ register: registry, prefix: "rotabot_process_" });
  const turns = new Counter({ name: "rotabot_turns_total", help: "Messages processed, by channel and outcome", labelNames: ["channel", "outcome"], registers: [registry] });
  const turnSeconds = new Histogram({
    name: "rotabot_turn_duration_seconds",
    help: "Time to process one message (understand, answer, save), by channel",
    labelNames: ["channel"],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const deliveries = new Counter({ name: "rotabot_deliveries_total", help: "Outbox sends, by channel and outcome", labelNames: ["channel", "outcome"], registers: [registry] });
  const errors = new Counter({ name: "rotabot_errors_total", help: "Errors, by channel and where they happened", labelNames: ["channel", "where"], registers: [registry] });
  const requests = new Counter({ name: "rotabot_webhook_requests_total", help: "Webhook requests, by channel and HTTP status", labelNames: ["channel", "status"], registers: [registry] });
  const ackSeconds = new Histogram({
    name: "rotabot_webhook_ack_seconds",
    help: "Time from request to answer of a webhook, by channel",
    labelNames: ["channel"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  new Gauge({
    name: "rotabot_queue_depth",
    help: "Pending inbox messages, undelivered outbox items and dead letters, by channel",
    labelNames: ["channel", "queue"],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const d of await depths()) {
          this.set({ channel: d.channel, queue: "inbox" }, d.inbox);
          this.set({ channel: d.channel, queue: "outbox" }, d.outbox);
          this.set({ channel: d.channel, queue: "dead" }, d.dead);
        }
      } catch {
        errors.inc({ channel: "all", where: "metrics" });
      }
    },
  });
  if (llm) registerLlmMetrics(registry, llm);
  return {
    registry,
    observer: {
      turn(channel, seconds, outcome) {
        turns.inc({ channel, outcome });
        turnSeconds.observe({ channel }, seconds);
      },
      delivery: (channel, outcome) => deliveries.inc({ channel, outcome }),
      error: (channel, where) => errors.inc({ channel, where }),
    },
    webhook(channel, status, seconds) {
      requests.inc({ channel, status: String(status) });
      ackSeconds.observe({ channel }, seconds);
      if (status >= 500) errors.inc({ channel, where: "webhook" });
    },
  };
}

/** Counters of the LLM layer, copied from its in-process counts on each scrape. */
function registerLlmMetrics(registry: Registry, llm: Pick<LlmStats, "snapshot">): void {
  new Counter({
    name: "rotabot_llm_requests_total",
    help: "LLM requests, by kind (classify, phrase) and outcome (ok, cached, timeout, error, invalid, rejected_grounding, budget)",
    labelNames: ["kind", "outcome"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, n] of Object.entries(llm.snapshot().calls)) {
        const [kind = "", outcome = ""] = key.split(":");
        this.inc({ kind, outcome }, n);
      }
    },
  });
  new Counter({
    name: "rotabot_llm_grounding_rejections_total",
    help: "LLM answers rejected by the grounding check, by the kind of problem (number, money, citation, canary, promise, ...)",
    labelNames: ["problem"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [problem, n] of Object.entries(llm.snapshot().rejections)) this.inc({ problem }, n);
    },
  });
  new Counter({
    name: "rotabot_llm_tokens_total",
    help: "Tokens used by the LLM layer, by direction",
    labelNames: ["direction"],
    registers: [registry],
    collect() {
      this.reset();
      const s = llm.snapshot();
      this.inc({ direction: "input" }, s.inputTokens);
      this.inc({ direction: "output" }, s.outputTokens);
    },
  });
  new Counter({
    name: "rotabot_llm_cost_usd_total",
    help: "Estimated LLM cost in USD (tokens times LLM_PRICE_PER_1K_TOKENS)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(llm.snapshot().costUsd);
    },
  });
}
