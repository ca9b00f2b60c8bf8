import { autoRetry } from "@grammyjs/auto-retry";
import { Bot, GrammyError, HttpError, InlineKeyboard } from "grammy";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { tgCallback, tgText, tgUnknown } from "../helpers/telegram-updates.js";
import { signWhatsApp, waButtonReply, waEnvelope, waStatus, waText } from "../helpers/whatsapp-webhook.js";
import { startFakeGraph, type FakeGraph } from "./graph-api.js";
import { botInfo, startFakeTelegram, type FakeTelegram } from "./telegram-api.js";

const botFor = (fake: FakeTelegram) => new Bot(fake.token, { botInfo, client: { apiRoot: fake.url } });

describe("the fake Telegram Bot API", () => {
  let telegram: FakeTelegram;
  beforeAll(async () => {
    telegram = await startFakeTelegram();
  });
  afterAll(() => telegram.close());
  beforeEach(() => telegram.reset());

  it("receives grammY's sendMessage with an inline keyboard and answers with a Message", async () => {
    const bot = botFor(telegram);
    const keyboard = new InlineKeyboard().text("Good", "mood:good").text("Bad", "mood:bad");
    const sent = await bot.api.sendMessage(42, "How do you <b>feel</b>?", { parse_mode: "HTML", reply_markup: keyboard });

    expect(sent).toMatchObject({ message_id: 1, chat: { id: 42, type: "private" }, text: "How do you feel?" });
    expect(sent.date).toBeLessThan(Date.now() / 100); // seconds, not milliseconds
    expect(telegram.sent(42)).toHaveLength(1);
    expect(telegram.sent(42)[0]?.reply_markup?.inline_keyboard?.[0]?.[1]?.callback_data).toBe("mood:bad");
    expect(telegram.callsTo("getMe")).toHaveLength(0);
  });

  it("rejects what real Telegram rejects: 65-byte callback_data, <br>, unbalanced tags, 4097 characters", async () => {
    const api = botFor(telegram).api;
    const twoByteChars = "é".repeat(33); // 33 characters but 66 bytes
    await expect(api.sendMessage(1, "x", { reply_markup: new InlineKeyboard().text("A", "a".repeat(65)) })).rejects.toThrow(/BUTTON_DATA_INVALID/);
    await expect(api.sendMessage(1, "x", { reply_markup: new InlineKeyboard().text("A", twoByteChars) })).rejects.toThrow(/BUTTON_DATA_INVALID/);
    await expect(api.sendMessage(1, "a<br>b", { parse_mode: "HTML" })).rejects.toThrow(/can't parse entities/);
    await expect(api.sendMessage(1, "<b>bold<i>both</b></i>", { parse_mode: "HTML" })).rejects.toThrow(/can't parse entities/);
    await expect(api.sendMessage(1, "x".repeat(4097))).rejects.toThrow(/message is too long/);
    // The limit counts the text after entity parsing: 4096 visible characters pass.
    await api.sendMessage(1, `<b>${"&amp;".repeat(4096)}</b>`, { parse_mode: "HTML" });
    await api.sendMessage(2, "a".repeat(64), { reply_markup: new InlineKeyboard().text("A", "a".repeat(64)) });

    expect(telegram.calls.map((c) => c.status)).toEqual([400, 400, 400, 400, 400, 200, 200]);
    expect(telegram.sent()).toHaveLength(2);
  });

  it("makes grammY's autoRetry wait retry_after seconds after a 429, then succeed", async () => {
    const bot = botFor(telegram);
    bot.api.config.use(autoRetry());
    telegram.fault({ kind: "429", retryAfter: 1, chatId: 7, times: 1 });

    const started = Date.now();
    await bot.api.sendMessage(7, "after the wait");

    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(telegram.callsTo("sendMessage").map((c) => c.status)).toEqual([429, 200]);
    expect(telegram.sent(7)).toHaveLength(1);
  });

  it("answers 403 for a chat that blocked the bot and leaves other chats alone", async () => {
    const api = botFor(telegram).api;
    telegram.fault({ kind: "blocked", chatId: 5 });
    const error = await api.sendMessage(5, "hi").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect((error as GrammyError).error_code).toBe(403);
    await api.sendMessage(6, "hi");
    expect(telegram.sent().map((m) => m.chat_id)).toEqual([6]);
  });

  it("records per-chat rate violations and, when enforcing, answers them with 429", async () => {
    const api = botFor(telegram).api;
    await api.sendMessage(9, "one");
    await api.sendMessage(9, "two");
    expect(telegram.violations).toMatchObject([{ chatId: 9, rule: "per_chat" }]);

    telegram.limits.enforce = true;
    await expect(api.sendMessage(9, "three")).rejects.toThrow(/retry after 1/);
    await api.sendMessage(10, "another chat is fine");
  });

  it("long-polls getUpdates: honours offset, and a pushed update ends a waiting poll early", async () => {
    const api = botFor(telegram).api;
    const first = telegram.pushUpdate(tgText({ chatId: 1, text: "one" }));
    telegram.pushUpdate(tgText({ chatId: 1, text: "two" }));

    expect(await api.getUpdates({ limit: 1 })).toHaveLength(1);
    const both = await api.getUpdates({ offset: first.update_id });
    expect(both.map((u) => u.message?.text)).toEqual(["one", "two"]);

    // Confirming both leaves nothing; the poll waits until the push 200 ms later.
    const started = Date.now();
    setTimeout(() => telegram.pushUpdate(tgText({ chatId: 1, text: "three" })), 200);
    const later = await api.getUpdates({ offset: both[1]!.update_id + 1, timeout: 2 });
    const waited = Date.now() - started;

    expect(later.map((u) => u.message?.text)).toEqual(["three"]);
    expect(waited).toBeGreaterThanOrEqual(150);
    expect(waited).toBeLessThan(1500);
  });

  it("serves bot.start() long polling end to end, callbacks and unknown updates included", async () => {
    const bot = botFor(telegram);
    bot.command("start", (ctx) => ctx.reply("Welcome"));
    bot.callbackQuery("pick:a", async (ctx) => {
      await ctx.answerCallbackQuery();
      await ctx.editMessageText("You picked A");
    });
    telegram.pushUpdate(tgText({ chatId: 3, text: "/start" }));
    telegram.pushUpdate(tgUnknown());
    telegram.pushUpdate(tgCallback({ chatId: 3, data: "pick:a" }));

    const polling = bot.start({ timeout: 1 });
    await expect.poll(() => telegram.callsTo("editMessageText").length, { timeout: 3000, interval: 20 }).toBe(1);
    await bot.stop();
    await polling;

    expect(telegram.sent(3).map((m) => m.text)).toEqual(["Welcome"]);
    expect(telegram.callsTo("answerCallbackQuery")).toHaveLength(1);
    expect(telegram.callsTo("deleteWebhook")).toHaveLength(1);
    // bot.stop() confirmed what it handled: a new poll gets nothing.
    expect(await bot.api.getUpdates({ timeout: 0 })).toEqual([]);
  });

  it("answers getUpdates with 409 while a webhook is set", async () => {
    const api = botFor(telegram).api;
    await api.setWebhook("https://rotabot.example/telegram/webhook", { secret_token: "s3cret_-", allowed_updates: ["message"] });
    expect(telegram.webhook).toEqual({ url: "https://rotabot.example/telegram/webhook", secret_token: "s3cret_-", allowed_updates: ["message"] });
    await expect(api.getUpdates()).rejects.toThrow(/Conflict/);
    await expect(api.setWebhook("http://127.0.0.1:3000/telegram/webhook")).rejects.toThrow(/HTTPS URL/);
  });

  it("answers 401 to a wrong token", async () => {
    const bot = new Bot("1:wrong", { botInfo, client: { apiRoot: telegram.url } });
    await expect(bot.api.sendMessage(1, "x")).rejects.toMatchObject({ error_code: 401 });
  });

  it("refuses connections after refuse() and serves again on the same port after accept()", async () => {
    const api = botFor(telegram).api;
    await api.sendMessage(1, "before"); // leaves a keep-alive socket in grammY's agent
    await telegram.refuse();

    const refused = await fetch(`${telegram.url}/bot${telegram.token}/getMe`, { method: "POST" }).catch((e: unknown) => e);
    expect((refused as Error & { cause?: { code?: string } }).cause?.code).toBe("ECONNREFUSED");
    await expect(api.sendMessage(1, "during")).rejects.toBeInstanceOf(HttpError);

    await telegram.accept();
    await api.sendMessage(1, "after");
    expect(telegram.sent(1).map((m) => m.text)).toEqual(["before", "after"]);
  });

  it("answers slow requests late, malformed ones with non-JSON, and close() ends hung ones at once", async () => {
    const fake = await startFakeTelegram();
    const api = botFor(fake).api;
    fake.fault({ kind: "slow", ms: 300, times: 1 });
    const started = Date.now();
    await api.sendMessage(1, "slow");
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    fake.fault({ kind: "malformed", times: 1 });
    await expect(api.sendMessage(1, "x")).rejects.toBeInstanceOf(HttpError);

    fake.fault({ kind: "hang" });
    const hung = api.sendMessage(1, "never").catch((e: unknown) => e);
    await expect.poll(() => fake.calls.length).toBe(3);
    const closing = Date.now();
    await fake.close();
    expect(await hung).toBeInstanceOf(HttpError);
    expect(Date.now() - closing).toBeLessThan(500);
  });
});

describe("the fake WhatsApp Graph API", () => {
  let graph: FakeGraph;
  const student = "4915112345678";
  const post = (body: object, token = graph.accessToken) =>
    fetch(graph.messagesUrl, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  const buttons = (...titles: string[]) => ({
    messaging_product: "whatsapp",
    to: student,
    type: "interactive",
    interactive: {
      type: "button",
      body: { text: "How are you?" },
      action: { buttons: titles.map((title, n) => ({ type: "reply", reply: { id: `b${n}`, title } })) },
    },
  });

  beforeAll(async () => {
    graph = await startFakeGraph();
  });
  afterAll(() => graph.close());
  beforeEach(() => {
    graph.reset();
    graph.noteInbound(student, new Date());
  });

  it("accepts a valid 3-button message and answers like the Cloud API", async () => {
    const response = await post(buttons("Good", "Okay", "Not great"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      messaging_product: "whatsapp",
      contacts: [{ input: student, wa_id: student }],
      messages: [{ id: "wamid.FAKE1" }],
    });
    expect(graph.sent(student)).toHaveLength(1);
  });

  it("rejects 4 buttons and a 21-character title with 400 code 100", async () => {
    const four = await post(buttons("A", "B", "C", "D"));
    const long = await post(buttons("x".repeat(21)));
    expect([four.status, long.status]).toEqual([400, 400]);
    expect(await long.json()).toMatchObject({ error: { type: "OAuthException", code: 100, message: expect.stringMatching(/title/) } });
    expect(graph.calls.filter((c) => c.status === 400)).toHaveLength(2);
    expect(graph.sent()).toEqual([]);
  });

  it("rejects a list with 11 rows and accepts one with 10", async () => {
    const list = (rows: number) => ({
      messaging_product: "whatsapp",
      to: student,
      type: "interactive",
      interactive: {
        type: "list",
        body: { text: "Pick a topic" },
        action: {
          button: "Topics",
          sections: [
            { title: "First", rows: Array.from({ length: 5 }, (_, n) => ({ id: `a${n}`, title: `Topic ${n}` })) },
            { title: "More", rows: Array.from({ length: rows - 5 }, (_, n) => ({ id: `b${n}`, title: `More ${n}`, description: "d".repeat(72) })) },
          ],
        },
      },
    });
    expect((await post(list(11))).status).toBe(400);
    expect((await post(list(10))).status).toBe(200);
  });

  it("enforces the 24-hour window for free-form messages but not for templates", async () => {
    const late = "4917000000001";
    graph.noteInbound(late, new Date(Date.now() - 25 * 60 * 60 * 1000));
    const text = await post({ messaging_product: "whatsapp", to: late, type: "text", text: { body: "Hello again" } });
    expect(text.status).toBe(400);
    expect(await text.json()).toMatchObject({ error: { code: 131047 } });

    const template = await post({ messaging_product: "whatsapp", to: late, type: "template", template: { name: "follow_up", language: { code: "en" } } });
    expect(template.status).toBe(200);

    graph.setNow(new Date(Date.now() + 2 * 24 * 60 * 60 * 1000));
    expect((await post(buttons("Good"))).status).toBe(400); // the student's window closed too
  });

  it("answers 401 with OAuthException code 190 to a bad token", async () => {
    const response = await post(buttons("Good"), "wrong");
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { type: "OAuthException", code: 190 } });
  });

  it("answers a 429 fault with Retry-After, once", async () => {
    graph.fault({ kind: "429", retryAfter: 7, to: student, times: 1 });
    const limited = await post(buttons("Good"));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(await limited.json()).toMatchObject({ error: { code: 130429 } });
    expect((await post(buttons("Good"))).status).toBe(200);
  });
});

describe("the webhook builders", () => {
  it("signs the raw bytes like an independently computed WebCrypto HMAC", async () => {
    const raw = JSON.stringify(waEnvelope([waText({ from: "4915112345678", text: "Zoë 👋" })]));
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("app-secret"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const mac = Buffer.from(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(raw))).toString("hex");
    expect(signWhatsApp(raw, "app-secret")).toBe(`sha256=${mac}`);
    expect(signWhatsApp(Buffer.from(raw), "app-secret")).toBe(`sha256=${mac}`);
  });

  it("builds the Cloud API envelope with contacts, messages and statuses in separate changes", () => {
    const reply = waButtonReply({ from: "4915112345678", buttonId: "ok", title: "Okay", name: "Zoë" });
    const body = waEnvelope([reply, waStatus({ messageId: "wamid.FAKE1", recipient: "4915112345678", status: "read" })], { phoneNumberId: "123" });
    const [messages, statuses] = body.entry[0]!.changes;
    expect(messages?.value).toMatchObject({
      metadata: { phone_number_id: "123" },
      contacts: [{ profile: { name: "Zoë" }, wa_id: "4915112345678" }],
      messages: [{ type: "interactive", interactive: { button_reply: { id: "ok", title: "Okay" } } }],
    });
    expect(reply.id).toMatch(/^wamid\.TEST/);
    expect(statuses?.value.statuses).toEqual([expect.objectContaining({ id: "wamid.FAKE1", status: "read" })]);
  });

  it("gives commands the bot_command entity grammY routes on", async () => {
    const update = tgText({ chatId: 11, text: "/start@rotabot_test_bot hello" });
    expect(update.message?.entities).toEqual([{ type: "bot_command", offset: 0, length: 23 }]);
    const bot = new Bot("1:x", { botInfo });
    let started = false;
    bot.command("start", () => {
      started = true;
    });
    await bot.handleUpdate(update);
    expect(started).toBe(true);
  });
});
