import type http from "node:http";
import { FaultBook, parseBody, sendJson, sendRaw, startFakeHttpServer } from "./fake-server.js";

/**
 * A fake Slack Web API on 127.0.0.1 that the real @slack/web-api client (and
 * so Bolt) talks to: `slackApiUrl: fake.apiUrl`. Like Slack it takes
 * form-urlencoded bodies (nested values as JSON strings) with the token in
 * `Authorization: Bearer`, answers `{ ok, … }`, keeps channels with their
 * messages and threads, serves `response_url`s, logs every call, and injects
 * faults on demand.
 */

export const FAKE_SLACK_TOKEN = "xoxb-fake-0000-slack-token";
export const FAKE_SLACK_APP_TOKEN = "xapp-1-AFAKE-fake-app-token";
export const FAKE_BOT_ID = "BFAKEBOT";
export const FAKE_BOT_USER_ID = "UFAKEBOT";

interface FaultScope {
  method?: string;
  times?: number;
}

export type SlackFault =
  /** HTTP 429 with Retry-After (seconds), as Slack rate-limits. */
  | ({ kind: "429"; retryAfter: number } & FaultScope)
  | ({ kind: "5xx"; status?: 500 | 502 | 503 } & FaultScope)
  /** HTTP 200 with `{ ok: false, error }` (channel_not_found, invalid_blocks…). */
  | ({ kind: "error"; error: string } & FaultScope)
  | ({ kind: "slow"; ms: number } & FaultScope)
  | ({ kind: "hang" } & FaultScope)
  | ({ kind: "malformed" } & FaultScope);

/** One request as the fake saw it; `at` by the fake's clock (see `now`). */
export interface SlackCall {
  method: string;
  // `any` on purpose: assertions dig into request bodies freely.
  body: any;
  at: number;
  status: number;
  /** The `error` of an `{ ok: false }` answer. */
  error?: string;
}

export interface SlackMessageRecord {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: any[];
  user?: string;
  bot_id?: string;
  subtype?: string;
  reply_broadcast?: boolean;
  /** How many times chat.update changed it. */
  updates: number;
}

export interface FakeSlack {
  readonly url: string;
  /** `${url}/api/`: the slackApiUrl. */
  readonly apiUrl: string;
  readonly token: string;
  readonly calls: SlackCall[];
  /** Messages by ts, in posting order. */
  readonly messages: SlackMessageRecord[];
  /** Bodies posted to response_url endpoints. */
  readonly responses: { id: string; body: any }[];
  /** A response_url served by the fake. */
  responseUrl(id: string): string;
  /** Successful calls of one method. */
  ok(method: string): SlackCall[];
  /** Top-level messages of a channel (cards). */
  cards(channel: string): SlackMessageRecord[];
  /** Replies in a thread, oldest first (the parent excluded). */
  thread(channel: string, threadTs: string): SlackMessageRecord[];
  /** A person's message in a thread, as if typed in Slack (no event is sent: see test/helpers/slack-requests.ts). */
  addHumanReply(channel: string, threadTs: string, user: string, text: string): SlackMessageRecord;
  fault(fault: SlackFault): void;
  clearFaults(): void;
  /** Where `apps.connections.open` sends a Socket Mode app (a FakeSlackSocket's url). */
  socketUrl?: string;
  /** The clock that stamps calls; default real time. */
  now: () => number;
  refuse(): Promise<void>;
  accept(): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeSlack(options: { token?: string; appToken?: string; now?: () => number } = {}): Promise<FakeSlack> {
  const token = options.token ?? FAKE_SLACK_TOKEN;
  const appToken = options.appToken ?? FAKE_SLACK_APP_TOKEN;
  const calls: SlackCall[] = [];
  const messages: SlackMessageRecord[] = [];
  const responses: { id: string; body: any }[] = [];
  const faults = new FaultBook<SlackFault>();
  let tsCounter = 0;
  const nextTs = () => {
    tsCounter += 1;
    return `1800000000.${String(tsCounter).padStart(6, "0")}`;
  };
  const find = (channel: string, ts: string) => messages.find((m) => m.channel === channel && m.ts === ts);

  const server = await startFakeHttpServer(handle);

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer): Promise<void> {
    const path = (req.url ?? "").split("?")[0] ?? "";
    const body = parseBody(req, raw) ?? {};
    const respond = /^\/respond\/([\w-]+)$/.exec(path);
    if (respond) {
      responses.push({ id: respond[1] as string, body });
      sendRaw(res, 200, "ok", { "content-type": "text/plain" });
      return;
    }
    const method = /^\/api\/([\w.]+)$/.exec(path)?.[1] ?? path;
    const call: SlackCall = { method, body, at: facade.now(), status: 0 };
    calls.push(call);
    const answer = (status: number, payload: { ok: boolean; error?: string } & Record<string, unknown>, headers?: Record<string, string>) => {
      call.error = payload.ok ? undefined : payload.error;
      call.status = sendJson(res, status, payload, headers);
    };
    // Socket Mode: the app-level token opens a WebSocket (see slack-socket.ts).
    if (method === "apps.connections.open") {
      if (req.headers.authorization !== `Bearer ${appToken}` || !facade.socketUrl) return answer(200, { ok: false, error: "invalid_auth" });
      return answer(200, { ok: true, url: facade.socketUrl });
    }
    if (req.headers.authorization !== `Bearer ${token}`) return answer(200, { ok: false, error: "invalid_auth" });

    const fault = faults.take((f) => f.method === undefined || f.method === method);
    switch (fault?.kind) {
      case "429":
        return answer(429, { ok: false, error: "ratelimited" }, { "retry-after": String(fault.retryAfter) });
      case "5xx":
        call.status = sendRaw(res, fault.status ?? 500, "<html>server error</html>", { "content-type": "text/html" });
        return;
      case "error":
        return answer(200, { ok: false, error: fault.error });
      case "hang":
        return server.hang();
      case "malformed":
        call.status = sendRaw(res, 200, '{"ok":true,"ts":', { "content-type": "application/json" });
        return;
      case "slow":
        await server.wait(fault.ms);
        break;
    }

    const channel = typeof body.channel === "string" ? body.channel : "";
    const text = typeof body.text === "string" ? body.text : "";
    const blocks = Array.isArray(body.blocks) ? body.blocks : undefined;
    switch (method) {
      case "auth.test":
        return answer(200, { ok: true, user_id: FAKE_BOT_USER_ID, bot_id: FAKE_BOT_ID, team_id: "TFAKE", user: "rotabot" });
      case "chat.postMessage": {
        if (!/^[CGD][A-Z0-9]+$/.test(channel)) return answer(200, { ok: false, error: "channel_not_found" });
        if (!text && !blocks) return answer(200, { ok: false, error: "no_text" });
        if (text.length > 40_000) return answer(200, { ok: false, error: "msg_too_long" });
        if (blocks && blocks.length > 50) return answer(200, { ok: false, error: "invalid_blocks" });
        const threadTs = typeof body.thread_ts === "string" ? body.thread_ts : undefined;
        if (threadTs && !find(channel, threadTs)) return answer(200, { ok: false, error: "thread_not_found" });
        const m: SlackMessageRecord = { channel, ts: nextTs(), text, blocks, thread_ts: threadTs, bot_id: FAKE_BOT_ID, user: FAKE_BOT_USER_ID, reply_broadcast: body.reply_broadcast === "true" || body.reply_broadcast === true, updates: 0 };
        messages.push(m);
        return answer(200, { ok: true, channel, ts: m.ts, message: { type: "message", ...m } });
      }
      case "chat.update": {
        const m = find(channel, String(body.ts ?? ""));
        if (!m) return answer(200, { ok: false, error: "message_not_found" });
        if (m.bot_id !== FAKE_BOT_ID) return answer(200, { ok: false, error: "cant_update_message" });
        m.text = text;
        m.blocks = blocks;
        m.updates += 1;
        return answer(200, { ok: true, channel, ts: m.ts, text });
      }
      case "chat.postEphemeral":
        if (!channel || typeof body.user !== "string") return answer(200, { ok: false, error: "invalid_arguments" });
        return answer(200, { ok: true, message_ts: nextTs() });
      case "conversations.replies": {
        const parent = find(channel, String(body.ts ?? ""));
        if (!parent) return answer(200, { ok: false, error: "thread_not_found" });
        const all = [parent, ...messages.filter((m) => m.channel === channel && m.thread_ts === parent.ts)];
        const limit = Math.max(1, Number(body.limit ?? 1000));
        const start = Number(body.cursor ?? 0);
        const page = all.slice(start, start + limit).map(({ updates: _u, ...m }) => ({ type: "message", ...m, thread_ts: m.thread_ts ?? m.ts }));
        const more = start + limit < all.length;
        return answer(200, { ok: true, messages: page, has_more: more, response_metadata: { next_cursor: more ? String(start + limit) : "" } });
      }
      default:
        return answer(200, { ok: false, error: "unknown_method" });
    }
  }

  const facade: FakeSlack = {
    url: server.url,
    apiUrl: `${server.url}/api/`,
    token,
    calls,
    messages,
    responses,
    now: options.now ?? (() => Date.now()),
    responseUrl: (id) => `${server.url}/respond/${id}`,
    ok: (method) => calls.filter((c) => c.method === method && c.status === 200 && !c.error),
    cards: (channel) => messages.filter((m) => m.channel === channel && !m.thread_ts),
    thread: (channel, threadTs) => messages.filter((m) => m.channel === channel && m.thread_ts === threadTs),
    addHumanReply(channel, threadTs, user, text) {
      const m: SlackMessageRecord = { channel, ts: nextTs(), thread_ts: threadTs, text, user, updates: 0 };
      messages.push(m);
      return m;
    },
    fault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    refuse: () => server.refuse(),
    accept: () => server.accept(),
    reset() {
      calls.length = 0;
      messages.length = 0;
      responses.length = 0;
      faults.clear();
    },
    close: () => server.close(),
  };
  return facade;
}
