import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { postTelegram, tgText } from "../helpers/telegram-updates.js";

/**
 * Telegram in long-polling mode (no PUBLIC_URL): the real grammY runner polls
 * the fake's getUpdates with a 1-second timeout.
 */
describe("Telegram long polling", () => {
  let t: TestServer;
  let chat = 7_500_000;
  beforeAll(async () => {
    t = await startTestServer("pglite", { env: { TELEGRAM_MODE: "polling", PUBLIC_URL: "" }, serve: { telegramPollTimeoutSeconds: 1 } });
  });
  afterAll(async () => t?.close());

  it("deletes any webhook at start, sets none, and polls getUpdates", async () => {
    expect(t.telegram.callsTo("deleteWebhook")).toHaveLength(1);
    expect(t.telegram.callsTo("setWebhook")).toHaveLength(0);
    expect(t.telegram.webhook).toBeUndefined();
    await t.until(() => t.telegram.callsTo("getUpdates").length > 0, "a poll");
    const poll = t.telegram.callsTo("getUpdates")[0]?.body as { timeout?: number; allowed_updates?: string[] };
    expect(Number(poll.timeout)).toBe(1);
    expect(poll.allowed_updates).toEqual(["message", "callback_query"]);
  });

  it("answers a polled update once", async () => {
    const id = ++chat;
    t.telegram.pushUpdate(tgText({ chatId: id, text: "what is an observership?" }));
    await t.until(() => t.telegram.sent(id).length === 1, "the reply");
    expect(t.telegram.sent(id)[0]?.text).toMatch(/observership/i);
    await new Promise((r) => setTimeout(r, 1500)); // a poll or two later: not fetched again, not answered again
    expect(t.telegram.sent(id)).toHaveLength(1);
  });

  it("answers two updates of one chat in order", async () => {
    const id = ++chat;
    t.telegram.pushUpdate(tgText({ chatId: id, text: "what is an observership?" }));
    t.telegram.pushUpdate(tgText({ chatId: id, text: "/profile" }));
    await t.until(() => t.telegram.sent(id).length === 2, "both replies");
    const [first, second] = t.telegram.sent(id);
    expect(first?.text).toMatch(/observership/i);
    expect(second?.text).toMatch(/know/i);
  });

  it("answers 404 on the webhook path, which only exists in webhook mode", async () => {
    expect((await postTelegram(t.url, tgText({ chatId: ++chat, text: "hi" }), { secret: "x" })).status).toBe(404);
  });

  it("leaves no getUpdates poll hanging after close, and closes promptly", async () => {
    await t.until(() => t.telegram.callsTo("getUpdates").some((c) => c.status === 0), "a poll in progress");
    const started = Date.now();
    await t.server.close();
    const ms = Date.now() - started;
    console.info(`polling server closed in ${ms} ms`);
    expect(ms).toBeLessThan(3000);
    // The fake is still up: a poll still waiting would show status 0 here.
    await new Promise((r) => setTimeout(r, 100));
    expect(t.telegram.callsTo("getUpdates").filter((c) => c.status === 0)).toEqual([]);
    const polls = t.telegram.callsTo("getUpdates").length;
    await new Promise((r) => setTimeout(r, 1200));
    expect(t.telegram.callsTo("getUpdates")).toHaveLength(polls);
  });
});
