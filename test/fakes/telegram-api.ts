import type http from "node:http";
import type { UserFromGetMe } from "grammy/types";
import { FaultBook, parseBody, sendJson, sendRaw, startFakeHttpServer } from "./fake-server.js";

/**
 * A fake Telegram Bot API on 127.0.0.1 that the real grammY talks to:
 * `new Bot(fake.token, { botInfo, client: { apiRoot: fake.url } })`.
 * It validates what real Telegram validates where our bugs would hide
 * (text length after HTML parsing, HTML tags, callback_data bytes), counts
 * rate-limit violations, long-polls like the real getUpdates, and injects
 * faults on demand.
 */

/** The bot the fake answers getMe with; pass it as `botInfo` so grammY makes no getMe call. */
export const botInfo: UserFromGetMe = {
  id: 7000000001,
  is_bot: true,
  first_name: "rotabot",
  username: "rotabot_test_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

/** The token the fake accepts unless told otherwise. */
export const FAKE_TELEGRAM_TOKEN = "7000000001:TEST-fake_token";

type ChatId = number | string;

/** Which requests a fault hits: all, or those for one chat and/or one method; `times` uses (default: until cleared). */
interface FaultScope {
  chatId?: ChatId;
  method?: string;
  times?: number;
}

/** A fault to inject; the first matching fault decides the answer. */
export type TelegramFault =
  | ({ kind: "429"; retryAfter: number } & FaultScope)
  /** 500 answers Telegram's JSON error; 502 answers an HTML page as the real nginx front does. */
  | ({ kind: "5xx"; status?: 500 | 502 } & FaultScope)
  /** Waits, then answers normally. */
  | ({ kind: "slow"; ms: number } & FaultScope)
  /** Never answers (until refuse() or close(), or until the client closes the request: status 499). */
  | ({ kind: "hang" } & FaultScope)
  | ({ kind: "blocked"; chatId: ChatId } & FaultScope)
  /** 200 with a body that is not JSON. */
  | ({ kind: "malformed" } & FaultScope);

/**
 * One request as the fake saw it. `status` is 0 while unanswered (hung
 * requests keep it), 499 when the client or refuse()/close() dropped the
 * connection before the answer.
 */
export interface TelegramCall {
  method: string;
  // `any` on purpose: assertions dig into request bodies freely.
  body: any;
  at: number;
  status: number;
}

/** A sendMessage that broke Telegram's limits (1 message per chat per second, 30 per second overall). */
export interface LimitViolation {
  chatId: ChatId;
  at: number;
  rule: "per_chat" | "global";
}

/** A sendMessage body as the fake accepted it. */
export interface SentMessage {
  chat_id: ChatId;
  text: string;
  parse_mode?: string;
  reply_markup?: { inline_keyboard?: { text: string; callback_data?: string; url?: string }[][] };
  [field: string]: unknown;
}

/** What setWebhook recorded. */
export interface WebhookSettings {
  url: string;
  secret_token?: string;
  allowed_updates?: string[];
  max_connections?: number;
}

/** Rate-limit accounting; change it at any time. */
export interface TelegramLimits {
  /** Answer violating sends with 429 retry_after 1 instead of only recording them. */
  enforce: boolean;
  /** Minimum gap between two sendMessage calls to one chat. */
  perChatMs: number;
  /** sendMessage calls allowed in any 1000 ms window, across all chats. */
  globalPerSecond: number;
  /** Forgiveness for loopback jitter: a gap this much shorter than the limit still passes. */
  slackMs: number;
}

type Update = { update_id: number } & Record<string, unknown>;

/** The handle tests hold on the fake Telegram. */
export interface FakeTelegram {
  /** `http://127.0.0.1:PORT`, to pass as grammY's `client.apiRoot`. */
  readonly url: string;
  readonly token: string;
  readonly calls: TelegramCall[];
  readonly violations: LimitViolation[];
  /** The webhook set with setWebhook, or undefined. */
  readonly webhook: WebhookSettings | undefined;
  readonly limits: TelegramLimits;
  /** Successful sendMessage bodies in order, optionally for one chat. */
  sent(chatId?: ChatId): SentMessage[];
  callsTo(method: string): TelegramCall[];
  /** Queues an update for getUpdates (update_id assigned when missing) and wakes a waiting long poll. */
  pushUpdate<U extends { update_id?: number }>(update: U): U & { update_id: number };
  fault(fault: TelegramFault): void;
  clearFaults(): void;
  /** Stops listening (ECONNREFUSED) until accept(), which listens on the same port. */
  refuse(): Promise<void>;
  accept(): Promise<void>;
  /** Clears the call log and violations only. */
  clearLog(): void;
  /** Back to a fresh fake on the same port: log, faults, limits, queued updates, webhook, messages, rate history. */
  reset(): void;
  close(): Promise<void>;
}

type Outcome =
  | { ok: true; result: unknown; description?: string }
  | { ok: false; status: number; description: string; parameters?: Record<string, unknown> };

const ok = (result: unknown, description?: string): Outcome => ({ ok: true, result, description });
const fail = (status: number, description: string, parameters?: Record<string, unknown>): Outcome => ({ ok: false, status, description, parameters });
const badRequest = (detail: string) => fail(400, `Bad Request: ${detail}`);

const chatActions = new Set([
  "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
  "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
]);
/** Update types Telegram leaves out unless allowed_updates asks for them. */
const optInUpdates = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

/** Starts the fake Telegram Bot API on a random port. */
export async function startFakeTelegram(options: { token?: string; enforceLimits?: boolean; perChatMs?: number } = {}): Promise<FakeTelegram> {
  const token = options.token ?? FAKE_TELEGRAM_TOKEN;
  const initialLimits: TelegramLimits = { enforce: options.enforceLimits ?? false, perChatMs: options.perChatMs ?? 1000, globalPerSecond: 30, slackMs: 25 };
  const limits = { ...initialLimits };
  const calls: TelegramCall[] = [];
  const violations: LimitViolation[] = [];
  const faults = new FaultBook<TelegramFault>();

  let queue: Update[] = [];
  let nextUpdateId = 1;
  let webhook: WebhookSettings | undefined;
  let allowedUpdates: string[] = [];
  let wakePolls: () => void = () => {};
  let pushed = new Promise<void>((resolve) => (wakePolls = resolve));
  let supersedePoll: (() => void) | undefined;

  // Per chat: the last message_id, and the content of messages we sent (for "not modified" and deleted checks).
  let lastMessageId = new Map<string, number>();
  let messages = new Map<string, { text: string; markup: string }>();
  let deleted = new Set<string>();
  let lastSendAt = new Map<string, number>();
  let recentSends: number[] = [];

  const server = await startFakeHttpServer(handle);
  const clearLog = () => {
    calls.length = 0;
    violations.length = 0;
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer): Promise<void> {
    const match = /^\/bot([^/]+)\/(?:test\/)?([A-Za-z]+)\/?(?:\?.*)?$/.exec(req.url ?? "");
    const body = parseBody(req, raw);
    const call: TelegramCall = { method: match?.[2] ?? req.url ?? "", body: body ?? raw.toString("utf8"), at: Date.now(), status: 0 };
    calls.push(call);
    const answer = (outcome: Outcome) => {
      if (outcome.ok) {
        call.status = sendJson(res, 200, { ok: true, result: outcome.result, ...(outcome.description ? { description: outcome.description } : {}) });
        return;
      }
      const { status, description, parameters } = outcome;
      call.status = sendJson(res, status, { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) });
    };

    if (!match) return answer(fail(404, "Not Found"));
    if (match[1] !== token) return answer(fail(401, "Unauthorized"));
    if (!body) return answer(badRequest("can't parse JSON object"));
    const method = call.method;

    const fault = faults.take(
      (f) => (f.method === undefined || f.method === method) && (f.chatId === undefined || String(f.chatId) === String(body.chat_id)),
    );
    switch (fault?.kind) {
      case "429":
        return answer(fail(429, `Too Many Requests: retry after ${fault.retryAfter}`, { retry_after: fault.retryAfter }));
      case "5xx":
        if (fault.status === 502) {
          call.status = sendRaw(res, 502, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", { "content-type": "text/html" });
          return;
        }
        return answer(fail(500, "Internal Server Error"));
      case "hang": {
        // Until refuse()/close(), or until the client gives up (its timeout): then 499, as a proxy logs it.
        const gaveUp = new Promise<void>((resolve) => res.once("close", resolve));
        await Promise.race([server.hang(), gaveUp]);
        call.status = 499;
        return;
      }
      case "blocked":
        return answer(fail(403, "Forbidden: bot was blocked by the user"));
      case "malformed":
        call.status = sendRaw(res, 200, '{"ok":true,"result":{"message_id', { "content-type": "application/json" });
        return;
      case "slow":
        await server.wait(fault.ms);
        break;
    }
    const closed = new Promise<void>((resolve) => res.once("close", resolve));
    answer(await dispatch(method, body, closed));
  }

  async function dispatch(method: string, body: Record<string, unknown>, requestClosed: Promise<void>): Promise<Outcome> {
    switch (method) {
      case "getMe":
        return ok(botInfo);
      case "sendMessage":
        return sendMessage(body);
      case "editMessageText":
        return editMessage(body, true);
      case "editMessageReplyMarkup":
        return editMessage(body, false);
      case "deleteMessage": {
        const key = messageKey(body);
        if (!key) return badRequest("message identifier is not specified");
        if (deleted.has(key)) return badRequest("message to delete not found");
        deleted.add(key);
        messages.delete(key);
        return ok(true);
      }
      case "sendChatAction":
        if (body.chat_id === undefined) return badRequest("chat_id is empty");
        return chatActions.has(String(body.action)) ? ok(true) : badRequest("wrong parameter action in request");
      case "answerCallbackQuery":
        if (!body.callback_query_id) return badRequest("query is too old and response timeout expired or query ID is invalid");
        if (typeof body.text === "string" && body.text.length > 200) return badRequest("MESSAGE_TOO_LONG");
        return ok(true);
      case "setWebhook":
        return setWebhook(body);
      case "deleteWebhook":
        webhook = undefined;
        if (isTrue(body.drop_pending_updates)) queue = [];
        return ok(true, "Webhook was deleted");
      case "getWebhookInfo":
        return ok({
          url: webhook?.url ?? "",
          has_custom_certificate: false,
          pending_update_count: queue.length,
          ...(webhook?.max_connections !== undefined ? { max_connections: webhook.max_connections } : {}),
          ...(webhook?.allowed_updates ? { allowed_updates: webhook.allowed_updates } : {}),
        });
      case "getUpdates":
        return getUpdates(body, requestClosed);
      default:
        return fail(404, "Not Found: method not found");
    }
  }

  function sendMessage(body: Record<string, unknown>): Outcome {
    if (body.chat_id === undefined || body.chat_id === "") return badRequest("chat_id is empty");
    const checked = checkText(body);
    if ("error" in checked) return checked.error;
    const markupError = checkMarkup(body.reply_markup);
    if (markupError) return badRequest(markupError);

    const chat = String(body.chat_id);
    const now = Date.now();
    const broken: LimitViolation["rule"][] = [];
    const last = lastSendAt.get(chat);
    if (last !== undefined && now - last < limits.perChatMs - limits.slackMs) broken.push("per_chat");
    recentSends = recentSends.filter((t) => now - t < 1000 - limits.slackMs);
    if (recentSends.length >= limits.globalPerSecond) broken.push("global");
    for (const rule of broken) violations.push({ chatId: body.chat_id as ChatId, at: now, rule });
    if (broken.length > 0 && limits.enforce) return fail(429, "Too Many Requests: retry after 1", { retry_after: 1 });
    lastSendAt.set(chat, now);
    recentSends.push(now);

    const messageId = (lastMessageId.get(chat) ?? 0) + 1;
    lastMessageId.set(chat, messageId);
    messages.set(`${chat}:${messageId}`, { text: checked.text, markup: JSON.stringify(body.reply_markup ?? null) });
    return ok(message(body.chat_id as ChatId, messageId, checked.text, body.reply_markup));
  }

  function editMessage(body: Record<string, unknown>, withText: boolean): Outcome {
    if (body.inline_message_id !== undefined) return ok(true);
    const key = messageKey(body);
    if (!key) return badRequest("message identifier is not specified");
    if (deleted.has(key)) return badRequest("message to edit not found");
    const checked = withText ? checkText(body) : { text: messages.get(key)?.text ?? "" };
    if ("error" in checked) return checked.error;
    const markupError = checkMarkup(body.reply_markup);
    if (markupError) return badRequest(markupError);
    const markup = JSON.stringify(body.reply_markup ?? null);
    const before = messages.get(key);
    // Editing a message to what it already is fails on real Telegram, a classic bug on double clicks.
    if (before && before.text === checked.text && before.markup === markup) {
      return badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message");
    }
    // Messages the fake never sent (callbacks built by tests) are edited without complaint.
    messages.set(key, { text: checked.text, markup });
    return ok({ ...message(body.chat_id as ChatId, Number(body.message_id), checked.text, body.reply_markup), edit_date: nowSeconds() });
  }

  function setWebhook(body: Record<string, unknown>): Outcome {
    const url = typeof body.url === "string" ? body.url : "";
    if (url === "") {
      webhook = undefined;
      return ok(true, "Webhook was deleted");
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return badRequest("bad webhook: Failed to resolve host: Name or service not known");
    }
    if (parsed.protocol !== "https:") return badRequest("bad webhook: An HTTPS URL must be provided for webhook");
    if (!["", "80", "88", "443", "8443"].includes(parsed.port)) return badRequest("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443");
    const secret = body.secret_token;
    if (secret !== undefined && (typeof secret !== "string" || !/^[A-Za-z0-9_-]{1,256}$/.test(secret))) {
      return badRequest("bad webhook: secret token contains unallowed characters");
    }
    const allowed = Array.isArray(body.allowed_updates) ? (body.allowed_updates as string[]) : undefined;
    if (allowed) allowedUpdates = allowed;
    if (isTrue(body.drop_pending_updates)) queue = [];
    webhook = {
      url,
      ...(typeof secret === "string" ? { secret_token: secret } : {}),
      ...(allowed ? { allowed_updates: allowed } : {}),
      ...(body.max_connections !== undefined ? { max_connections: Number(body.max_connections) } : {}),
    };
    return ok(true, "Webhook was set");
  }

  async function getUpdates(body: Record<string, unknown>, requestClosed: Promise<void>): Promise<Outcome> {
    if (webhook) return fail(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    // Like the real API, a newer poll ends a waiting older one with 409.
    supersedePoll?.();
    let superseded = false;
    let supersede = () => {};
    const supersededNow = new Promise<void>((resolve) => {
      supersede = () => {
        superseded = true;
        resolve();
      };
    });
    supersedePoll = supersede;
    if (Array.isArray(body.allowed_updates)) allowedUpdates = body.allowed_updates as string[];
    const offset = body.offset === undefined ? undefined : Number(body.offset);
    const limit = Math.min(100, Math.max(1, body.limit === undefined ? 100 : Number(body.limit)));
    const timeoutMs = Math.max(0, Number(body.timeout ?? 0)) * 1000;

    // Confirming: an offset drops every update below it; a negative one keeps only the last -offset.
    if (offset !== undefined) queue = offset < 0 ? queue.slice(offset) : queue.filter((u) => u.update_id >= offset);
    const deliverable = () => {
      queue = queue.filter(isAllowed);
      return queue.slice(0, limit);
    };
    if (deliverable().length === 0 && timeoutMs > 0) {
      await server.wait(timeoutMs, Promise.race([pushed, requestClosed, supersededNow]));
    }
    if (supersedePoll === supersede) supersedePoll = undefined;
    if (superseded) return fail(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running");
    return ok(deliverable());
  }

  function isAllowed(update: Update): boolean {
    const type = Object.keys(update).find((k) => k !== "update_id") ?? "";
    return allowedUpdates.length > 0 ? allowedUpdates.includes(type) : !optInUpdates.has(type);
  }

  function checkText(body: Record<string, unknown>): { text: string } | { error: Outcome } {
    const raw = typeof body.text === "string" ? body.text : "";
    let text = raw;
    if (body.parse_mode === "HTML") {
      const parsed = parseTelegramHtml(raw);
      if ("error" in parsed) return { error: badRequest(`can't parse entities: ${parsed.error}`) };
      text = parsed.text;
    } else if (body.parse_mode !== undefined && !["MarkdownV2", "Markdown"].includes(String(body.parse_mode))) {
      return { error: badRequest(`unsupported parse_mode`) };
    }
    // Telegram trims the text; the 4096 limit is in UTF-16 code units after entity parsing.
    if (text.trim() === "") return { error: badRequest("message text is empty") };
    if (text.length > 4096) return { error: badRequest("message is too long") };
    return { text };
  }

  function message(chatId: ChatId, messageId: number, text: string, markup: unknown) {
    const numeric = typeof chatId === "number" || /^-?\d+$/.test(chatId) ? Number(chatId) : chatId;
    return {
      message_id: messageId,
      from: { id: botInfo.id, is_bot: true, first_name: botInfo.first_name, username: botInfo.username },
      chat: { id: numeric, type: typeof numeric === "number" && numeric < 0 ? "group" : "private" },
      date: nowSeconds(),
      text,
      ...(markup !== undefined ? { reply_markup: markup } : {}),
    };
  }

  return {
    url: server.url,
    token,
    calls,
    violations,
    limits,
    get webhook() {
      return webhook;
    },
    sent(chatId) {
      return calls
        .filter((c) => c.method === "sendMessage" && c.status === 200 && (chatId === undefined || String(c.body.chat_id) === String(chatId)))
        .map((c) => c.body as SentMessage);
    },
    callsTo(method) {
      return calls.filter((c) => c.method === method);
    },
    pushUpdate(update) {
      const withId = { ...update, update_id: update.update_id ?? nextUpdateId };
      nextUpdateId = Math.max(nextUpdateId, withId.update_id + 1);
      queue.push(withId as Update);
      wakePolls();
      pushed = new Promise<void>((resolve) => (wakePolls = resolve));
      return withId;
    },
    fault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    refuse: () => server.refuse(),
    accept: () => server.accept(),
    clearLog,
    reset() {
      clearLog();
      faults.clear();
      Object.assign(limits, initialLimits);
      queue = [];
      webhook = undefined;
      allowedUpdates = [];
      lastMessageId = new Map();
      messages = new Map();
      deleted = new Set();
      lastSendAt = new Map();
      recentSends = [];
    },
    close: () => server.close(),
  };
}

function messageKey(body: Record<string, unknown>): string | undefined {
  if (body.chat_id === undefined || body.message_id === undefined) return undefined;
  return `${String(body.chat_id)}:${Number(body.message_id)}`;
}

function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Checks inline keyboards the way Telegram does; returns the error detail or undefined. */
function checkMarkup(markup: unknown): string | undefined {
  if (markup === undefined) return undefined;
  if (typeof markup !== "object" || markup === null) return "can't parse reply keyboard markup JSON object";
  const rows = (markup as { inline_keyboard?: unknown }).inline_keyboard;
  if (rows === undefined) return undefined;
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) return "field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays";
  for (const button of rows.flat() as Record<string, unknown>[]) {
    if (typeof button !== "object" || button === null) return "can't parse inline keyboard button: InlineKeyboardButton must be an Object";
    if (typeof button.text !== "string" || button.text === "") return "BUTTON_TEXT_EMPTY"; // approximation of the real message
    const data = button.callback_data;
    if (data !== undefined) {
      const bytes = typeof data === "string" ? Buffer.byteLength(data) : 0;
      if (bytes < 1 || bytes > 64) return "BUTTON_DATA_INVALID";
    } else if (!Object.keys(button).some((k) => k !== "text" && k !== "style" && k !== "icon_custom_emoji_id")) {
      return "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard";
    }
  }
  return undefined;
}

const allowedTags = new Set([
  "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
  "a", "code", "pre", "blockquote", "tg-emoji", "tg-time",
]);
const namedEntities: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

/**
 * Telegram's parse_mode HTML as far as a fake needs it: only the tags the Bot
 * API allows (no <br>, no <p>), properly nested; the four named entities and
 * numeric ones decoded. Returns the visible text, or why Telegram refuses it.
 */
export function parseTelegramHtml(html: string): { text: string } | { error: string } {
  const open: string[] = [];
  let text = "";
  let i = 0;
  const at = () => `at byte offset ${Buffer.byteLength(html.slice(0, i))}`;
  while (i < html.length) {
    const ch = html[i] ?? "";
    if (ch === "<") {
      const tag = /^<(\/?)([a-zA-Z][\w-]*)?([^<>]*)>/.exec(html.slice(i));
      const name = tag?.[2]?.toLowerCase() ?? "";
      if (!tag || !allowedTags.has(name)) return { error: `Unsupported ${tag?.[1] ? "end" : "start"} tag "${name}" ${at()}` };
      if (tag[1]) {
        const expected = open.pop();
        if (expected !== name) return { error: `Unmatched end tag ${at()}, expected "</${expected ?? ""}>", found "</${name}>"` };
      } else {
        if (name === "span" && !/class\s*=\s*"?tg-spoiler/.test(tag[3] ?? "")) return { error: `Tag "span" must have class "tg-spoiler" ${at()}` };
        open.push(name);
      }
      i += tag[0].length;
      continue;
    }
    if (ch === "&") {
      const entity = /^&(?:(lt|gt|amp|quot)|#(\d+)|#x([0-9a-fA-F]+));/.exec(html.slice(i));
      if (entity) {
        const code = entity[2] ? Number(entity[2]) : entity[3] ? Number.parseInt(entity[3], 16) : undefined;
        if (code !== undefined && (code === 0 || code > 0x10ffff)) return { error: `Unsupported HTML entity ${at()}` };
        text += code !== undefined ? String.fromCodePoint(code) : (namedEntities[entity[1] ?? ""] ?? "");
        i += entity[0].length;
        continue;
      }
      // An unknown entity such as &nbsp; stays literal text.
    }
    text += ch;
    i += 1;
  }
  if (open.length > 0) return { error: `Can't find end tag corresponding to start tag "${open.at(-1) ?? ""}"` };
  return { text };
}
