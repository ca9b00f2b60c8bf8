import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseKinds } from "../helpers/databases.js";
import { startTestServer, TELEGRAM_SECRET, WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN, type TestServer } from "../helpers/server.js";
import { postTelegram, tgCallback, tgPhoto, tgText, tgUnknown } from "../helpers/telegram-updates.js";
import { postWhatsApp, signWhatsApp, verifyWhatsApp, waButtonReply, waEnvelope, waMedia, waStatus, waText } from "../helpers/whatsapp-webhook.js";

let chatSeq = 5_000_000;
/** A chat id no other test uses. */
const newChat = () => ++chatSeq;
const count = async (t: TestServer, sql: string, params: unknown[] = []) => Number((await t.db.query<{ n: number }>(sql, params)).rows[0]?.n);

describe.each(databaseKinds)("rotabot serve on $name", ({ name }) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(name);
  });
  afterAll(async () => t?.close());

  describe("Telegram webhook", () => {
    it("registers its webhook with the secret at start-up", () => {
      expect(t.telegram.webhook).toMatchObject({ url: "https://rotabot.example.org/telegram/webhook", secret_token: TELEGRAM_SECRET });
    });

    it("rejects a missing or wrong secret with 401 and stores nothing", async () => {
      const chat = newChat();
      expect((await postTelegram(t.url, tgText({ chatId: chat, text: "hi" }))).status).toBe(401);
      expect((await postTelegram(t.url, tgText({ chatId: chat, text: "hi" }), { secret: "wrong" })).status).toBe(401);
      expect(await count(t, "SELECT count(*) AS n FROM messages WHERE conversation = $1", [String(chat)])).toBe(0);
      await new Promise((r) => setTimeout(r, 300));
      expect(t.telegram.sent(chat)).toHaveLength(0);
    });

    it("stores the update before the 200, then answers from the knowledge base", async () => {
      const chat = newChat();
      const res = await postTelegram(t.url, tgText({ chatId: chat, text: "how much does an observership cost?" }), { secret: TELEGRAM_SECRET });
      expect(res.status).toBe(200);
      expect(await count(t, "SELECT count(*) AS n FROM messages WHERE conversation = $1 AND direction = 'in'", [String(chat)])).toBe(1);
      await t.until(() => t.telegram.sent(chat).length === 1, "the reply");
      expect(t.telegram.sent(chat)[0]?.text).toMatch(/observership/i);
      expect(t.telegram.callsTo("sendChatAction").some((c) => String(c.body.chat_id) === String(chat))).toBe(true);
    });

    it("answers one of the same update delivered twice, and 20 times at once", async () => {
      const chat = newChat();
      const update = tgText({ chatId: chat, text: "what is an externship?" });
      for (let i = 0; i < 2; i++) expect((await postTelegram(t.url, update, { secret: TELEGRAM_SECRET })).status).toBe(200);
      const burst = tgText({ chatId: chat, text: "and what about visas?" });
      const statuses = await Promise.all(Array.from({ length: 20 }, () => postTelegram(t.url, burst, { secret: TELEGRAM_SECRET }).then((r) => r.status)));
      expect(statuses.every((s) => s === 200)).toBe(true);
      await t.until(() => t.telegram.sent(chat).length >= 2, "two replies");
      await new Promise((r) => setTimeout(r, 500));
      expect(t.telegram.sent(chat)).toHaveLength(2);
      expect(await count(t, "SELECT count(*) AS n FROM messages WHERE conversation = $1 AND direction = 'in'", [String(chat)])).toBe(2);
    });

    it("handles two messages of one chat arriving reversed in platform order", async () => {
      const chat = newChat();
      const first = tgText({ chatId: chat, text: "what is an observership?", updateId: 9_000_001 });
      const second = tgText({ chatId: chat, text: "/profile", updateId: 9_000_002 });
      await Promise.all([postTelegram(t.url, second, { secret: TELEGRAM_SECRET }), postTelegram(t.url, first, { secret: TELEGRAM_SECRET })]);
      await t.until(() => t.telegram.sent(chat).length === 2, "both replies");
      const [a, b] = t.telegram.sent(chat);
      expect(a?.text).toMatch(/observership/i);
      expect(b?.text).toMatch(/know/i);
    });

    it("answers photos and other non-text messages with a friendly text-only notice", async () => {
      const chat = newChat();
      await postTelegram(t.url, tgPhoto({ chatId: chat }), { secret: TELEGRAM_SECRET });
      await t.until(() => t.telegram.sent(chat).length === 1, "the notice");
      expect(t.telegram.sent(chat)[0]?.text).toMatch(/only read text/i);
    });

    it("answers a button press and always answers the callback query", async () => {
      const chat = newChat();
      await postTelegram(t.url, tgCallback({ chatId: chat, data: "clarify:costs-observership" }), { secret: TELEGRAM_SECRET });
      await t.until(() => t.telegram.sent(chat).length === 1, "the reply");
      expect(t.telegram.callsTo("answerCallbackQuery").length).toBeGreaterThan(0);
    });

    it("sends quick replies as an inline keyboard with callback data within 64 bytes", async () => {
      const chat = newChat();
      await postTelegram(t.url, tgText({ chatId: chat, text: "I want to start in June" }), { secret: TELEGRAM_SECRET });
      await t.until(() => t.telegram.sent(chat).length === 1, "the confirmation question");
      const markup = t.telegram.sent(chat)[0]?.reply_markup as { inline_keyboard: { callback_data: string }[][] } | undefined;
      const data = (markup?.inline_keyboard ?? []).flat().map((b) => b.callback_data);
      expect(data.length).toBeGreaterThan(0);
      for (const d of data) expect(Buffer.byteLength(d)).toBeLessThanOrEqual(64);
    });

    it("answers in a group only when addressed", async () => {
      const chat = -newChat();
      await postTelegram(t.url, tgText({ chatId: chat, chatType: "group", fromId: 42, text: "anyone know visa rules?" }), { secret: TELEGRAM_SECRET });
      await postTelegram(t.url, tgText({ chatId: chat, chatType: "group", fromId: 42, text: "@rotabot_test_bot which visa do I need for a rotation?" }), { secret: TELEGRAM_SECRET });
      await t.until(() => t.telegram.sent(chat).length === 1, "one reply");
      await new Promise((r) => setTimeout(r, 300));
      expect(t.telegram.sent(chat)).toHaveLength(1);
      expect(t.telegram.sent(chat)[0]?.text).toMatch(/B1\/B2|visa/i);
    });

    it("keeps poison updates as dead letters, answers 200 and goes on with the chat", async () => {
      const chat = newChat();
      const unknown = tgUnknown();
      expect((await postTelegram(t.url, unknown, { secret: TELEGRAM_SECRET })).status).toBe(200);
      expect(await count(t, "SELECT count(*) AS n FROM dead_letters WHERE external_id = $1", [String(unknown.update_id)])).toBe(1);
      const nul = tgText({ chatId: chat, text: "what\u0000 is an observership?" });
      expect((await postTelegram(t.url, nul, { secret: TELEGRAM_SECRET })).status).toBe(200);
      const entities = Array.from({ length: 10_000 }, (_, i) => ({ type: "bold" as const, offset: i % 10, length: 1 }));
      const many = tgText({ chatId: chat, text: "how early should I apply?", entities });
      expect((await postTelegram(t.url, many, { secret: TELEGRAM_SECRET })).status).toBe(200);
      expect((await postTelegram(t.url, "{not json", { secret: TELEGRAM_SECRET })).status).toBeLessThan(500);
      await t.until(() => t.telegram.sent(chat).length === 2, "both replies");
    });

    it("erases the student on /forget, confirms, and still answers a message sent right after", async () => {
      const chat = newChat();
      await postTelegram(t.url, tgText({ chatId: chat, text: "I graduated in 2022" }), { secret: TELEGRAM_SECRET });
      await t.until(() => t.telegram.sent(chat).length === 1, "the acknowledgement");
      const forget = tgText({ chatId: chat, text: "/forget" });
      const after = tgText({ chatId: chat, text: "what is an observership?" });
      await Promise.all([postTelegram(t.url, forget, { secret: TELEGRAM_SECRET }), postTelegram(t.url, after, { secret: TELEGRAM_SECRET })]);
      await t.until(() => t.telegram.sent(chat).length === 3, "the confirmation and the answer");
      expect(t.telegram.sent(chat)[1]?.text).toMatch(/erased/i);
      expect(t.telegram.sent(chat)[2]?.text).toMatch(/observership/i);
      const texts = (await t.db.query<{ text: string }>("SELECT text FROM messages WHERE conversation = $1 AND direction = 'in'", [String(chat)])).rows.map((r) => r.text);
      expect(texts).toEqual(["what is an observership?"]);
      expect(await count(t, "SELECT count(*) AS n FROM students WHERE sender = $1", [String(chat)])).toBe(0);
    });

    it("tells a student over the rate limit once, and keeps answering other students", async () => {
      const busy = await startTestServer(name, { env: { RATE_LIMIT_PER_MINUTE: "3" } });
      try {
        const chat = newChat();
        const other = newChat();
        for (let i = 0; i < 8; i++) await postTelegram(busy.url, tgText({ chatId: chat, text: `what is an observership? (${i})` }), { secret: TELEGRAM_SECRET });
        await postTelegram(busy.url, tgText({ chatId: other, text: "what is an observership?" }), { secret: TELEGRAM_SECRET });
        await busy.until(() => busy.telegram.sent(chat).length === 4 && busy.telegram.sent(other).length === 1, "3 answers, 1 notice and the other student's answer");
        await new Promise((r) => setTimeout(r, 400));
        expect(busy.telegram.sent(chat)).toHaveLength(4);
        expect(busy.telegram.sent(chat)[3]?.text).toMatch(/faster than I can answer/i);
        expect(await count(busy, "SELECT count(*) AS n FROM messages WHERE conversation = $1 AND direction = 'in'", [String(chat)])).toBe(8);
      } finally {
        await busy.close();
      }
    });
  });

  describe("WhatsApp webhook", () => {
    let wa = 491510000000;
    const newWa = () => String(++wa);
    const post = (body: ReturnType<typeof waEnvelope>) => {
      for (const change of body.entry[0]?.changes ?? []) for (const m of change.value.messages ?? []) t.graph.noteInbound(m.from);
      return postWhatsApp(t.url, body, { appSecret: WHATSAPP_APP_SECRET });
    };

    it("echoes the challenge only for the right verify token", async () => {
      const ok = await verifyWhatsApp(t.url, { verifyToken: WHATSAPP_VERIFY_TOKEN, challenge: "8675309" });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe("8675309");
      expect((await verifyWhatsApp(t.url, { verifyToken: "nope" })).status).toBe(403);
    });

    it("rejects missing, wrong and re-serialized signatures before parsing, storing nothing", async () => {
      const from = newWa();
      const raw = JSON.stringify(waEnvelope(waText({ from, text: "hi 😀" })), null, 0);
      expect((await postWhatsApp(t.url, raw)).status).toBe(401);
      expect((await postWhatsApp(t.url, raw, { signature: signWhatsApp(raw, "other-secret") })).status).toBe(401);
      const reserialized = JSON.stringify(JSON.parse(raw), null, 2);
      expect((await postWhatsApp(t.url, reserialized, { signature: signWhatsApp(raw, WHATSAPP_APP_SECRET) })).status).toBe(401);
      expect(await count(t, "SELECT count(*) AS n FROM messages WHERE conversation = $1", [from])).toBe(0);
    });

    it("answers a text message once however often it is delivered", async () => {
      const from = newWa();
      const body = waEnvelope(waText({ from, text: "how much does an observership cost?" }));
      const statuses = await Promise.all(Array.from({ length: 5 }, () => post(body).then((r) => r.status)));
      expect(statuses.every((s) => s === 200)).toBe(true);
      await t.until(() => t.graph.sent(from).length === 1, "the reply");
      await new Promise((r) => setTimeout(r, 400));
      expect(t.graph.sent(from)).toHaveLength(1);
      expect(t.graph.calls.filter((c) => c.status >= 400)).toHaveLength(0);
    });

    it("renders quick replies as reply buttons and reads a button reply", async () => {
      const from = newWa();
      await post(waEnvelope(waText({ from, text: "I want to start in June" })));
      await t.until(() => t.graph.sent(from).length >= 1, "the confirmation question");
      const question = t.graph.sent(from).at(-1) as { type: string; interactive?: { action: { buttons: { reply: { id: string; title: string } }[] } } };
      expect(question.type).toBe("interactive");
      const yes = question.interactive?.action.buttons[0]?.reply;
      expect(yes?.title.length).toBeLessThanOrEqual(20);
      const before = t.graph.sent(from).length;
      await post(waEnvelope(waButtonReply({ from, buttonId: yes?.id ?? "", title: yes?.title ?? "" })));
      await t.until(() => t.graph.sent(from).length > before, "the answer to the button");
      expect(t.graph.calls.filter((c) => c.status >= 400)).toHaveLength(0);
    });

    it("answers media with a text-only notice, and stores the notice's delivery status without replying", async () => {
      const from = newWa();
      await post(waEnvelope(waMedia({ from, type: "audio" })));
      await t.until(() => t.graph.sent(from).length === 1, "the notice");
      expect(JSON.stringify(t.graph.sent(from)[0])).toMatch(/only read text/i);
      expect((await post(waEnvelope(waStatus({ messageId: "wamid.OUT1", recipient: from, status: "delivered" })))).status).toBe(200);
      expect(await count(t, "SELECT count(*) AS n FROM delivery_statuses WHERE message_id = 'wamid.OUT1'")).toBe(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(t.graph.sent(from)).toHaveLength(1);
      // A receipt for a number rotabot has no conversation with (erased by /forget) is not kept.
      expect((await post(waEnvelope(waStatus({ messageId: "wamid.OUT2", recipient: newWa(), status: "delivered" })))).status).toBe(200);
      expect(await count(t, "SELECT count(*) AS n FROM delivery_statuses WHERE message_id = 'wamid.OUT2'")).toBe(0);
    });

    it("does not send a free-form reply after the 24-hour window", async () => {
      const from = newWa();
      const old = new Date(Date.now() - 25 * 60 * 60 * 1000);
      await postWhatsApp(t.url, waEnvelope(waText({ from, text: "what is an observership?", timestamp: old })), { appSecret: WHATSAPP_APP_SECRET });
      await t.until(async () => (await count(t, "SELECT count(*) AS n FROM outbox WHERE conversation = $1 AND status = 'dead'", [from])) === 1, "the reply marked undeliverable");
      const row = await t.db.query<{ last_error: string }>("SELECT last_error FROM outbox WHERE conversation = $1", [from]);
      expect(row.rows[0]?.last_error).toMatch(/window/);
      expect(t.graph.sent(from)).toHaveLength(0);
    });
  });

  describe("health and metrics", () => {
    it("reports liveness, readiness and Prometheus metrics", async () => {
      expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${t.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ checks: { database: "ok", knowledge: "ok" } });
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      expect(metrics).toMatch(/rotabot_turns_total\{channel="telegram",outcome="answered"\} \d+/);
      expect(metrics).toMatch(/rotabot_turn_duration_seconds_bucket/);
      expect(metrics).toMatch(/rotabot_webhook_ack_seconds_bucket\{le="[\d.]+",channel="whatsapp"\}/);
      expect(metrics).toMatch(/rotabot_queue_depth\{channel="telegram",queue="dead"\} \d+/);
    });
  });
});
