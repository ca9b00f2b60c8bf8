import type { UserFromGetMe } from "grammy/types";
import { createTelegramChannel } from "./channels/telegram/telegram-channel.js";
import { createWhatsAppChannel } from "./channels/whatsapp/whatsapp-channel.js";
import { createUndeliverableReporter } from "./channels/slack/undeliverable.js";
import { createWebchatSender, NO_WEBCHAT_EVENTS, type WebchatEvents } from "./channels/webchat/webchat-sender.js";
import { systemClock, type Clock } from "./core/clock.js";
import { createInboxWorker, type InboxWorker, type WorkerObserver } from "./inbox/inbox-worker.js";
import type { Intake } from "./inbox/intake.js";
import type { ChannelSender } from "./core/ports.js";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { createApp, type App } from "./main.js";
import type { StorageTarget } from "./storage/open-storage.js";

export interface WorkerRuntimeOptions {
  logger: Logger;
  storage?: StorageTarget;
  clock?: Clock;
  /** Telegram's getMe answer, to skip the call (tests). */
  telegramBotInfo?: UserFromGetMe;
  telegramPerChatMinMs?: number;
  sweepMs?: number;
  watchKnowledge?: boolean;
  observer?: WorkerObserver;
  /** Wakes the Slack relay when a lead's card or thread has news (in the relay's thread; it polls otherwise). */
  notifySlack?: () => void;
  /** Wakes the web chat's event streams (in the server thread) when a reply is stamped or a turn starts. */
  webchatEvents?: WebchatEvents;
}

export interface WorkerRuntime {
  app: App;
  worker: InboxWorker;
  /** The channels it answers on. */
  channels: string[];
  /** Finishes the conversations in flight, then closes the database. */
  close(): Promise<void>;
}

/** This half of the process only sends; it never receives (the webhooks and the poller live with the server). */
const sendOnly: Intake = {
  accept: () => Promise.reject(new Error("the worker runtime does not receive messages")),
  deadLetter: () => Promise.reject(new Error("the worker runtime does not receive messages")),
  recordStatus: () => Promise.reject(new Error("the worker runtime does not receive messages")),
};

/**
 * The answering half of `rotabot serve`: the bot, the senders of every
 * configured channel and the inbox worker, on a database connection of its
 * own. It runs in the server's process (embedded database) or in a worker
 * thread (PostgreSQL), so that turns never hold up a webhook's answer.
 * Throws KnowledgeError, StorageError.
 */
export async function startWorkerRuntime(config: Readonly<Config>, options: WorkerRuntimeOptions): Promise<WorkerRuntime> {
  const { logger } = options;
  const app = await createApp(config, { logger, storage: options.storage, clock: options.clock, watchKnowledge: options.watchKnowledge ?? true, progress: (line) => logger.info(line) });
  const senders: ChannelSender[] = [];
  if (config.telegram) {
    const settings = { ...config.telegram, botInfo: options.telegramBotInfo, perChatMinMs: options.telegramPerChatMinMs };
    senders.push(createTelegramChannel(settings, sendOnly, logger).sender);
  }
  if (config.whatsapp) {
    senders.push(createWhatsAppChannel(config.whatsapp, sendOnly, { logger, listButton: () => app.knowledge.current().kb.messages.list_button }).sender);
  }
  if (config.webchat) senders.push(createWebchatSender(app.storage.webchat, options.webchatEvents ?? NO_WEBCHAT_EVENTS));
  const worker = createInboxWorker({
    bot: app.bot,
    inbox: app.storage.inbox,
    senders,
    clock: options.clock,
    logger,
    concurrency: config.server.workerConcurrency,
    rateLimitPerMinute: config.server.rateLimitPerMinute,
    sweepMs: options.sweepMs,
    observer: options.observer,
    // With the counselor desk on, replies that can never be delivered are reported to their lead's card and thread.
    onUndeliverable: config.slack ? createUndeliverableReporter(app.storage.desk, options.clock ?? systemClock, options.notifySlack ?? (() => {})) : undefined,
  });
  worker.start();
  let closing: Promise<void> | undefined;
  return {
    app,
    worker,
    channels: senders.map((s) => s.channel),
    close() {
      closing ??= (async () => {
        await worker.stop();
        await app.close();
      })();
      return closing;
    },
  };
}
