import type { UserFromGetMe } from "grammy/types";
import { createTelegramChannel, type TelegramChannel } from "./channels/telegram/telegram-channel.js";
import { createWhatsAppChannel } from "./channels/whatsapp/whatsapp-channel.js";
import { createDeskJobs, type DeskJobs } from "./channels/slack/desk-jobs.js";
import { createSlackRelay, type SlackRelay } from "./channels/slack/relay.js";
import { createSlackChannel, type SlackChannel } from "./channels/slack/slack-channel.js";
import { createLeadWebhookRelay, type LeadWebhookRelay } from "./channels/webhook/lead-webhook-relay.js";
import type { WebchatChannel } from "./channels/webchat/webchat-channel.js";
import { systemClock, type Clock } from "./core/clock.js";
import type { KnowledgeSource } from "./nlu/knowledge-source.js";
import type { InboxWorker } from "./inbox/inbox-worker.js";
import { createIntake } from "./inbox/intake.js";
import type { Config } from "./config.js";
import { createMetrics } from "./http/metrics.js";
import { createHttpServer, type HttpServerOptions } from "./http/server.js";
import { idKeyOf, type Logger } from "./logger.js";
import { openKnowledge } from "./main.js";
import { openStorage, type Storage, type StorageTarget } from "./storage/open-storage.js";
import { startWorkerRuntime } from "./worker-runtime.js";
import { startWorkerThread } from "./worker-thread-host.js";
import { emptyLlmSnapshot, type LlmStatsSnapshot } from "./llm/stats.js";

export interface ServeOptions {
  logger: Logger;
  storage?: StorageTarget;
  clock?: Clock;
  host?: string;
  /** Telegram's getMe answer, to skip the call (tests). */
  telegramBotInfo?: UserFromGetMe;
  telegramPollTimeoutSeconds?: number;
  telegramPerChatMinMs?: number;
  sweepMs?: number;
  watchKnowledge?: boolean;
  /**
   * Answer students in a worker thread, so that turns never delay a webhook's
   * acknowledgement. Default: on with PostgreSQL, off with the embedded
   * database (it belongs to one thread) and with an injected clock.
   */
  workerThread?: boolean;
  /** Slack: the bot's ids (skips auth.test; tests), and the relay's clock-driven waits (tests, bench). */
  slackBotIds?: { botId: string; botUserId: string };
  slackRelay?: { sleep?: (ms: number) => Promise<void>; paceMs?: number; pollMs?: number };
  /** Slack desk jobs' periods (tests). */
  slackJobs?: { reconcileEveryMs?: number; reannounceEveryMs?: number };
  /** The lead webhook relay's waits (tests). */
  leadWebhookRelay?: { sleep?: (ms: number) => Promise<void>; paceMs?: number; pollMs?: number; maxBackoffMs?: number };
  /** How often the web chat's streams look for replies nobody woke them for (tests). */
  webchatPollMs?: number;
}

export interface RunningServer {
  port: number;
  /** The server's own database connection (the webhooks' inbox). */
  storage: Storage;
  worker: InboxWorker;
  /** Where turns run: in this thread, or in a worker thread. */
  workerMode: "inline" | "thread";
  /** The counselor desk, when Slack is configured. */
  slack?: { channel: SlackChannel; relay: SlackRelay; jobs: DeskJobs };
  /** The lead webhook relay, when LEAD_WEBHOOK_URL is set. */
  leadWebhook?: LeadWebhookRelay;
  /** The web chat, when WEBCHAT_SECRET is set. */
  webchat?: WebchatChannel;
  /** Graceful stop: no new requests, in-flight requests and turns finish, the database closes. */
  close(): Promise<void>;
}

/**
 * `rotabot serve`: one HTTP server with the webhooks of every configured
 * channel, health and metrics; and the worker runtime that answers students
 * (bot, senders, inbox worker), in a worker thread on PostgreSQL. The Slack
 * counselor desk (events and buttons, the relay to Slack, its periodic jobs)
 * runs with the server.
 */
export async function startServer(config: Readonly<Config>, options: ServeOptions): Promise<RunningServer> {
  const { logger } = options;
  const target = options.storage ?? config.database;
  const threaded = options.workerThread ?? (target.kind === "postgres" && !options.clock);
  if (threaded && target.kind !== "postgres") throw new Error("a worker thread needs PostgreSQL: the embedded database belongs to one thread");
  const runtimeOptions = {
    storage: target,
    telegramBotInfo: options.telegramBotInfo,
    telegramPerChatMinMs: options.telegramPerChatMinMs,
    sweepMs: options.sweepMs,
    watchKnowledge: options.watchKnowledge ?? true,
    // The relay polls the Slack outbox; in this thread it is also woken at once.
    notifySlack: () => slack?.relay.notify(),
    // The web chat's streams live in this thread; a worker thread sends these over as messages.
    webchatEvents: { replied: (c: string) => webchat?.hub.replied(c), typing: (c: string) => webchat?.hub.typing(c) },
  };
  let slack: RunningServer["slack"];
  let webchat: WebchatChannel | undefined;

  let storage: Storage | undefined;
  // Queue depths are read through the server's own connection, once it is open.
  // The LLM layer's counters live where the turns run; a worker thread sends them over every second.
  let llmStats: () => LlmStatsSnapshot = emptyLlmSnapshot;
  const metrics = createMetrics(
    { depths: () => (storage ? storage.inbox.depths() : Promise.resolve([])) },
    config.llm ? { snapshot: () => llmStats() } : undefined,
  );
  let worker: InboxWorker & { knowledgeEntries(): Promise<number> };
  let closeWorker: () => Promise<void>;
  // The desk's notices to students come from the knowledge base: the worker thread has its own copy, this thread loads one.
  let knowledge: KnowledgeSource | undefined;
  let closeKnowledge = () => {};
  if (threaded) {
    const own = await openStorage(target);
    storage = own;
    try {
      const { notifySlack: _inThisThreadOnly, webchatEvents, ...threadOptions } = runtimeOptions;
      const thread = await startWorkerThread({ config, logLevel: logger.level, logIdKey: idKeyOf(logger), options: threadOptions }, { logger, observer: metrics.observer, webchatEvents });
      worker = thread;
      llmStats = () => thread.llmSnapshot() ?? emptyLlmSnapshot();
      if (config.slack) ({ knowledge, close: closeKnowledge } = openKnowledge(config, { logger, watch: runtimeOptions.watchKnowledge, train: false }));
      closeWorker = async () => {
        await thread.stop();
        closeKnowledge();
        await own.close();
      };
    } catch (err) {
      closeKnowledge();
      await own.close().catch(() => {});
      throw err;
    }
  } else {
    const runtime = await startWorkerRuntime(config, { ...runtimeOptions, logger, clock: options.clock, observer: metrics.observer });
    storage = runtime.app.storage;
    knowledge = runtime.app.knowledge;
    const { llm } = runtime.app;
    if (llm) llmStats = () => llm.stats.snapshot();
    worker = Object.assign(runtime.worker, { knowledgeEntries: async () => runtime.app.knowledge.current().kb.entries.length });
    closeWorker = () => runtime.close();
  }
  const db = storage;

  const intake = createIntake({ inbox: db.inbox, worker, maxMessageChars: config.maxMessageChars });
  const webhooks: HttpServerOptions["webhooks"] = [];
  const channels: string[] = [];
  let telegram: TelegramChannel | undefined;
  if (config.telegram) {
    telegram = createTelegramChannel(
      { ...config.telegram, botInfo: options.telegramBotInfo, pollTimeoutSeconds: options.telegramPollTimeoutSeconds, perChatMinMs: options.telegramPerChatMinMs },
      intake,
      logger,
    );
    channels.push("telegram");
    webhooks.push({ path: "/telegram/webhook", channel: "telegram", handler: telegram.webhook });
  }
  if (config.whatsapp) {
    // Replies are rendered and sent by the worker runtime; this instance only receives.
    const whatsapp = createWhatsAppChannel(config.whatsapp, intake, { logger, listButton: () => "" });
    channels.push("whatsapp");
    webhooks.push({ path: "/whatsapp/webhook", channel: "whatsapp", handler: whatsapp.webhook });
  }
  if (config.webchat) {
    // Loaded only when it is on: its rate limiter is a sizeable module that the other channels do not need.
    const { createWebchatChannel } = await import("./channels/webchat/webchat-channel.js");
    webchat = createWebchatChannel(
      { ...config.webchat, rateLimitPerMinute: config.server.rateLimitPerMinute, publicUrl: config.server.publicUrl },
      { intake, mailbox: db.webchat, logger, pollMs: options.webchatPollMs },
    );
    channels.push("webchat");
    webhooks.push(...webchat.routes);
  }
  const clock = options.clock ?? systemClock;
  if (config.slack) {
    const { desk, slackOutbox } = db;
    const kb = knowledge as KnowledgeSource;
    const messages = () => kb.current().kb.messages;
    const notify = (ch: Parameters<InboxWorker["notify"]>[0], conv: string) => worker.notify(ch, conv);
    const notifySlack = () => slack?.relay.notify();
    const channel = createSlackChannel({ ...config.slack, ...options.slackBotIds }, { desk, messages, notify, notifySlack, clock, logger, deadLetter: intake.deadLetter });
    if (channel.webhook) webhooks.push({ path: "/slack/events", channel: "slack", handler: channel.webhook });
    const relay = createSlackRelay({
      outbox: slackOutbox,
      desk,
      api: channel.api,
      leadsChannel: config.slack.leadsChannel,
      clock,
      logger,
      ...options.slackRelay,
      observer: { delivery: (outcome) => metrics.observer.delivery?.("slack", outcome === "dead" ? "undeliverable" : outcome) },
    });
    const jobs = createDeskJobs({
      desk,
      api: channel.api,
      replies: channel.replies,
      messages,
      claimTimeoutMs: config.leads.claimTimeoutMinutes * 60_000,
      officeHours: config.leads.officeHours,
      notify,
      notifySlack,
      clock,
      logger,
      ...options.slackJobs,
    });
    slack = { channel, relay, jobs };
  }
  // Lead events reach a CRM with or without Slack: the relay polls the "webhook" outbox.
  const leadWebhook = config.leadWebhook
    ? createLeadWebhookRelay({
        outbox: db.webhookOutbox,
        desk: db.desk,
        ...config.leadWebhook,
        clock,
        logger,
        ...options.leadWebhookRelay,
        observer: { delivery: (outcome) => metrics.observer.delivery?.("webhook", outcome === "dead" ? "undeliverable" : outcome) },
      })
    : undefined;
  if (!config.slack && !config.leadWebhook) {
    // Said once, at start-up: students are told the truth (queued_stored), the operator here.
    logger.warn(
      "no counselor desk or lead webhook is configured (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_LEADS_CHANNEL, or LEAD_WEBHOOK_URL): leads are only stored in the database and nobody is notified; students are told so. See the waiting leads with: rotabot leads --status queued",
    );
  }
  if (channels.length === 0) logger.warn("no channel is configured: set TELEGRAM_BOT_TOKEN, the WHATSAPP_ settings or WEBCHAT_SECRET (see .env.example)");

  const http = createHttpServer({
    webhooks,
    metrics,
    metricsToken: config.server.metricsToken,
    logger,
    async ready() {
      const checks: Record<string, string> = {};
      try {
        await db.store.ping();
        checks.database = "ok";
      } catch (err) {
        // The database's own words (host names, users) stay in the log.
        checks.database = "unreachable";
        logger.warn({ err: err instanceof Error ? err.message.slice(0, 200) : String(err) }, "readiness: the database does not answer");
      }
      checks.knowledge = (await worker.knowledgeEntries()) > 0 ? "ok" : threaded ? "worker thread not running" : "empty";
      // A channel that cannot reach its platform is not ready (its reason is ours, without tokens).
      if (telegram) checks.telegram = telegram.readiness();
      return { ok: Object.values(checks).every((v) => v === "ok"), checks };
    },
  });

  let port: number;
  try {
    port = await http.listen(config.server.port, options.host);
    await telegram?.start();
    await slack?.channel.start();
    slack?.relay.start();
    slack?.jobs.start();
    leadWebhook?.start();
  } catch (err) {
    await leadWebhook?.stop();
    await slack?.jobs.stop();
    await slack?.relay.stop();
    webchat?.close();
    await http.close().catch(() => {});
    await closeWorker();
    throw err;
  }
  const workerMode = threaded ? "thread" : "inline";
  logger.info({ port, channels, workerMode, slack: slack ? (config.slack?.appToken ? "socket mode" : "/slack/events") : "off", leadWebhook: leadWebhook ? "on" : "off" }, "rotabot serve is listening");

  let closing: Promise<void> | undefined;
  return {
    port,
    storage: db,
    worker,
    workerMode,
    slack,
    leadWebhook,
    webchat,
    close() {
      closing ??= (async () => {
        await telegram?.stop();
        await slack?.channel.stop();
        // Open event streams would keep the server from closing; the pages reconnect by themselves.
        webchat?.close();
        await http.close();
        // The desk jobs and the relay finish the call in flight; leased rows go back to the outbox.
        await slack?.jobs.stop();
        await slack?.relay.stop();
        await leadWebhook?.stop();
        await closeWorker();
        logger.info("rotabot serve stopped");
      })();
      return closing;
    },
  };
}
