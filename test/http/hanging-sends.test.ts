import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, TELEGRAM_SECRET, type TestServer } from "../helpers/server.js";
import { postTelegram, tgText } from "../helpers/telegram-updates.js";

/**
 * Issue 14, high 1: a Telegram call that never answers is aborted after a
 * bound, and while it hangs it holds only its own chat: the other students are
 * answered at once, even when the hanging chats outnumber the turn slots.
 */

let chatSeq = 8_100_000;
const newChat = () => ++chatSeq;
const tg = (t: TestServer, update: object) => postTelegram(t.url, update, { secret: TELEGRAM_SECRET });
const sendCalls = (t: TestServer, chats: number[]) => t.telegram.callsTo("sendMessage").filter((c) => chats.includes(Number(c.body.chat_id)));

describe("hanging Telegram sends", () => {
  let t: TestServer;
  beforeAll(async () => {
    // Fewer turn slots than hanging chats: a design where a send holds a slot answers nobody.
    t = await startTestServer("pglite", { env: { WORKER_CONCURRENCY: "8" } });
  });
  afterAll(async () => t?.close());

  it("answers 30 healthy chats within 5 s while 20 chats' sends hang, aborts each hung call within 12 s and delivers it once afterwards", async () => {
    const hanging = Array.from({ length: 20 }, () => newChat());
    for (const chat of hanging) t.telegram.fault({ kind: "hang", chatId: chat, method: "sendMessage" });
    const hungAt = Date.now();
    for (const chat of hanging) expect((await tg(t, tgText({ chatId: chat, text: "what is an observership?" }))).status).toBe(200);
    await t.until(() => sendCalls(t, hanging).length >= 8, "the hanging sends to reach Telegram");

    const healthy = Array.from({ length: 30 }, () => newChat());
    const started = Date.now();
    for (const chat of healthy) expect((await tg(t, tgText({ chatId: chat, text: "how much does an observership cost?" }))).status).toBe(200);
    await t.until(() => healthy.every((chat) => t.telegram.sent(chat).length === 1), "every healthy chat's reply", 5000);
    console.info(`hanging sends: 30 healthy chats answered in ${Date.now() - started} ms while 20 sends hung`);
    expect(hanging.every((chat) => t.telegram.sent(chat).length === 0)).toBe(true);

    // grammY gives up on each hung call (10 s); the fake sees the client close it.
    await t.until(() => sendCalls(t, hanging).filter((c) => c.status === 499).length === 20, "every hung call to be aborted", 25_000);
    console.info(`hanging sends: every hung call aborted by the client ${Date.now() - hungAt} ms after the first hung`);
    for (const call of sendCalls(t, hanging)) expect(call.status === 0 || call.status === 499).toBe(true);

    // Telegram recovers: each reply leaves exactly once, after backoff.
    t.telegram.clearFaults();
    await t.until(() => hanging.every((chat) => t.telegram.sent(chat).length === 1), "the hung chats' replies", 15_000);
    await t.server.worker.idle();
    for (const chat of [...hanging, ...healthy]) expect(t.telegram.sent(chat), `chat ${chat}`).toHaveLength(1);
    const rows = await t.db.query<{ status: string }>("SELECT status FROM outbox WHERE channel = 'telegram' AND status <> 'sent'");
    expect(rows.rows).toEqual([]);
  }, 60_000);
});
