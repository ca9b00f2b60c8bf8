import type { IncomingMessage, ServerResponse } from "node:http";
import { autoRetry } from "@grammyjs/auto-retry";
import { run, sequentialize, type RunnerHandle } from "@grammyjs/runner";
import { apiThrottler } from "@grammyjs/transformer-throttler";
import { Api, Bot, GrammyError, HttpError } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import { ChannelApiError } from "../../core/errors.js";
import type { Intake } from "../../inbox/intake.js";
import type { Reply } from "../../core/model.js";
import type { ChannelSender } from "../../core/ports.js";
import { bodyId, header, jsonDepth, MAX_JSON_DEPTH, parseJson, readBodyOrRefuse, sameSecret } from "../../http/request.js";
import { silentLogger, type Logger } from "../../logger.js";
import { mapUpdate, peopleOf, type MappedUpdate } from "./map-update.js";
import { renderTelegram } from "./render.js";
import { spaceCalls } from "./spacing.js";

export interface TelegramSettings {
  token: string;
  mode: "webhook" | "polling";
  /** Required in webhook mode: Telegram sends it back in X-Telegram-Bot-Api-Secret-Token. */
  webhookSecret?: string;
  /** Where Telegram should post updates (webhook mode). */
  webhookUrl?: string;
  /** The Bot API base URL; a local fake in tests. */
  apiRoot: string;
  /** Skips getMe (tests). */
  botInfo?: UserFromGetMe;
  /** Long-polling timeout in seconds (tests use 1). */
  pollTimeoutSeconds?: number;
  /** Throttler limits; the defaults are Telegram's (1 message/s per chat, 30/s overall). */
  perChatMinMs?: number;
  /** Every Bot API call is aborted after this (default 10 s, as the WhatsApp and Slack clients; long polls add their own wait). */
  timeoutSeconds?: number;
}

export interface TelegramChannel {
  sender: ChannelSender;
  /** The webhook handler (POST /telegram/webhook); in polling mode it answers 404. */
  webhook(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /**
   * Checks the token (getMe), then registers the webhook or starts long
   * polling. A token Telegram refuses throws; an API it cannot reach is
   * retried in the background with backoff, each failure logged with its
   * reason and the next retry, while `readiness()` says so.
   */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** "ok" once Telegram answered (and the last long poll did), otherwise why not. */
  readiness(): string;
}

const ALLOWED_UPDATES = ["message", "callback_query"] as const;

/**
 * Telegram through grammY. Inbound updates, from the webhook or from long
 * polling, are only stored (through the intake) inside grammY's middleware;
 * the inbox worker answers later through `sender`. Outbound calls go through
 * the throttler (per chat and global limits) and auto-retry (429 retry_after,
 * 5xx, network errors), then fail over to the outbox's own backoff.
 */
/** The least time between two calls to Telegram from one bot: 25 a second at most. */
const GLOBAL_GAP_MS = 40;

export function createTelegramChannel(settings: TelegramSettings, intake: Intake, logger: Logger = silentLogger): TelegramChannel {
  // grammY's default is 500 s: one hanging call would hold its chat's queue for minutes.
  // getUpdates waits up to its long-poll timeout on purpose, so it gets that much on top.
  const timeoutSeconds = (settings.timeoutSeconds ?? 10) + (settings.mode === "polling" ? (settings.pollTimeoutSeconds ?? 30) : 0);
  const client = { apiRoot: settings.apiRoot, timeoutSeconds };
  const bot = new Bot(settings.token, { client, botInfo: settings.botInfo });
  // Installed first, so it runs last: the throttler's timers, delayed by a busy event loop, fire together, and this
  // keeps the calls they release 40 ms apart in real time (a burst after a stall broke the 30/s window at the fake).
  bot.api.config.use(spaceCalls(GLOBAL_GAP_MS));
  bot.api.config.use(
    apiThrottler({
      // Telegram's 30 messages/s is a sliding window. The default refill-per-second reservoir
      // lets about 35 through in some windows; 25 per second with a 40 ms gap keeps every window under 30 with margin.
      global: { reservoir: 25, reservoirRefreshAmount: 25, reservoirRefreshInterval: 1000, minTime: GLOBAL_GAP_MS },
      out: { maxConcurrent: 1, minTime: settings.perChatMinMs ?? 1000 },
    }),
  );
  // Installed last, so it runs first: a retried call queues through the throttler again.
  // It only waits out 429s; 5xx and network errors go back to the outbox, whose backoff
  // is persisted and does not hold the conversation (auto-retry would retry those for hours).
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 30, rethrowHttpErrors: true, rethrowInternalServerErrors: true }));
  // Typing actions and callback answers bypass the per-chat queue: they must not delay the reply itself.
  const quickApi = new Api(settings.token, client);
  let runner: RunnerHandle | undefined;
  const polling = settings.mode === "polling";
  let readiness = "connecting";
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  // Long polling fails quietly inside the runner: each failed getUpdates is logged here and shown on /readyz.
  bot.api.config.use(async (prev, method, payload, signal) => {
    if (method !== "getUpdates") return prev(method, payload, signal);
    try {
      const r = await prev(method, payload, signal);
      readiness = "ok";
      return r;
    } catch (err) {
      if (!stopped) {
        readiness = `long polling failing: ${describe(err)}`.slice(0, 200);
        logger.warn({ channel: "telegram", err: describe(err) }, "long polling failed; the runner retries with backoff");
      }
      throw err;
    }
  });

  if (polling) bot.use(sequentialize((ctx) => ctx.chat?.id.toString()));
  bot.use(async (ctx) => {
    const mapped = mapSafely(ctx.update, ctx.me);
    const store = async () => {
      if (mapped.kind === "message") await intake.accept(mapped.inbound, mapped.seq);
      else if (mapped.kind === "dead") {
        await intake.deadLetter({ channel: "telegram", externalId: mapped.externalId, sender: mapped.sender, conversation: mapped.conversation, reason: mapped.reason, body: JSON.stringify(ctx.update) });
        logger.warn({ channel: "telegram", updateId: ctx.update.update_id, reason: mapped.reason }, "update kept as a dead letter");
      }
    };
    // A webhook answers 503 on a database failure and Telegram redelivers; a poller has
    // already fetched the update, so it holds it and retries until it is stored.
    if (polling) await retryUntilStored(store, logger);
    else await store();
    const queryId = mapped.kind !== "dead" ? mapped.callbackQueryId : undefined;
    if (queryId) void quickApi.answerCallbackQuery(queryId).catch(() => {});
  });

  /**
   * The webhook, in place of grammY's webhookCallback: the same constant-time
   * secret check, but a body that is not an update becomes a dead letter with
   * a 200 (Telegram would redeliver it forever) rather than an error.
   */
  async function handleWebhook(req: IncomingMessage, res: ServerResponse) {
    if (!sameSecret(header(req, "x-telegram-bot-api-secret-token"), settings.webhookSecret ?? "")) {
      res.writeHead(401, { "content-type": "text/plain" }).end("secret token is wrong");
      return;
    }
    const raw = await readBodyOrRefuse(req, res);
    if (!raw) return;
    const tooDeep = jsonDepth(raw) > MAX_JSON_DEPTH;
    const update = tooDeep ? undefined : parseJson(raw);
    const updateId = (update as { update_id?: unknown } | undefined)?.update_id;
    if (typeof update !== "object" || update === null || !Number.isSafeInteger(updateId)) {
      const reason = tooDeep ? "body nested too deeply" : "body is not a Telegram update";
      await intake.deadLetter({ channel: "telegram", externalId: bodyId(raw), reason, body: raw.toString("utf8") });
      res.writeHead(200).end();
      return;
    }
    // Throws (the server answers 503) only when the update could not be stored.
    await bot.handleUpdate(update as Update);
    res.writeHead(200).end();
  }

  const sender: ChannelSender = {
    channel: "telegram",
    async send(conversation: string, reply: Reply, options?: { signal?: AbortSignal }) {
      const signal = options?.signal;
      for (const message of renderTelegram(reply)) {
        try {
          await bot.api.sendMessage(
            conversation,
            message.text,
            { parse_mode: message.parse_mode, reply_markup: message.reply_markup, link_preview_options: { is_disabled: true } },
            // grammY types the signal with its abort-controller shim; it only listens for "abort" on it.
            signal as Parameters<typeof bot.api.sendMessage>[3],
          );
        } catch (err) {
          throw toChannelError(err);
        }
      }
    },
    typing(conversation: string) {
      void quickApi.sendChatAction(conversation, "typing").catch(() => {});
    },
  };

  return {
    sender,
    async webhook(req, res) {
      if (polling || req.method !== "POST") {
        res.writeHead(polling ? 404 : 405).end();
        return;
      }
      await handleWebhook(req, res);
    },
    async start() {
      try {
        await connect();
        readiness = "ok";
      } catch (err) {
        if (err instanceof GrammyError && (err.error_code === 401 || err.error_code === 404)) {
          throw new ChannelApiError(`Telegram refused TELEGRAM_BOT_TOKEN: ${describe(err)}`, { permanent: true }, { cause: err });
        }
        // The rest of rotabot starts meanwhile (WhatsApp, Slack); /readyz says why Telegram is not ready.
        readiness = `cannot reach the Bot API: ${describe(err)}`.slice(0, 200);
        logger.warn({ channel: "telegram", attempt: 1, err: describe(err), retryInMs: 1000 }, "cannot reach the Telegram Bot API; retrying");
        retryLater(1000, 2);
      }
    },
    readiness: () => readiness,
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      if (runner?.isRunning()) await runner.stop();
    },
  };

  function retryLater(delay: number, attempt: number) {
    retryTimer = setTimeout(() => {
      if (stopped) return;
      connect().then(
        () => {
          readiness = "ok";
          logger.info({ channel: "telegram", attempt }, "reached the Telegram Bot API");
        },
        (err: unknown) => {
          if (stopped) return;
          const next = Math.min(delay * 2, 60_000);
          readiness = `cannot reach the Bot API: ${describe(err)}`.slice(0, 200);
          logger.warn({ channel: "telegram", attempt, err: describe(err), retryInMs: next }, "cannot reach the Telegram Bot API; retrying");
          retryLater(next, attempt + 1);
        },
      );
    }, delay);
    retryTimer.unref();
  }

  /** getMe (unless known), then the webhook or the long-polling runner. */
  async function connect() {
    await bot.init();
    if (polling) {
      // getUpdates does not work while a webhook is set, and the runner does not remove it.
      await bot.api.deleteWebhook();
      runner = run(bot, {
        runner: { fetch: { timeout: settings.pollTimeoutSeconds ?? 30, allowed_updates: [...ALLOWED_UPDATES] }, silent: true, maxRetryTime: Number.POSITIVE_INFINITY },
        // Updates fetched but not yet stored are at risk in a crash: keep that window small.
        sink: { concurrency: 100 },
      });
      void runner.task()?.catch((err: unknown) => logger.error({ channel: "telegram", err: describe(err) }, "long polling stopped"));
      logger.info({ channel: "telegram", mode: "polling" }, "telegram channel started");
    } else {
      await bot.api.setWebhook(settings.webhookUrl as string, { secret_token: settings.webhookSecret, allowed_updates: [...ALLOWED_UPDATES] });
      logger.info({ channel: "telegram", mode: "webhook" }, "telegram webhook registered");
    }
  }
}

/** An update of an unexpected shape (wrong field types) is a dead letter, not an error Telegram would redeliver forever. */
function mapSafely(update: Update, me: UserFromGetMe): MappedUpdate {
  try {
    return mapUpdate(update, me);
  } catch (err) {
    return { kind: "dead", reason: `malformed update: ${describe(err)}`, externalId: String(update.update_id), ...peopleOf(update) };
  }
}

async function retryUntilStored(store: () => Promise<void>, logger: Logger): Promise<void> {
  for (let delay = 250; ; delay = Math.min(delay * 2, 10_000)) {
    try {
      await store();
      return;
    } catch (err) {
      logger.warn({ channel: "telegram", err: describe(err), retryInMs: delay }, "could not store a polled update; retrying");
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** Maps grammY's errors to what the outbox needs to know: retry (when) or give up. */
export function toChannelError(err: unknown): ChannelApiError {
  if (err instanceof GrammyError) {
    const retryAfter = err.parameters.retry_after;
    const status = err.error_code;
    if (status === 429) return new ChannelApiError(`Telegram: ${err.description}`, { status, retryAfterMs: (retryAfter ?? 1) * 1000, permanent: false });
    if (status === 403) return new ChannelApiError(`Telegram: ${err.description}`, { status, permanent: true, reason: "unreachable: the student blocked the bot or left the chat" });
    if (status >= 400 && status < 500) return new ChannelApiError(`Telegram: ${err.description}`, { status, permanent: true, reason: `rejected: ${err.description}` });
    return new ChannelApiError(`Telegram: ${err.description}`, { status, permanent: false });
  }
  if (err instanceof HttpError) return new ChannelApiError(`Telegram unreachable: ${describe(err)}`, { permanent: false });
  return new ChannelApiError(`Telegram call failed: ${describe(err)}`, { permanent: false });
}

/** An error as one line without the bot token (it is part of every API URL). */
function describe(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/bot\d+:[\w-]+/g, "bot<token>").slice(0, 300);
}
