import type { UserFromGetMe } from "grammy/types";
import { createTelegramChannel, type TelegramChannel } from "./channels/telegram/telegram-channel.js";
import { createWhatsAppChannel } from "./channels/whatsapp/whatsapp-channel.js";
import type { Clock } from "./core/clock.js";
import { createInboxWorker, type InboxWorker } from "./core/inbox-worker.js";
import { createIntake } from "./core/intake.js";
import type { ChannelSender } from "./core/ports.js";
import type { Config } from "./config.js";
import { createMetrics } from "./http/metrics.js";
import { createHttpServer, type HttpServerOptions } from "./http/server.js";
import type { Logger } from "./logger.js";
import { createApp, type App } from "./main.js";
import type { StorageTarget } from "./storage/open-storage.js";

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
}

export interface RunningServer {
  port: number;
  app: App;
  worker: InboxWorker;
  /** Graceful stop: no new requests, in-flight requests and turns finish, the database closes. */
  close(): Promise<void>;
}

/**
 * `rotabot serve`: one HTTP server with the webhooks of every configured
 * channel, health and metrics, and the inbox worker that answers students.
 */
export async function startServer(config: Readonly<Config>, options: ServeOptions): Promise<RunningServer> {
  const { logger } = options;
  const app = await createApp(config, { logger, storage: options.storage, clock: options.clock, watchKnowledge: options.watchKnowledge ?? true });
  const { inbox } = app.storage;
  const metrics = createMetrics(inbox);
  const senders: ChannelSender[] = [];
  const webhooks: HttpServerOptions["webhooks"] = [];
  // The worker is created first so that the intake can wake it; it learns its senders below.
  let worker: InboxWorker | undefined;
  const intake = createIntake({ inbox, worker: { notify: (ch, conv) => worker?.notify(ch, conv) }, maxMessageChars: config.maxMessageChars });

  let telegram: TelegramChannel | undefined;
  if (config.telegram) {
    telegram = createTelegramChannel(
      { ...config.telegram, botInfo: options.telegramBotInfo, pollTimeoutSeconds: options.telegramPollTimeoutSeconds, perChatMinMs: options.telegramPerChatMinMs },
      intake,
      logger,
    );
    senders.push(telegram.sender);
    webhooks.push({ path: "/telegram/webhook", channel: "telegram", handler: telegram.webhook });
  }
  if (config.whatsapp) {
    const whatsapp = createWhatsAppChannel(config.whatsapp, intake, { logger, listButton: () => app.knowledge.current().kb.messages.list_button });
    senders.push(whatsapp.sender);
    webhooks.push({ path: "/whatsapp/webhook", channel: "whatsapp", handler: whatsapp.webhook });
  }
  if (senders.length === 0) logger.warn("no channel is configured: set TELEGRAM_BOT_TOKEN or the WHATSAPP_ settings (see .env.example)");

  worker = createInboxWorker({
    bot: app.bot,
    inbox,
    senders,
    clock: options.clock,
    logger,
    concurrency: config.server.workerConcurrency,
    rateLimitPerMinute: config.server.rateLimitPerMinute,
    sweepMs: options.sweepMs,
    observer: metrics.observer,
  });

  const http = createHttpServer({
    webhooks,
    metrics,
    logger,
    async ready() {
      const checks: Record<string, string> = {};
      try {
        await app.storage.store.ping();
        checks.database = "ok";
      } catch (err) {
        checks.database = `unreachable: ${err instanceof Error ? err.message : String(err)}`.slice(0, 200);
      }
      checks.knowledge = app.knowledge.current().kb.entries.length > 0 ? "ok" : "empty";
      return { ok: Object.values(checks).every((v) => v === "ok"), checks };
    },
  });

  let port: number;
  try {
    port = await http.listen(config.server.port, options.host);
    worker.start();
    await telegram?.start();
  } catch (err) {
    await worker.stop();
    await http.close().catch(() => {});
    await app.close();
    throw err;
  }
  logger.info({ port, channels: senders.map((s) => s.channel) }, "rotabot serve is listening");

  let closing: Promise<void> | undefined;
  return {
    port,
    app,
    worker,
    close() {
      closing ??= (async () => {
        await telegram?.stop();
        await http.close();
        await worker?.stop();
        await app.close();
        logger.info("rotabot serve stopped");
      })();
      return closing;
    },
  };
}
