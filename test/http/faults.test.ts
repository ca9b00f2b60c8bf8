import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeTelegram } from "../fakes/telegram-api.js";
import { databaseKinds } from "../helpers/databases.js";
import { startTestServer, TELEGRAM_SECRET, WHATSAPP_APP_SECRET, type TestServer } from "../helpers/server.js";
import { postTelegram, tgText } from "../helpers/telegram-updates.js";
import { postWhatsApp, waEnvelope, waText } from "../helpers/whatsapp-webhook.js";

/**
 * Fault cases of RELIABILITY.md against `rotabot serve` in this process, with
 * the real grammY and our WhatsApp client talking to the loopback fakes.
 */

let chatSeq = 6_000_000;
const newChat = () => ++chatSeq;
let waSeq = 491520000000;
const newWa = () => String(++waSeq);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const count = async (t: TestServer, sql: string, params: unknown[] = []) => Number((await t.db.query<{ n: number }>(sql, params)).rows[0]?.n);
const tg = (t: TestServer, update: object | string) => postTelegram(t.url, update, { secret: TELEGRAM_SECRET });
const wa = (t: TestServer, body: ReturnType<typeof waEnvelope> | string) => {
  if (typeof body !== "string") for (const change of body.entry[0]?.changes ?? []) for (const m of change.value.messages ?? []) t.graph.noteInbound(m.from);
  return postWhatsApp(t.url, body, { appSecret: WHATSAPP_APP_SECRET });
};
const sendCalls = (t: TestServer, chat: number) => t.telegram.callsTo("sendMessage").filter((c) => String(c.body.chat_id) === String(chat));
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? NaN;

describe("case 7: a slow Telegram send never slows the webhooks", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("pglite");
  });
  afterAll(async () => t?.close());

  it("acknowledges 20 other chats in under 1 s each while one chat's sendMessage takes 8 s, and the slow chat gets its reply once", async () => {
    const slow = newChat();
    t.telegram.fault({ kind: "slow", ms: 8000, chatId: slow, method: "sendMessage" });
    const started = Date.now();
    expect((await tg(t, tgText({ chatId: slow, text: "what is an observership?" }))).status).toBe(200);
    await t.until(() => sendCalls(t, slow).length === 1, "the slow send to start");

    // One after another, as students write, while the worker answers the earlier ones
    // beside them. (A burst of 20 at the same instant on one PGlite connection also
    // queues behind the turns in progress; that is throughput, not this case.)
    const others = Array.from({ length: 20 }, () => newChat());
    const acks: { status: number; ms: number }[] = [];
    for (const chat of others) {
      const t0 = performance.now();
      const res = await tg(t, tgText({ chatId: chat, text: "how much does an observership cost?" }));
      acks.push({ status: res.status, ms: performance.now() - t0 });
    }
    console.info(`case 7 acks while a send hangs: p50 ${percentile(acks.map((a) => a.ms), 50).toFixed(1)} ms, max ${Math.max(...acks.map((a) => a.ms)).toFixed(1)} ms`);
    for (const ack of acks) {
      expect(ack.status).toBe(200);
      expect(ack.ms).toBeLessThan(1000);
    }
    // The other students are answered while the slow send still hangs.
    await t.until(() => others.every((chat) => t.telegram.sent(chat).length === 1), "the other chats' replies", 7000);
    expect(t.telegram.sent(slow)).toHaveLength(0);

    await t.until(() => t.telegram.sent(slow).length === 1, "the slow chat's reply", 15_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(8000);
    await sleep(500);
    expect(t.telegram.sent(slow)).toHaveLength(1);
    expect(sendCalls(t, slow)).toHaveLength(1);
  }, 30_000);
});

describe("case 19: Telegram 429 for one chat while 100 chats write at once", () => {
  let t: TestServer;
  beforeAll(async () => {
    const telegram = await startFakeTelegram({ enforceLimits: true });
    t = await startTestServer("pglite", { telegram, serve: { telegramPerChatMinMs: 1000 } });
  });
  afterAll(async () => t?.close());

  it("makes chat A wait its retry_after, answers every chat exactly once and breaks no limit at the fake", async () => {
    const chats = Array.from({ length: 100 }, () => newChat());
    const a = chats[0] as number;
    t.telegram.fault({ kind: "429", retryAfter: 2, chatId: a, method: "sendMessage", times: 1 });
    const statuses = await Promise.all(chats.map((chat) => tg(t, tgText({ chatId: chat, text: "what is an observership?" })).then((r) => r.status)));
    expect(statuses.every((s) => s === 200)).toBe(true);

    await t.until(() => chats.every((chat) => t.telegram.sent(chat).length >= 1), "a reply in every chat", 40_000);
    await t.server.worker.idle();
    await sleep(500);
    for (const chat of chats) expect(t.telegram.sent(chat), `chat ${chat}`).toHaveLength(1);

    const attempts = sendCalls(t, a);
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    const delay = (attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0);
    console.info(`case 19: chat A's reply came ${delay} ms after its first attempt; ${t.telegram.callsTo("sendMessage").length} sendMessage calls, ${t.telegram.violations.length} violations`);
    expect(delay).toBeGreaterThanOrEqual(1995);
    const sends = t.telegram.callsTo("sendMessage").filter((c) => c.status === 200).map((c) => c.at);
    const busiest = Math.max(...sends.map((at) => sends.filter((x) => x >= at && x - at < 1000).length));
    console.info(`case 19: busiest 1-second window held ${busiest} sends; violations ${JSON.stringify(t.telegram.violations)}`);
    expect(t.telegram.violations).toEqual([]);
    expect(t.telegram.callsTo("sendMessage").filter((c) => c.status === 429)).toHaveLength(1);
  }, 60_000);
});

describe("Telegram and WhatsApp send failures", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("pglite");
  });
  afterAll(async () => t?.close());

  it("case 20: gives up on a chat that blocked the bot after one attempt, marking the reply dead as unreachable", async () => {
    const chat = newChat();
    t.telegram.fault({ kind: "blocked", chatId: chat });
    expect((await tg(t, tgText({ chatId: chat, text: "what is an observership?" }))).status).toBe(200);
    await t.until(async () => (await count(t, "SELECT count(*) AS n FROM outbox WHERE conversation = $1 AND status = 'dead'", [String(chat)])) === 1, "the reply marked dead");
    const row = (await t.db.query<{ last_error: string }>("SELECT last_error FROM outbox WHERE conversation = $1", [String(chat)])).rows[0];
    expect(row?.last_error).toMatch(/unreachable|blocked/i);
    expect(sendCalls(t, chat)).toHaveLength(1);
    expect(sendCalls(t, chat)[0]?.status).toBe(403);
    await sleep(2000);
    expect(sendCalls(t, chat)).toHaveLength(1);
  });

  it("delivers a reply exactly once after two 5xx answers, with backoff between the attempts", async () => {
    const chat = newChat();
    t.telegram.fault({ kind: "5xx", chatId: chat, method: "sendMessage", times: 2 });
    await tg(t, tgText({ chatId: chat, text: "what is an observership?" }));
    await t.until(() => t.telegram.sent(chat).length === 1, "the reply after two failures", 12_000);
    await sleep(500);
    expect(t.telegram.sent(chat)).toHaveLength(1);
    const attempts = sendCalls(t, chat);
    expect(attempts.map((c) => c.status)).toEqual([500, 500, 200]);
    // Backoff is 1 s · 2^attempt with jitter down to half: at least 0.5 s, then 1 s.
    expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(450);
    expect((attempts[2]?.at ?? 0) - (attempts[1]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    const row = (await t.db.query<{ status: string; attempts: number }>("SELECT status, attempts FROM outbox WHERE conversation = $1", [String(chat)])).rows[0];
    expect(row).toMatchObject({ status: "sent", attempts: 3 });
  });

  it("delivers a WhatsApp reply once, and not before the Retry-After of a 429", async () => {
    const from = newWa();
    t.graph.fault({ kind: "429", retryAfter: 2, to: from, times: 1 });
    expect((await wa(t, waEnvelope(waText({ from, text: "what is an observership?" })))).status).toBe(200);
    await t.until(() => t.graph.sent(from).length === 1, "the reply after the 429", 10_000);
    await sleep(500);
    expect(t.graph.sent(from)).toHaveLength(1);
    const attempts = t.graph.calls.filter((c) => c.body?.to === from);
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(1995);
  });
});

describe.each(databaseKinds)("poison and oversized input on $name", ({ name }) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(name);
  });
  afterAll(async () => t?.close());

  it("case 25: accepts a 50,000-character message, stores it capped and tells the student it was cut", async () => {
    const chat = newChat();
    const text = "What is an observership and how much does it cost? ".repeat(1000).slice(0, 50_000);
    expect(text.length).toBe(50_000);
    expect((await tg(t, tgText({ chatId: chat, text }))).status).toBe(200);
    const stored = (await t.db.query<{ text: string; truncated: boolean }>("SELECT text, truncated FROM messages WHERE conversation = $1 AND direction = 'in'", [String(chat)])).rows;
    expect(stored).toHaveLength(1);
    expect(stored[0]?.text.length).toBeLessThanOrEqual(2000);
    expect(stored[0]?.truncated).toBe(true);
    await t.until(() => t.telegram.sent(chat).length >= 1, "the reply");
    expect(t.telegram.sent(chat)[0]?.text).toMatch(/^Your message was longer than 2000 characters/);
  });

  it("case 12: keeps a signed WhatsApp body that is JSON but not a WABA event as a dead letter with a 200", async () => {
    const before = await count(t, "SELECT count(*) AS n FROM dead_letters WHERE channel = 'whatsapp' AND reason LIKE 'not a WhatsApp%'");
    for (const body of ['{"hello":"world"}', "[1,2,3]", '"just a string"', "null", '{"object":"page","entry":[]}']) {
      expect((await wa(t, body)).status, body).toBe(200);
    }
    expect(await count(t, "SELECT count(*) AS n FROM dead_letters WHERE channel = 'whatsapp' AND reason LIKE 'not a WhatsApp%'")).toBe(before + 5);
    expect((await wa(t, "{broken json")).status).toBe(200);
  });

  it("case 12: cleans NUL and RTL overrides out of a WhatsApp text, answers it, and answers the student's later messages", async () => {
    const from = newWa();
    expect((await wa(t, waEnvelope(waText({ from, text: "what\u0000 is an \u202Eobservership\u202C?\u2066" })))).status).toBe(200);
    const stored = (await t.db.query<{ text: string }>("SELECT text FROM messages WHERE conversation = $1 AND direction = 'in'", [from])).rows[0]?.text ?? "";
    expect(stored).not.toMatch(/[\u0000\u202A-\u202E\u2066-\u2069]/);
    expect(stored).toMatch(/observership/);
    await t.until(() => t.graph.sent(from).length === 1, "the first reply");
    await wa(t, waEnvelope(waText({ from, text: "how much does it cost?" })));
    await t.until(() => t.graph.sent(from).length === 2, "the later message's reply");
    expect(t.graph.calls.filter((c) => c.status >= 400)).toHaveLength(0);
  });

  it("case 12: answers 200 (never 503) to a signed WhatsApp message or status whose id holds a NUL, and goes on with the student", async () => {
    // Meta never sends this, but a signed body is trusted input: a database error here would
    // answer 503 and make Meta redeliver a body that can never be stored.
    const from = newWa();
    const poison = waText({ from, text: "hi", id: "wamid.NUL\u0000ID" });
    expect((await wa(t, waEnvelope(poison))).status).toBe(200);
    const status = { id: "wamid.OUT\u0000", status: "delivered", timestamp: "1700000000", recipient_id: from };
    const env = waEnvelope(waText({ from, text: "placeholder" }));
    const change = env.entry[0]?.changes[0];
    if (change) change.value = { ...change.value, messages: [], statuses: [status as never] };
    expect((await wa(t, env)).status).toBe(200);
    await wa(t, waEnvelope(waText({ from, text: "what is an observership?" })));
    await t.until(() => t.graph.sent(from).length >= 1, "the later message's reply");
  });
});
