import type { IncomingMessage, ServerResponse } from "node:http";
import { App, HTTPReceiver, LogLevel, type BlockAction, type ButtonAction, type Logger as BoltLogger, type RespondFn, type StaticSelectAction } from "@slack/bolt";
import { systemClock, type Clock } from "../../core/clock.js";
import type { Channel } from "../../core/model.js";
import type { DeskResult, LeadDesk } from "../../leads/desk.js";
import type { CounselorRef } from "../../core/lead.js";
import type { Messages } from "../../knowledge/schema.js";
import { silentLogger, type Logger } from "../../logger.js";
import { createSlackApi, type SlackApi } from "./api.js";
import { ACTION_CLAIM, ACTION_CLOSE, ACTION_RELEASE, CLOSE_OUTCOMES } from "./card.js";
import { bodyId } from "../../http/request.js";
import { guardSlackRequest } from "./request-guard.js";
import { createCounselorReplies, type CounselorReplies } from "./counselor-replies.js";

export interface SlackSettings {
  botToken: string;
  signingSecret: string;
  leadsChannel: string;
  /** Web API base ending in "/": https://slack.com/api/, or a fake in tests. */
  apiUrl: string;
  /** Set: Socket Mode (no public URL needed) instead of POST /slack/events. */
  appToken?: string;
  /** The bot's ids, to skip Bolt's auth.test call (tests); looked up once otherwise. */
  botId?: string;
  botUserId?: string;
}

export interface SlackChannelOptions {
  desk: LeadDesk;
  messages: () => Messages;
  /** A student notice was enqueued: wake the messenger worker of that conversation. */
  notify(channel: Channel, conversation: string): void;
  /** A Slack row was enqueued (card update): wake the Slack relay. */
  notifySlack(): void;
  clock?: Clock;
  logger?: Logger;
  /** Keeps a signed request that cannot be read (nested too deeply) as a dead letter: the inbox's, as for the messengers. */
  deadLetter?: (letter: { channel: Channel; externalId: string; reason: string; body: string }) => Promise<void>;
}

export interface SlackChannel {
  api: SlackApi;
  replies: CounselorReplies;
  /** POST /slack/events; undefined in Socket Mode. */
  webhook?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Connects in Socket Mode; nothing to do over HTTP. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Counselors in Slack, through Bolt: button clicks on lead cards and messages
 * in their threads. Bolt verifies every request's signature (and its age)
 * before anything reads it; events are answered only after their effect is
 * stored (`processBeforeResponse`), so a database failure is a 500 that Slack
 * redelivers. Actions are acknowledged first; their work is one short
 * transaction, and the card changes through the outbox, never from here.
 */
export function createSlackChannel(settings: SlackSettings, options: SlackChannelOptions): SlackChannel {
  const { desk } = options;
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? silentLogger;
  const boltLogger = toBoltLogger(log);
  const receiver = settings.appToken
    ? undefined
    : new HTTPReceiver({ signingSecret: settings.signingSecret, endpoints: "/slack/events", processBeforeResponse: true, logger: boltLogger });
  const app = new App({
    token: settings.botToken,
    ...(receiver ? { receiver } : { socketMode: true, appToken: settings.appToken }),
    botId: settings.botId,
    botUserId: settings.botUserId,
    logger: boltLogger,
    logLevel: LogLevel.WARN,
    clientOptions: { slackApiUrl: settings.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 10_000 },
  });
  const api = createSlackApi(app.client);
  const said = (what: string) => (err: unknown) => log.warn({ channel: "slack", err: err instanceof Error ? err.message : String(err) }, `could not ${what}`);

  const replies = createCounselorReplies({
    desk,
    messages: options.messages,
    botUserId: settings.botUserId,
    notify: options.notify,
    now: () => clock.now(),
    logger: log,
    // Not awaited: the event's answer to Slack must not wait for another Slack call.
    tellCounselor: async ({ channel, user, threadTs, text }) => {
      void api.postEphemeral({ channel, user, text, thread_ts: threadTs }).catch(said("tell the counselor"));
    },
  });

  app.event("message", async ({ event, body, context }) => {
    const e = event as unknown as { channel: string; ts: string; thread_ts?: string; user?: string; bot_id?: string; subtype?: string; text?: string };
    await replies(
      { channel: e.channel, ts: e.ts, thread_ts: e.thread_ts, user: e.user, bot_id: e.bot_id, subtype: e.subtype, text: e.text, eventId: (body as { event_id?: string }).event_id },
      true,
    );
    if (context.retryNum) log.debug({ channel: "slack", retry: context.retryNum }, "Slack event redelivery");
  });

  /** After a desk action: wake the senders, or tell the counselor (privately) why nothing happened. */
  function settle(result: DeskResult, respond: RespondFn) {
    if (result.ok) {
      if (result.changed) {
        options.notify(result.lead.channel, result.lead.conversation);
        options.notifySlack();
      }
      return;
    }
    const holder = result.lead?.claimedBy ? `<@${result.lead.claimedBy.id}>` : "someone else";
    const text = {
      already_claimed: `Already claimed by ${holder}.`,
      not_holder: `Only ${holder}, who holds this lead, can release it.`,
      closed: "This lead is already closed.",
      not_found: "This lead no longer exists.",
      not_queued: "This lead is not ready for a counselor yet.",
    }[result.reason];
    void respond({ response_type: "ephemeral", replace_original: false, text }).catch(said("answer the counselor"));
  }

  /** A card action: acknowledged first, then one short desk transaction. */
  function onAction<A extends ButtonAction | StaticSelectAction>(actionId: string, work: (action: A, counselor: CounselorRef) => Promise<DeskResult | null>) {
    app.action<BlockAction<A>>(actionId, async ({ ack, body, action, respond }) => {
      await ack();
      try {
        const result = await work(action, { id: body.user.id, name: body.user.name ?? body.user.username });
        if (result) settle(result, respond);
      } catch (err) {
        said("save a counselor's action")(err);
        void respond({ response_type: "ephemeral", replace_original: false, text: "Sorry, that did not save. Please try again in a moment." }).catch(said("answer the counselor"));
      }
    });
  }

  onAction<ButtonAction>(ACTION_CLAIM, (action, who) => desk.claim(Number(action.value), who, clock.now(), { text: options.messages().lead_claimed }));
  onAction<ButtonAction>(ACTION_RELEASE, (action, who) => desk.release(Number(action.value), who, clock.now(), { text: options.messages().lead_released }));
  onAction<StaticSelectAction>(ACTION_CLOSE, async (action, who) => {
    const [id, outcome] = action.selected_option.value.split(":");
    const known = CLOSE_OUTCOMES.find((o) => o.value === outcome);
    return known ? desk.close(Number(id), who, known.value, clock.now(), { text: options.messages().lead_closed }) : null;
  });

  app.error(async (err) => {
    log.warn({ channel: "slack", err: String((err as Error).message ?? err).slice(0, 300) }, "Slack listener failed");
    // Rethrown: the HTTP receiver answers 500 and Slack redelivers the event.
    throw err;
  });

  return {
    api,
    replies,
    webhook: receiver
      ? async (req, res) => {
          const keep = options.deadLetter && (async (body: Buffer, reason: string) => options.deadLetter?.({ channel: "slack", externalId: bodyId(body), reason, body: body.toString("utf8") }));
          const raw = await guardSlackRequest(req, res, settings.signingSecret, log, { keep });
          if (!raw) return;
          // Bolt takes a request whose rawBody is set as already read (and checks the signature again).
          Object.assign(req, { rawBody: raw });
          await new Promise<void>((resolve) => {
            res.on("close", resolve);
            receiver.requestListener(req, res);
          });
        }
      : undefined,
    async start() {
      if (settings.appToken) await app.start();
    },
    async stop() {
      if (settings.appToken) await app.stop();
    },
  };
}

/** Bolt's logger over ours: warnings and errors only, as short strings (no payloads). */
function toBoltLogger(log: Logger): BoltLogger {
  const text = (parts: unknown[]) => parts.map((p) => (p instanceof Error ? p.message : typeof p === "string" ? p : "")).join(" ").slice(0, 300);
  let level = LogLevel.WARN;
  return {
    debug: () => {},
    info: () => {},
    warn: (...parts: unknown[]) => log.warn({ channel: "slack" }, text(parts)),
    error: (...parts: unknown[]) => log.error({ channel: "slack" }, text(parts)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
